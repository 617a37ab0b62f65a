// Native replay of custom metric steps (plan format 6) against the demo target: constants and response values read
// as numbers land in the agent's snapshot exactly as the Lua runtime records them, every listed metric is there
// even without samples, and a value that is not a number is not recorded.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/plan/plan_runner.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using metrics::CustomMetricKind;
using testing_fixtures::Lit;
using testing_fixtures::Seg;
using testing_fixtures::Text;

constexpr char kScenario[] = "metrics";

Step Send(std::uint32_t request, std::vector<Extraction> extract = {}) {
    Step s;
    s.request = request;
    s.extract = std::move(extract);
    return s;
}

Extraction Number(std::string path, std::uint32_t slot) {
    Extraction e;
    e.source = Extraction::Source::kJson;
    e.key = std::move(path);
    e.number = true;
    e.slot = slot;
    return e;
}

Step Constant(std::uint32_t metric, double value, bool set = false) {
    Step s;
    s.metric = true;
    s.sample.metric = metric;
    s.sample.value = value;
    s.sample.set = set;
    return s;
}

Step FromValue(std::uint32_t metric, std::uint32_t slot, bool set = false) {
    Step s = Constant(metric, 0, set);
    s.sample.from_value = true;
    s.sample.slot = slot;
    return s;
}

runtime::RunResult Replay(ScenarioPlan plan, int threads) {
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(plan, &error)) << error;
    auto config = std::make_shared<PlanRunConfig>();
    const int hosted = static_cast<int>(plan.vusers.size());
    config->scenario = std::make_shared<const ScenarioPlan>(std::move(plan));
    runtime::Workload w;
    w.spec = MakePlanLoadSpec(config->scenario->load, hosted, threads, 7);
    w.spec.grace_ns = 3 * kNsPerSec;
    w.factory = MakePlanRunnerFactory(config);
    w.dropped_key = metrics::MakeStatKey(metrics::StatKind::kScenario, kScenario);
    std::vector<runtime::Workload> workloads;
    workloads.push_back(std::move(w));
    runtime::LoadRun run(std::move(workloads), http::ClientOptions{});
    runtime::RunOptions options;
    options.handle_signals = false;
    return run.Run(nullptr, options);
}

TEST(MetricReplay, ConstantsAndResponseNumbersAreRecordedPerIteration) {
    lse::testing::DemoTargetProcess target;
    target.Start();
    const std::string base = "http://127.0.0.1:" + std::to_string(target.Port());
    // The target echoes the created project: its "budget" comes back as the JSON number 7.5, its "tag" as text.
    PlannedRequest create;
    create.method = http::Method::kPost;
    create.url = Lit(base + "/api/v1/projects");
    create.headers = {{"Content-Type", Lit("application/json")}};
    create.body.segments = {Text("{\"name\":\"p-"), Seg(Segment::Kind::kSeq), Text("\",\"budget\":7.5,\"tag\":\"x\"}")};
    create.name = "POST /api/v1/projects";
    create.expect = {{201, 201}};
    Extraction status;
    status.source = Extraction::Source::kStatus;
    status.number = true;
    status.slot = 2;

    ScenarioPlan plan;
    plan.name = kScenario;
    plan.tasks = {PlannedTask{"create", 1, OnExtractError::kSkip}};
    plan.requests = {create};
    plan.metrics = {{"created", CustomMetricKind::kCounter, true}, {"budget", CustomMetricKind::kTrend, true},
                    {"accepted", CustomMetricKind::kRate, true},  {"last_budget", CustomMetricKind::kGauge, true},
                    {"idle", CustomMetricKind::kTrend, true},     {"compared", CustomMetricKind::kRate, false}};
    const std::vector<Step> steps = {
        Send(0, {Number("$.budget", 0), Number("$.id", 1), status}),
        Constant(0, 1),            // created:add(1)
        FromValue(1, 0),           // budget:add(tonumber(r:json().budget))
        FromValue(2, 2),           // accepted:add(r.status): not 0, true
        Constant(2, 0),            // accepted:add(false)
        FromValue(3, 0, true),     // last_budget:set(...)
        Constant(0, 2),            // created:add(2)
    };
    constexpr int kIterations = 20;
    for (int u = 1; u <= 3; ++u) plan.vusers.push_back(VuPlan{u, {steps}});
    plan.load.open_model = true;
    plan.load.start_rps = kIterations;
    plan.load.stages = {{1 * kNsPerSec, kIterations}};
    plan.load.vusers = 3;

    const runtime::RunResult r = Replay(plan, 2);
    const auto stats = target.Stats();
    const int created = stats["by_route"]["POST /api/v1/projects"].get<int>();
    ASSERT_EQ(created, kIterations);
    const auto& custom = r.total.custom;
    ASSERT_EQ(custom.size(), 6u);  // every listed metric, sampled or not, the not replayable one included
    EXPECT_EQ(custom.at("created").count, 2u * kIterations);
    EXPECT_DOUBLE_EQ(custom.at("created").sum, 3.0 * created);
    const metrics::CustomMetric& budget = custom.at("budget");
    EXPECT_EQ(budget.count, static_cast<std::uint64_t>(kIterations));
    EXPECT_DOUBLE_EQ(budget.sum, 7.5 * kIterations);
    EXPECT_DOUBLE_EQ(budget.min, 7.5);
    EXPECT_DOUBLE_EQ(budget.Percentile(95), 7.5);
    EXPECT_EQ(custom.at("accepted").count, 2u * kIterations);
    EXPECT_EQ(custom.at("accepted").trues, static_cast<std::uint64_t>(kIterations));
    EXPECT_EQ(custom.at("last_budget").count, static_cast<std::uint64_t>(kIterations));
    EXPECT_DOUBLE_EQ(custom.at("last_budget").last, 7.5);
    EXPECT_EQ(custom.at("idle").count, 0u);
    EXPECT_EQ(custom.at("compared").count, 0u);
}

}  // namespace
}  // namespace lse::plan
