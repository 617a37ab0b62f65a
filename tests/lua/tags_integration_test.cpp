// Tags run by the real engine (LoadRun + MakeLuaRunnerFactory) against the demo target: the stat keys of tagged
// requests on every worker, the scenario's tags on hooks and tasks with per-request overrides, and the per-task
// row cap that keeps a tag carrying an id from making rows without end.

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

class TagsTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    runtime::RunResult RunOpen(const std::string& file, const std::string& text, const std::string& scenario,
                               double rps, int threads) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write(file, text);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:" + std::to_string(target_.Port()) + "/");
        cfg->shared = std::make_shared<SharedStore>();
        cfg->seed = 7;
        runtime::LoadSpec spec;
        spec.model = runtime::LoadModel::kOpen;
        spec.profile = sched::RateProfile::Constant(rps, kNsPerSec);  // bounded: 1 s
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

constexpr char kTagged[] = R"(
local flow = scenario { name = "t", rps = 20, vusers = 4, duration = "1s", tags = { env = "prod", region = "eu" } }
function flow:on_start(http)
  http:get("/", { name = "login" })
end
flow:task("buy", function(self, http)
  http:get("/api/products")
  http:get("/api/products", { tags = { env = "staging", tier = "gold" } })
  group("checkout", function()
    http:get("/", { name = "pay", tags = { tier = 1 } })
  end)
end)
)";

TEST_F(TagsTest, TaggedRequestsAreRowsOfTheirOwnOnEveryWorker) {
    const runtime::RunResult r = RunOpen("tags.lua", kTagged, "t", 20, 2);
    const std::uint64_t iterations = Requests(r, MakeStatKey(StatKind::kTask, "t", "buy"));
    EXPECT_EQ(iterations, 20u);
    const std::string scenario_tags = "env\x1eprod\x1dregion\x1e" "eu";
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "t", "buy", "GET /api/products", "", scenario_tags)),
              iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "t", "buy", "GET /api/products", "",
                                      "env\x1estaging\x1dregion\x1e" "eu\x1dtier\x1egold")),
              iterations);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "t", "buy", "pay", "checkout",
                                      scenario_tags + "\x1dtier\x1e" "1")),
              iterations);
    // Hooks carry the scenario's tags too (one on_start per virtual user that ran).
    EXPECT_GE(Requests(r, MakeStatKey(StatKind::kRequest, "t", "on_start", "login", "", scenario_tags)), 1u);
    // Nothing untagged: every request of the scenario carries its tags.
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "t", "buy", "GET /api/products")), 0u);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "t", "on_start", "login")), 0u);
    EXPECT_EQ(r.total.total.requests, 3 * iterations);
    // The target saw each request once.
    EXPECT_EQ(Route("GET /api/products"), static_cast<int>(2 * iterations));
}

TEST_F(TagsTest, TagsCarryingIdsAreCappedUnderOther) {
    // 30 iterations x 5 distinct ids = 150 tag sets of one request name, plus one untagged name: past 100 rows in
    // the task every new (name, tags) pair is counted under "(other)", untagged.
    const runtime::RunResult r = RunOpen("tag_ids.lua", R"(
local flow = scenario { name = "ids", rps = 30, vusers = 4, duration = "1s" }
local n = 0
flow:task("t", function(self, http)
  http:get("/", { name = "plain" })
  for i = 1, 5 do
    n = n + 1
    http:get("/", { name = "item", tags = { id = (self.id or 0) * 1000 + n } })
  end
end)
)",
                                         "ids", 30, 1);
    std::size_t rows = 0;
    std::uint64_t tagged = 0;
    metrics::StatKey key;
    for (const auto& [raw, stats] : r.total.by_name) {
        if (!metrics::ParseStatKey(raw, &key) || key.kind != StatKind::kRequest) continue;
        ++rows;
        if (!key.tags.empty()) tagged += stats.requests;
    }
    const std::uint64_t iterations = Requests(r, MakeStatKey(StatKind::kTask, "ids", "t"));
    ASSERT_EQ(iterations, 30u);
    EXPECT_EQ(rows, metrics::kMaxRequestNamesPerTask + 1);  // 100 rows, then "(other)"
    const std::uint64_t other = Requests(r, MakeStatKey(StatKind::kRequest, "ids", "t", metrics::kOtherRequestName));
    EXPECT_EQ(tagged, metrics::kMaxRequestNamesPerTask - 1);  // "plain" took one of the 100
    EXPECT_EQ(other, 5 * iterations - tagged);
    EXPECT_EQ(Requests(r, MakeStatKey(StatKind::kRequest, "ids", "t", "plain")), iterations);
    EXPECT_EQ(Route("GET /"), static_cast<int>(6 * iterations));
}

}  // namespace
}  // namespace lse::lua
