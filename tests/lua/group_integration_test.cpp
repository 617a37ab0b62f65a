// group() run by the real engine (LoadRun + MakeLuaRunnerFactory, and --dry-run) against the demo target: the
// stat keys of grouped requests, nesting, return values, errors inside a group and bad calls.

#include <gtest/gtest.h>

#include "lse/core/clock.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

class GroupTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    std::shared_ptr<LuaRunConfig> Config(const std::string& file, const std::string& text, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write(file, text);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:" + std::to_string(target_.Port()) + "/");
        cfg->shared = std::make_shared<SharedStore>();
        cfg->seed = 7;
        return cfg;
    }

    runtime::RunResult RunOpen(std::shared_ptr<LuaRunConfig> cfg, double rps, int threads) {
        runtime::LoadSpec spec;
        spec.model = runtime::LoadModel::kOpen;
        spec.profile = sched::RateProfile::Constant(rps, kNsPerSec);
        spec.vusers = 4;
        spec.threads = threads;
        spec.seed = 7;
        cfg->total_vusers = spec.vusers;
        std::vector<runtime::Workload> workloads;
        workloads.push_back(runtime::Workload{spec, MakeLuaRunnerFactory(cfg),
                                              MakeStatKey(StatKind::kScenario, cfg->scenario)});
        runtime::LoadRun run(std::move(workloads), http::ClientOptions{});
        return run.Run(nullptr);
    }

    static std::uint64_t Requests(const runtime::RunResult& r, const std::string& key) {
        auto it = r.total.by_name.find(key);
        return it == r.total.by_name.end() ? 0 : it->second.requests;
    }

    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }

    testing::TempScripts scripts_;
    lse::testing::DemoTargetProcess target_;
};

constexpr char kGroups[] = R"(
local flow = scenario { name = "g", rps = 20, vusers = 4, duration = "1s" }
flow:task("buy", function(self, http)
  http:get("/api/products")
  local a, b = group("checkout", function()
    http:get("/api/products", { name = "cart" })
    sleep("1ms")  -- a group may yield
    check("in a group", true)
    local inner = group("payment", function()
      local r = http:get("/", { name = "pay" })
      check("in a group", r.status == 200)
      return "paid"
    end)
    return inner, 2
  end)
  check("returns every value", a == "paid" and b == 2)
  check("in a group", false)  -- the same name outside any group is another row
  -- an error inside a group propagates after the group ended: the next request is ungrouped again
  local ok, err = pcall(group, "failing", function()
    http:get("/", { name = "doomed" })
    error({ code = 7 })
  end)
  check("error value unchanged", not ok and type(err) == "table" and err.code == 7)
  http:get("/", { name = "after" })
end)
)";

TEST_F(GroupTest, GroupedRequestsAreRowsOfTheirOwnOnEveryWorker) {
    const runtime::RunResult r = RunOpen(Config("groups.lua", kGroups, "g"), 20, 2);
    const std::uint64_t iterations = 20;
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kTask, "g", "buy")), iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "GET /api/products")), iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "cart", "checkout")), iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "pay", "checkout::payment")), iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "doomed", "failing")), iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "after")), iterations);
    // Nothing else: no ungrouped copy of a grouped request, no group left behind.
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "cart")), 0u);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "g", "buy", "after", "failing")), 0u);
    EXPECT_EQ(r.total.total.requests, 5 * iterations);
    EXPECT_EQ(r.total.checks.at(MakeStatKey(StatKind::kCheck, "g", "buy", "returns every value")).passes, iterations);
    EXPECT_EQ(r.total.checks.at(MakeStatKey(StatKind::kCheck, "g", "buy", "error value unchanged")).passes,
              iterations);
    // Checks made in a group are rows of that group (C keys with a group field), apart from the ungrouped one.
    const auto check = [&r](const std::string& group) {
        auto it = r.total.checks.find(MakeStatKey(StatKind::kCheck, "g", "buy", "in a group", group));
        return it == r.total.checks.end() ? metrics::CheckCounts{} : it->second;
    };
    EXPECT_EQ(check("checkout").passes, iterations);
    EXPECT_EQ(check("checkout").fails, 0u);
    EXPECT_EQ(check("checkout::payment").passes, iterations);
    EXPECT_EQ(check("").passes, 0u);
    EXPECT_EQ(check("").fails, iterations);
    EXPECT_EQ(r.total.checks.size(), 5u);
    // The target saw each request once.
    EXPECT_EQ(Route("GET /api/products"), static_cast<int>(2 * iterations));
    EXPECT_EQ(Route("GET /"), static_cast<int>(3 * iterations));
}

TEST_F(GroupTest, AnErrorInsideAGroupFailsTheIterationWithTheScriptsLineAndBadCallsNameTheProblem) {
    auto cfg = Config("group_errors.lua", R"(
local flow = scenario { name = "e", vusers = 1, duration = "1s" }
flow:task("raises", function(self, http)
  group("checkout", function()
    error("card declined")
  end)
end)
flow:task("noname", function(self, http)
  group(1, function() end)
end)
flow:task("nofn", function(self, http)
  group("checkout")
end)
flow:task("separator", function(self, http)
  group("a::b", function() end)
end)
flow:task("afterwards", function(self, http)
  pcall(group, "checkout", function() error("x") end)
  group("ok", function() http:get("/", { name = "fine" }) end)
end)
)",
                      "e");
    const DryRunResult d = DryRunScenario(*cfg, 1);
    ASSERT_EQ(d.problems.size(), 4u);
    EXPECT_NE(d.problems[0].find("group_errors.lua:5: card declined"), std::string::npos) << d.problems[0];
    EXPECT_NE(d.problems[1].find("group_errors.lua:9: group(name, fn): argument #1 (name) must be a string"),
              std::string::npos)
        << d.problems[1];
    EXPECT_NE(d.problems[2].find("group_errors.lua:12: group(name, fn): argument #2 (fn) must be a function"),
              std::string::npos)
        << d.problems[2];
    EXPECT_NE(d.problems[3].find("group_errors.lua:15:"), std::string::npos) << d.problems[3];
    EXPECT_NE(d.problems[3].find("contains '::'"), std::string::npos) << d.problems[3];
    ASSERT_EQ(d.requests.size(), 1u);
    EXPECT_EQ(Route("GET /"), 1);
}

TEST_F(GroupTest, GroupsPerScenarioAreBounded) {
    auto cfg = Config("group_ids.lua", R"(
local flow = scenario { name = "ids", vusers = 1, duration = "1s" }
flow:task("ids", function(self, http)
  for i = 1, 100 do group("order " .. i, function() end) end
  group("order 1", function() end)  -- a known group: still fine
  group("order 101", function() end)
end)
)",
                      "ids");
    const DryRunResult d = DryRunScenario(*cfg, 1);
    ASSERT_EQ(d.problems.size(), 1u);
    EXPECT_NE(d.problems[0].find("group_ids.lua:6: group('order 101'): scenario 'ids' already has 100 groups"),
              std::string::npos)
        << d.problems[0];
}

}  // namespace
}  // namespace lse::lua
