// Generator health through a real scenario (issue 16): a Lua task that busy-loops 30 ms per iteration blocks its
// worker's loop, and the run says that the generator itself was saturated; the same task without the busy loop
// runs healthy. The demo target counts the requests of both.

#include <gtest/gtest.h>

#include "lse/core/clock.hpp"
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

constexpr char kSpin[] = R"(
local spin = scenario { name = "spin", rps = 40, vusers = 4, duration = "3s" }
spin:task("work", function(self, http)
  http:get("/")
  if lsengine.env.SPIN_MS then
    local until_s = os.clock() + tonumber(lsengine.env.SPIN_MS) / 1000
    while os.clock() < until_s do end
  end
end)
)";

class LuaGeneratorHealthTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    runtime::RunResult Run(bool spin) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write("spin.lua", kSpin);
        cfg->scenario = "spin";
        cfg->target = http::ParseUrl("http://127.0.0.1:" + std::to_string(target_.Port()) + "/");
        cfg->shared = std::make_shared<SharedStore>();
        cfg->seed = 7;
        auto env = std::make_shared<ScriptEnv>();
        if (spin) env->values["SPIN_MS"] = "30";
        cfg->env = env;
        runtime::LoadSpec spec;
        spec.model = runtime::LoadModel::kOpen;
        spec.profile = sched::RateProfile::Constant(40, 3 * kNsPerSec);
        spec.vusers = 4;
        spec.threads = 1;
        cfg->total_vusers = spec.vusers;
        std::vector<runtime::Workload> workloads;
        workloads.push_back(runtime::Workload{spec, MakeLuaRunnerFactory(cfg), MakeStatKey(StatKind::kScenario, "spin")});
        runtime::LoadRun run(std::move(workloads), http::ClientOptions{});
        runtime::RunOptions options;
        options.handle_signals = false;
        return run.Run(nullptr, options);
    }

    std::uint64_t TargetCount() {
        const auto stats = target_.Stats();
        return stats["by_route"].contains("GET /") ? stats["by_route"]["GET /"].get<std::uint64_t>() : 0;
    }

    testing::TempScripts scripts_;
    lse::testing::DemoTargetProcess target_;
};

TEST_F(LuaGeneratorHealthTest, ABusyLoopingTaskSaturatesItsGenerator) {
    const runtime::RunResult r = Run(/*spin=*/true);
    const metrics::RequestStats& task = r.total.by_name.at(MakeStatKey(StatKind::kTask, "spin", "work"));
    EXPECT_EQ(task.requests + r.total.total.dropped, 120u);
    EXPECT_EQ(TargetCount(), task.requests) << "every iteration sent its one request";
    const metrics::GeneratorHealth& h = r.total.generators.at(std::string(metrics::kLocalGenerator));
    EXPECT_EQ(h.arrivals, 120u);
    EXPECT_GT(h.late_arrivals, 0u) << "30 ms per iteration at 40 a second: the loop falls behind";
    EXPECT_GT(h.loop_lag_us.ValueAtPercentile(99), metrics::kSaturatedLagP99Us);
    EXPECT_GE(h.saturated_intervals, 3u) << "each whole second of the run";
    ASSERT_FALSE(h.saturated.empty());
    EXPECT_EQ(h.saturated.front().from_ms, 0);
    EXPECT_GE(h.saturated.back().to_ms, 3000);
}

TEST_F(LuaGeneratorHealthTest, TheSameTaskWithoutTheBusyLoopIsHealthy) {
    const runtime::RunResult r = Run(/*spin=*/false);
    const metrics::RequestStats& task = r.total.by_name.at(MakeStatKey(StatKind::kTask, "spin", "work"));
    EXPECT_EQ(task.requests, 120u);
    EXPECT_EQ(TargetCount(), 120u);
    const metrics::GeneratorHealth& h = r.total.generators.at(std::string(metrics::kLocalGenerator));
    EXPECT_EQ(h.arrivals, 120u);
    // Saturated is the right verdict for a second in which other processes kept every core of the host busy (a
    // parallel ctest, a build): the loop was late. Only the seconds with cores to spare must be healthy.
    std::uint64_t saturated_with_spare_cores = 0;
    for (const auto& i : r.intervals) {
        const metrics::GeneratorHealth& g = i.generators.at(std::string(metrics::kLocalGenerator));
        if (g.saturated_intervals > 0 && g.host_cpu < 0.95) ++saturated_with_spare_cores;
    }
    EXPECT_EQ(saturated_with_spare_cores, 0u) << "lag p99 " << h.loop_lag_us.ValueAtPercentile(99) << " us, late "
                                              << h.late_arrivals << ", host cpu " << h.host_cpu;
    EXPECT_EQ(h.saturated_intervals > 0, !h.saturated.empty());
}

}  // namespace
}  // namespace lse::lua
