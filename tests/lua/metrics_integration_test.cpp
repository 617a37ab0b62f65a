// lsengine.metrics run by the real engine (LoadRun + MakeLuaRunnerFactory) against the demo target, on two worker
// threads: every kind merges across workers to exactly what the target saw, and errors fail the iteration with the
// script's line.

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

class MetricsTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    std::shared_ptr<LuaRunConfig> Config(const std::string& text, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write("metrics.lua", text);
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

    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }

    testing::TempScripts scripts_;
    lse::testing::DemoTargetProcess target_;
};

// The target echoes a created project, so its budget comes back from the response.
constexpr char kShop[] = R"(
local created = lsengine.metrics.counter("created")
local budget = lsengine.metrics.trend("budget")
local accepted = lsengine.metrics.rate("accepted")
local last = lsengine.metrics.gauge("last_budget")
lsengine.metrics.trend("never")

local flow = scenario { name = "m", rps = 20, vusers = 4, duration = "1s" }
flow:task("create", function(self, http)
  local r = http:post("/api/v1/projects", { json = { name = "p", budget = 7.5 }, expect = 201 })
  if r.status == 201 then created:add(1) end
  budget:add(r:json().budget)
  accepted:add(r.status == 201)
  accepted:add(false)
  last:set(r:json().budget + self.id)
  lsengine.metrics.counter("created"):add(2)  -- declared again inside a task: the same metric
end)
)";

TEST_F(MetricsTest, EveryKindMergesAcrossWorkersToWhatTheTargetSaw) {
    const runtime::RunResult r = RunOpen(Config(kShop, "m"), 20, 2);
    const int posted = Route("POST /api/v1/projects");
    ASSERT_EQ(posted, 20);
    const auto& custom = r.total.custom;
    ASSERT_EQ(custom.size(), 5u);
    const metrics::CustomMetric& created = custom.at("created");
    EXPECT_EQ(created.count, 2u * posted);
    EXPECT_DOUBLE_EQ(created.sum, 3.0 * posted);
    const metrics::CustomMetric& budget = custom.at("budget");
    EXPECT_EQ(budget.count, static_cast<std::uint64_t>(posted));
    EXPECT_DOUBLE_EQ(budget.sum, 7.5 * posted);
    EXPECT_DOUBLE_EQ(budget.Percentile(50), 7.5);
    EXPECT_EQ(custom.at("accepted").count, 2u * posted);
    EXPECT_EQ(custom.at("accepted").trues, static_cast<std::uint64_t>(posted));
    const metrics::CustomMetric& last = custom.at("last_budget");
    EXPECT_EQ(last.count, static_cast<std::uint64_t>(posted));
    EXPECT_GE(last.min, 8.5);  // 7.5 + a virtual user id in 1..4
    EXPECT_LE(last.max, 11.5);
    EXPECT_EQ(custom.at("never").count, 0u);
    EXPECT_EQ(r.total.by_name.at(MakeStatKey(StatKind::kTask, "m", "create")).ok, static_cast<std::uint64_t>(posted));
}

TEST_F(MetricsTest, ABadValueFailsTheIterationWithTheScriptsLine) {
    auto cfg = Config(R"(
local budget = lsengine.metrics.trend("budget")
local flow = scenario { name = "e", vusers = 1, duration = "1s" }
flow:task("negative", function(self, http)
  http:get("/")
  budget:add(-1)
end)
flow:task("kind", function(self, http)
  lsengine.metrics.counter("budget")
end)
)",
                      "e");
    const DryRunResult d = DryRunScenario(*cfg, 1);
    ASSERT_EQ(d.problems.size(), 2u);
    EXPECT_NE(d.problems[0].find("metrics.lua:6: trend 'budget': add(value) got -1, which is negative"),
              std::string::npos)
        << d.problems[0];
    EXPECT_NE(d.problems[1].find("metrics.lua:9: lsengine.metrics.counter(name): 'budget' is already a trend "
                                 "(declared at "),
              std::string::npos)
        << d.problems[1];
    EXPECT_EQ(Route("GET /"), 1);
}

}  // namespace
}  // namespace lse::lua
