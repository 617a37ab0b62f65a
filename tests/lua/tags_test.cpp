// The `tags` option (issue 15): per request and per scenario, merged into the canonical form the stat key carries,
// every validation message, and plan capture carrying each request's tags to the agents.

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "lse/core/errors.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/lua/shared_store.hpp"
#include "lua_test_util.hpp"
#include "request_options.hpp"

namespace lse::lua {
namespace {

std::string ErrorOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

class TagsOptionTest : public ::testing::Test {
protected:
    void SetUp() override {
        L_ = luaL_newstate();
        luaL_openlibs(L_);
    }
    void TearDown() override { lua_close(L_); }
    // Evaluates `args` (path, opts) and reads them as request arguments with the scenario's canonical tags.
    std::string Read(const std::string& args, std::string_view scenario_tags = {}) {
        lua_settop(L_, 0);
        if (luaL_dostring(L_, ("return " + args).c_str()) != 0) return lua_tostring(L_, -1);
        const int top = lua_gettop(L_);
        const std::string error = ErrorOf([&] {
            ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:get", &spec_, true, scenario_tags);
        });
        EXPECT_EQ(lua_gettop(L_), top) << "the stack is as it was";
        return error;
    }
    lua_State* L_ = nullptr;
    RequestSpec spec_;
};

TEST_F(TagsOptionTest, TagsAreCanonicalWithValuesConvertedAsTostringDoes) {
    ASSERT_EQ(Read(R"("/a", { tags = { tier = "gold", env = "staging", n = 42, f = 1.5, ok = true, no = false } })"), "");
    EXPECT_EQ(spec_.tags, "env\x1estaging\x1d" "f\x1e" "1.5\x1dn\x1e" "42\x1dno\x1e" "false\x1dok\x1etrue\x1dtier\x1egold");
    // A reused spec: the next request without tags has none.
    ASSERT_EQ(Read(R"("/a")"), "");
    EXPECT_EQ(spec_.tags, "");
    ASSERT_EQ(Read(R"("/a", { tags = {} })"), "");
    EXPECT_EQ(spec_.tags, "");
}

TEST_F(TagsOptionTest, TheScenariosTagsApplyAndARequestsTagOfTheSameKeyWins) {
    const std::string scenario = "env\x1eprod\x1dregion\x1e" "eu";
    ASSERT_EQ(Read(R"("/a")", scenario), "");
    EXPECT_EQ(spec_.tags, scenario);
    ASSERT_EQ(Read(R"("/a", { tags = { env = "staging", tier = "gold" } })", scenario), "");
    EXPECT_EQ(spec_.tags, "env\x1estaging\x1dregion\x1e" "eu\x1dtier\x1egold");
}

TEST_F(TagsOptionTest, BadTagsNameTheOptionAndTheProblem) {
    const auto error = [&](const std::string& tags, std::string_view scenario = {}) {
        return Read(R"("/a", { tags = )" + tags + " }", scenario);
    };
    EXPECT_EQ(error("\"env\""), "http:get: option 'tags' must be a table like { env = \"staging\" }, got string");
    EXPECT_EQ(error("{ \"x\" }"), "http:get: option 'tags': keys must be names (tags = { env = \"staging\" })");
    EXPECT_EQ(error("{ [\"2x\"] = \"v\" }"), "http:get: option 'tags': tag key '2x' is not a name ([A-Za-z_][A-Za-z0-9_]*)");
    EXPECT_EQ(error("{ [\"a-b\"] = \"v\" }"), "http:get: option 'tags': tag key 'a-b' is not a name ([A-Za-z_][A-Za-z0-9_]*)");
    EXPECT_EQ(error("{ " + std::string(65, 'k') + " = \"v\" }").find("is longer than 64 bytes") != std::string::npos, true);
    const std::string reserved = error("{ status = \"x\" }");
    EXPECT_EQ(reserved.rfind("http:get: option 'tags': tag key 'status' is reserved (reserved keys: scenario, task, "
                             "request, name, group, status, kind, le, quantile, method, url, phase, metric, check)",
                             0),
              0u)
        << reserved;
    EXPECT_EQ(error("{ env = {} }"), "http:get: option 'tags': value of 'env' must be a string, number or boolean, got table");
    EXPECT_EQ(error("{ env = print }"),
              "http:get: option 'tags': value of 'env' must be a string, number or boolean, got function");
    EXPECT_EQ(error("{ env = \"a\\nb\" }"), "http:get: option 'tags': value of 'env': a tag value contains a control character");
    EXPECT_EQ(error("{ env = string.rep(\"v\", 129) }"),
              "http:get: option 'tags': value of 'env': a tag value is longer than 128 bytes");
    EXPECT_EQ(error("{ env = string.rep(\"v\", 128) }"), "");
    EXPECT_EQ(error("{ a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8 }"), "");
    EXPECT_NE(error("{ a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9 }").find("more than 8 tags"), std::string::npos);
    // Eight of the request's own and one of the scenario's: nine tags on the request.
    EXPECT_NE(error("{ a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8 }", "z\x1e" "1").find("more than 8 tags with the scenario's"),
              std::string::npos);
    EXPECT_EQ(error("{ a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8 }", "a\x1e" "0"), "");  // an override is no ninth
}

TEST(ScenarioTags, TheScenarioOptionIsCanonicalAndValidated) {
    testing::TempScripts scripts;
    const std::vector<ScenarioDef> defs = LoadScenarioDefs(scripts.Write("tags.lua", R"(
local s = scenario { name = "s", vusers = 1, duration = "1s", tags = { region = "eu", env = "prod", build = 7 } }
s:task("t", function(self, http) end)
local plain = scenario { name = "plain", vusers = 1, duration = "1s" }
plain:task("t", function(self, http) end)
)"));
    ASSERT_EQ(defs.size(), 2u);
    EXPECT_EQ(defs[0].tags, "build\x1e" "7\x1d" "env\x1eprod\x1dregion\x1e" "eu");
    EXPECT_EQ(defs[1].tags, "");
    const std::string bad = scripts.Write("bad_tags.lua", R"(
local s = scenario { name = "s", vusers = 1, duration = "1s", tags = { group = "x" } }
s:task("t", function(self, http) end)
)");
    try {
        LoadScenarioDefs(bad);
        FAIL() << "loaded";
    } catch (const UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("bad_tags.lua"), std::string::npos) << msg;
        EXPECT_NE(msg.find("option 'tags': tag key 'group' is reserved (reserved keys: scenario,"), std::string::npos)
            << msg;
    }
}

// Distributed runs: each captured request carries its merged tags, so agents record the same tagged rows.
TEST(TagsCapture, RequestsCarryTheirTagsIntoThePlan) {
    testing::TempScripts scripts;
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = scripts.Write("capture_tags.lua", R"(
local s = scenario { name = "tagged", vusers = 1, duration = "1s", tags = { env = "prod" } }
s:task("t", function(self, http)
  http:get("/api/items")
  http:get("/api/items", { tags = { env = "staging", tier = "gold" } })
  http:get("/api/items", { tags = { tier = "gold" } })
end)
)");
    cfg->scenario = "tagged";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    plan::LoadShape load;
    load.vusers = 1;
    const CaptureOutcome out = capture.Capture(1, load);
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    const auto& steps = out.plan.vusers.at(0).task_steps.at(0);
    ASSERT_EQ(steps.size(), 3u);
    const auto request = [&](size_t i) -> const plan::PlannedRequest& { return out.plan.requests[steps[i].request]; };
    EXPECT_EQ(request(0).tags, "env\x1eprod");
    EXPECT_EQ(request(1).tags, "env\x1estaging\x1dtier\x1egold");
    EXPECT_EQ(request(2).tags, "env\x1eprod\x1dtier\x1egold");
    EXPECT_NE(steps[0].request, steps[2].request);  // same request but the tags: not deduplicated
}

// A tag carrying an id makes no unbounded rows on the agents either: capture folds every (name, tags) row past the
// per-task cap into "(other)", untagged, in the plan itself.
TEST(TagsCapture, RowsPastThePerTaskCapAreFoldedIntoOther) {
    testing::TempScripts scripts;
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = scripts.Write("capture_tag_ids.lua", R"(
local s = scenario { name = "ids", vusers = 1, duration = "1s" }
s:task("t", function(self, http)
  http:get("/api/items", { name = "plain" })
  for i = 1, 120 do http:get("/api/items", { name = "item", tags = { id = i } }) end
end)
)");
    cfg->scenario = "ids";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    plan::LoadShape load;
    load.vusers = 1;
    const CaptureOutcome out = capture.Capture(1, load);
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    const auto& steps = out.plan.vusers.at(0).task_steps.at(0);
    ASSERT_EQ(steps.size(), 121u);
    std::size_t tagged = 0;
    std::size_t other = 0;
    for (const plan::Step& st : steps) {
        const plan::PlannedRequest& r = out.plan.requests[st.request];
        if (!r.tags.empty()) ++tagged;
        if (r.name == "(other)") {
            ++other;
            EXPECT_TRUE(r.tags.empty());
        }
    }
    EXPECT_EQ(tagged, 99u);  // "plain" is one of the 100 rows
    EXPECT_EQ(other, 21u);
}

}  // namespace
}  // namespace lse::lua
