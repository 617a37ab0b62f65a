// setup()'s return value (issue 15, item 11): returned as JSON by RunScenarioHook, passed after `http` to on_start,
// tasks, on_stop and teardown as a frozen copy, refused when it cannot cross to other states. No requests: each
// phase reports what it saw with check() or error(), which the dry run lists as problems.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/http/url.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

using testing::TempScripts;

LuaRunConfig Config(const std::string& path) {
    LuaRunConfig c;
    c.script_path = path;
    c.scenario = "s";
    c.target = http::ParseUrl("http://127.0.0.1:9");  // never contacted: no phase sends a request
    return c;
}

std::string Problems(const DryRunResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p + "\n";
    return out;
}

constexpr char kPhases[] = R"(
local s = scenario { name = "s", vusers = 2 }
function s:setup(http)
  return { token = "tok-1", users = { "ann", "bob", "cy" }, limits = { max = 3 }, on = true }
end
function s:on_start(http, data)
  check("on_start got data", data ~= nil and data.token == "tok-1" and #data.users == 3)
end
s:task("t", function(self, http, data)
  local names = {}
  for _, u in ipairs(data.users) do names[#names + 1] = u end
  local keys = 0
  for _ in pairs(data) do keys = keys + 1 end
  check("task got data", table.concat(names, ",") == "ann,bob,cy" and keys == 4 and data.limits.max == 3 and
        data.on == true and json.encode(data.limits) == '{"max":3}')
end)
function s:on_stop(http, data) check("on_stop got data", data.limits.max == 3) end
function s:teardown(http, data) check("teardown got data", data.users[2] == "bob") end
)";

TEST(SetupData, RunScenarioHookReturnsItAsJson) {
    TempScripts dir;
    const std::string json = RunScenarioHook(Config(dir.Write("s.lua", kPhases)), "setup");
    EXPECT_EQ(nlohmann::json::parse(json),
              nlohmann::json::parse(R"({"token":"tok-1","users":["ann","bob","cy"],"limits":{"max":3},"on":true})"));
    LuaRunConfig with_data = Config(dir.Write("s.lua", kPhases));
    with_data.setup_data = json;
    EXPECT_EQ(RunScenarioHook(with_data, "teardown"), "") << "only setup returns data";
}

TEST(SetupData, EveryLaterPhaseGetsIt) {
    TempScripts dir;
    const DryRunResult r = DryRunScenario(Config(dir.Write("s.lua", kPhases)), 2);
    EXPECT_TRUE(r.problems.empty()) << Problems(r);
    EXPECT_EQ(r.vusers_prepared, 2);
}

TEST(SetupData, AChecksFailureIsSeen) {
    // The checks above can fail: the same script with a different token fails on_start's.
    TempScripts dir;
    std::string script = kPhases;
    script.replace(script.find("token = \"tok-1\""), 15, "token = \"tok-2\"");
    const DryRunResult r = DryRunScenario(Config(dir.Write("s.lua", script)), 1);
    EXPECT_NE(Problems(r).find("check 'on_start got data' failed"), std::string::npos) << Problems(r);
}

TEST(SetupData, TeardownGetsTheConfigsData) {
    TempScripts dir;
    LuaRunConfig c = Config(dir.Write("t.lua", R"(
local s = scenario { name = "s" }
s:task("t", function() end)
function s:teardown(http, data)
  if data == nil or data.run ~= "r-7" then error("teardown saw " .. tostring(data and data.run)) end
end
)"));
    EXPECT_THROW(RunScenarioHook(c, "teardown"), ScriptError) << "no data yet: the check above can fail";
    c.setup_data = R"({"run":"r-7"})";
    EXPECT_NO_THROW(RunScenarioHook(c, "teardown"));
}

TEST(SetupData, ItIsFrozen) {
    TempScripts dir;
    const DryRunResult r = DryRunScenario(Config(dir.Write("s.lua", R"(
local s = scenario { name = "s" }
function s:setup() return { list = { 1, 2 }, inner = { a = 1 } } end
s:task("add", function(self, http, data) data.inner.b = 2 end)
s:task("meta", function(self, http, data) setmetatable(data.list, nil) end)
)")),
                                          1);
    const std::string problems = Problems(r);
    EXPECT_NE(problems.find("setup data is read-only (tried to add 'b')"), std::string::npos) << problems;
    EXPECT_NE(problems.find("cannot change a protected metatable"), std::string::npos) << problems;
}

TEST(SetupData, NoReturnValueMeansNoArgument) {
    TempScripts dir;
    const std::string path = dir.Write("s.lua", R"(
local s = scenario { name = "s" }
function s:setup() end
s:task("t", function(self, http, ...) check("no data argument", select('#', ...) == 0) end)
)");
    EXPECT_EQ(RunScenarioHook(Config(path), "setup"), "");
    const DryRunResult r = DryRunScenario(Config(path), 1);
    EXPECT_TRUE(r.problems.empty()) << Problems(r);
}

TEST(SetupData, ValuesThatCannotCrossAreRefusedNamingSetup) {
    TempScripts dir;
    const std::string path = dir.Write("s.lua", R"(
local s = scenario { name = "s" }
function s:setup() return { ok = 1, f = function() end } end
s:task("t", function() end)
)");
    try {
        RunScenarioHook(Config(path), "setup");
        FAIL() << "a function was accepted";
    } catch (const ScriptError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("setup() returned a value that cannot be passed to the virtual users"), std::string::npos)
            << msg;
        EXPECT_NE(msg.find("$.f"), std::string::npos) << msg;
    }
    const std::string cycle = dir.Write("c.lua", R"(
local s = scenario { name = "s" }
function s:setup() local t = {} t.self = t return t end
s:task("t", function() end)
)");
    EXPECT_THROW(RunScenarioHook(Config(cycle), "setup"), ScriptError);
}

}  // namespace
}  // namespace lse::lua
