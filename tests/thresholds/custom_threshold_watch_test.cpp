// abort_on_fail on custom metrics: the watch judges the cumulative snapshot the CLI builds by merging
// intervals (run_outputs.cpp, load_run.cpp: `cumulative += interval`), whose `custom` entries merge too.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/core/errors.hpp"
#include "run_thresholds.hpp"
#include "threshold_watch.hpp"

namespace lse::cli {
namespace {

using metrics::CustomMetricKind;

constexpr std::int64_t kSec = 1'000'000'000;

// One worker interval in which the trend "cart_value" got `values`; "orders" is declared with no sample, as
// the Lua binding does at declaration.
metrics::Snapshot Interval(std::vector<double> values) {
    metrics::Snapshot s;
    metrics::CustomMetric* cart = s.ForCustom("cart_value", CustomMetricKind::kTrend);
    for (double v : values) cart->Add(v, 0);
    s.ForCustom("orders", CustomMetricKind::kCounter);
    return s;
}

void Tick(ThresholdWatch* watch, const metrics::Snapshot& interval, const metrics::Snapshot& cumulative,
          std::int64_t elapsed_ns) {
    watch->OnInterval(report::IntervalUpdate{interval, cumulative, elapsed_ns, 60 * kSec, 0, 0, "steady", {}});
}

lua::ScenarioDef Shop(std::vector<lua::ThresholdDef> thresholds) {
    lua::ScenarioDef d;
    d.name = "shop";
    d.defined_at = "shop.lua:1";
    d.tasks.push_back(lua::TaskDef{"browse", 1, "shop.lua:3"});
    d.thresholds = std::move(thresholds);
    return d;
}

TEST(CustomThresholdWatch, ScenarioThresholdOnATrendStopsTheRunOnTheCumulativeValue) {
    const RunThresholds t = RunThresholds::Parse(
        {Shop({lua::ThresholdDef{"trend:cart_value.max < 100", "shop.lua:5", true, 0},
               lua::ThresholdDef{"counter:orders.count >= 0", "shop.lua:6", true, 0}})},
        {}, {});
    ASSERT_EQ(t.entries().size(), 2u);
    EXPECT_EQ(t.entries()[0].scenario, "shop");
    int stops = 0;
    const std::unique_ptr<ThresholdWatch> watch = t.MakeWatch([&] { ++stops; });
    ASSERT_NE(watch, nullptr);

    metrics::Snapshot cumulative;
    const metrics::Snapshot first = Interval({10, 20, 99.5});
    cumulative += first;
    Tick(watch.get(), first, cumulative, 1 * kSec);
    EXPECT_EQ(stops, 0);  // max 99.5 passes; orders, declared and never added to, counts 0

    const metrics::Snapshot quiet = Interval({});
    cumulative += quiet;
    Tick(watch.get(), quiet, cumulative, 2 * kSec);
    EXPECT_EQ(stops, 0);

    const metrics::Snapshot second = Interval({150});
    cumulative += second;
    Tick(watch.get(), second, cumulative, 3 * kSec);
    EXPECT_EQ(stops, 1);
    ASSERT_TRUE(watch->Stopped());
    EXPECT_EQ(watch->FailedId(), 0u);
    EXPECT_EQ(watch->Reason(), "threshold 'trend:cart_value.max < 100' failed at 3.00s: trend:cart_value.max = 150")
        << watch->Reason();

    // At the end the stopping verdict is kept; the declared counter nothing was added to is 0.
    const std::vector<thresholds::Verdict> verdicts = t.Verdicts(cumulative, 3 * kSec, watch.get());
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_FALSE(verdicts[0].passed);
    EXPECT_NE(verdicts[0].actual_text.find("stopped the run"), std::string::npos) << verdicts[0].actual_text;
    EXPECT_TRUE(verdicts[1].passed);
    EXPECT_EQ(verdicts[1].actual_text, "counter:orders.count = 0");
}

TEST(CustomThresholdWatch, NotReplayableMetricsReachTheVerdicts) {
    const RunThresholds t = RunThresholds::Parse({Shop({})}, {"trend:cart_value.max < 100"}, {});
    metrics::Snapshot run = Interval({1, 2, 3});
    EXPECT_TRUE(t.Verdicts(run, 3 * kSec)[0].passed);
    const std::vector<std::string> not_replayable = {"cart_value"};
    const thresholds::Verdict v = t.Verdicts(run, 3 * kSec, nullptr, not_replayable)[0];
    EXPECT_FALSE(v.passed);
    EXPECT_NE(v.actual_text.find("not replayable in a distributed run"), std::string::npos) << v.actual_text;
}

TEST(CustomThresholdWatch, ScenarioPrefixIsRefusedNamingTheFileLine) {
    try {
        RunThresholds::Parse({Shop({lua::ThresholdDef{"shop:trend:cart_value.p95 < 300", "shop.lua:7"}})}, {}, {});
        FAIL() << "no exception";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("shop.lua:7: scenario 'shop': threshold 'shop:trend:cart_value.p95 "
                                             "< 300': custom metrics belong to the whole run"),
                  std::string::npos)
            << e.what();
    }
    try {
        RunThresholds::Parse({Shop({})}, {"trend:cart_value.p95 < 300ms"}, {});
        FAIL() << "no exception";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--threshold: threshold 'trend:cart_value.p95 < 300ms': custom "
                                             "metrics have no unit"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace lse::cli
