// lsengine.metrics in plan capture (distributed runs): add()/set() calls of a task become plan metric steps, with
// constants and response values read as numbers; a metric fed a value agents cannot compute is marked not
// replayable (its steps dropped, a warning naming the line). Offline: tasks are recorded, never sent.

#include <gtest/gtest.h>

#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::lua {
namespace {

using metrics::CustomMetricKind;

CaptureOutcome CaptureScript(const std::string& file, const std::string& scenario, int vusers) {
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = std::string(LSE_LUA_TEST_SCRIPTS) + "/" + file;
    cfg->scenario = scenario;
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    plan::LoadShape load;
    load.vusers = vusers;
    return capture.Capture(vusers, load);
}

TEST(MetricsCapture, SamplesBecomeMetricStepsAndAComparisonMarksItsMetric) {
    const CaptureOutcome out = CaptureScript("capture_metrics.lua", "metrics", 2);
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    const plan::ScenarioPlan& p = out.plan;

    // The metric table: every declared metric in declaration order, the compared one not replayable.
    ASSERT_EQ(p.metrics.size(), 5u);
    const std::vector<plan::PlannedMetric> expected = {{"orders", CustomMetricKind::kCounter, true},
                                                       {"price", CustomMetricKind::kTrend, true},
                                                       {"ok", CustomMetricKind::kRate, false},
                                                       {"depth", CustomMetricKind::kGauge, true},
                                                       {"unused", CustomMetricKind::kTrend, true}};
    EXPECT_EQ(p.metrics, expected);

    ASSERT_EQ(p.vusers.size(), 2u);
    for (const plan::VuPlan& vu : p.vusers) {
        SCOPED_TRACE(vu.id);
        const std::vector<plan::Step>& steps = vu.task_steps[0];
        ASSERT_EQ(steps.size(), 6u);  // request, orders, price, depth, pause, orders (ok's step is dropped)
        ASSERT_TRUE(steps[0].IsRequest());
        ASSERT_EQ(steps[0].extract.size(), 2u);
        const plan::Extraction& price = steps[0].extract[0];
        EXPECT_EQ(price.source, plan::Extraction::Source::kJson);
        EXPECT_EQ(price.key, "$.items[0].price");
        EXPECT_TRUE(price.number);
        const plan::Extraction& depth = steps[0].extract[1];
        EXPECT_EQ(depth.key, "$.depth");
        EXPECT_TRUE(depth.number);  // read as a number by the agent, as Lua sees a JSON number

        ASSERT_TRUE(steps[1].metric);
        EXPECT_EQ(steps[1].sample, (plan::MetricSample{0, false, false, 1, 0}));
        ASSERT_TRUE(steps[2].metric);
        EXPECT_EQ(steps[2].sample, (plan::MetricSample{1, false, true, 0, price.slot}));
        ASSERT_TRUE(steps[3].metric);
        EXPECT_EQ(steps[3].sample, (plan::MetricSample{3, true, true, 0, depth.slot}));
        EXPECT_TRUE(steps[4].pause);
        ASSERT_TRUE(steps[5].metric);
        EXPECT_EQ(steps[5].sample, (plan::MetricSample{0, false, false, static_cast<double>(vu.id), 0}));
    }

    ASSERT_EQ(out.warnings.size(), 1u);
    EXPECT_NE(out.warnings[0].find("rate 'ok' is fed the result of a comparison on a response value"),
              std::string::npos)
        << out.warnings[0];
    EXPECT_NE(out.warnings[0].find("capture_metrics.lua:16"), std::string::npos) << out.warnings[0];

    // What agents decode is what was captured.
    plan::Plan whole;
    whole.scenarios.push_back(p);
    plan::Plan back;
    std::string error;
    ASSERT_TRUE(plan::DecodePlan(plan::EncodePlan(whole), &back, &error)) << error;
    EXPECT_EQ(back.scenarios[0], p);
}

}  // namespace
}  // namespace lse::lua
