// Thresholds on custom metrics ("trend:cart_value.p95 < 300"): parsing, every error message, and evaluation
// on hand-built Snapshot::custom entries with exact pass/fail at the boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {
namespace {

using metrics::CustomMetricKind;
using ::testing::HasSubstr;

std::string ParseError(std::string_view expr) {
    std::string error;
    EXPECT_FALSE(TryParse(expr, &error).has_value()) << expr;
    return error;
}

TEST(CustomThresholdParse, TrendPercentile) {
    const Threshold t = Parse("trend:cart_value.p95 < 300");
    EXPECT_EQ(t.metric, Metric::kCustom);
    EXPECT_EQ(t.custom_kind, CustomMetricKind::kTrend);
    EXPECT_EQ(t.custom_name, "cart_value");
    EXPECT_EQ(t.custom_stat, CustomStat::kPercentile);
    EXPECT_DOUBLE_EQ(t.percentile, 95);
    EXPECT_EQ(t.metric_name, "p95");
    EXPECT_EQ(t.op, Op::kLess);
    EXPECT_DOUBLE_EQ(t.value, 300);
    EXPECT_EQ(t.value_text, "300");
    EXPECT_TRUE(t.scenario.empty());
    EXPECT_TRUE(t.task.empty());
    EXPECT_TRUE(t.group.empty());
    EXPECT_EQ(t.Subject(), "trend:cart_value.p95");
}

TEST(CustomThresholdParse, EveryStatisticOfEveryKind) {
    struct Case {
        const char* expr;
        CustomMetricKind kind;
        CustomStat stat;
        double percentile;
        const char* subject;
    };
    const Case cases[] = {
        {"trend:t.p50 < 1", CustomMetricKind::kTrend, CustomStat::kPercentile, 50, "trend:t.p50"},
        {"trend:t.p99.9 < 1", CustomMetricKind::kTrend, CustomStat::kPercentile, 99.9, "trend:t.p99.9"},
        {"trend:t.p100 < 1", CustomMetricKind::kTrend, CustomStat::kPercentile, 100, "trend:t.p100"},
        {"trend:t.med < 1", CustomMetricKind::kTrend, CustomStat::kPercentile, 50, "trend:t.med"},
        {"trend:t.min < 1", CustomMetricKind::kTrend, CustomStat::kMin, 0, "trend:t.min"},
        {"trend:t.max < 1", CustomMetricKind::kTrend, CustomStat::kMax, 0, "trend:t.max"},
        {"trend:t.mean < 1", CustomMetricKind::kTrend, CustomStat::kMean, 0, "trend:t.mean"},
        {"trend:t.avg < 1", CustomMetricKind::kTrend, CustomStat::kMean, 0, "trend:t.mean"},
        {"trend:t.count > 1", CustomMetricKind::kTrend, CustomStat::kCount, 0, "trend:t.count"},
        {"counter:c.count > 1", CustomMetricKind::kCounter, CustomStat::kCount, 0, "counter:c.count"},
        {"counter:c.rate > 1", CustomMetricKind::kCounter, CustomStat::kPerSecond, 0, "counter:c.rate"},
        {"rate:r.rate > 1%", CustomMetricKind::kRate, CustomStat::kRatio, 0, "rate:r.rate"},
        {"gauge:g.value < 1", CustomMetricKind::kGauge, CustomStat::kValue, 0, "gauge:g.value"},
        {"gauge:g.min < 1", CustomMetricKind::kGauge, CustomStat::kMin, 0, "gauge:g.min"},
        {"gauge:g.max < 1", CustomMetricKind::kGauge, CustomStat::kMax, 0, "gauge:g.max"},
    };
    for (const Case& c : cases) {
        const Threshold t = Parse(c.expr);
        EXPECT_EQ(t.metric, Metric::kCustom) << c.expr;
        EXPECT_EQ(t.custom_kind, c.kind) << c.expr;
        EXPECT_EQ(t.custom_stat, c.stat) << c.expr;
        EXPECT_DOUBLE_EQ(t.percentile, c.percentile) << c.expr;
        EXPECT_EQ(t.Subject(), c.subject) << c.expr;
    }
}

TEST(CustomThresholdParse, PlainNumbersAndPercentages) {
    EXPECT_DOUBLE_EQ(Parse("counter:c.count >= 2.5k").value, 2500);
    EXPECT_DOUBLE_EQ(Parse("counter:c.count >= 1M").value, 1e6);
    EXPECT_DOUBLE_EQ(Parse("trend:t.p95<0.095").value, 0.095);
    EXPECT_DOUBLE_EQ(Parse("gauge:g.value > -5").value, -5);  // gauges and counters may go below 0
    EXPECT_DOUBLE_EQ(Parse("gauge:g.min >= -0.5").value, -0.5);
    EXPECT_DOUBLE_EQ(Parse("rate:r.rate > 95%").value, 95);
    EXPECT_DOUBLE_EQ(Parse("rate:r.rate >= 99.5%").value, 99.5);
    EXPECT_EQ(Parse("  trend:t.max != 7  ").op, Op::kNotEqual);
    // Spaces around the name and the statistic are trimmed like everywhere else.
    EXPECT_EQ(Parse("trend: t .p95 < 1").custom_name, "t");
}

TEST(CustomThresholdParse, KindWordsAreKeywordsOnlyBeforeTheirColon) {
    // A scenario whose name merely starts like a kind keeps working as a prefix.
    Threshold t = Parse("trendy:p95 < 1s");
    EXPECT_EQ(t.metric, Metric::kLatency);
    EXPECT_EQ(t.scenario, "trendy");
    t = Parse("rates.error_rate < 1%");
    EXPECT_EQ(t.task, "rates");
    EXPECT_EQ(Parse("group:g.p95 < 1s").group, "g");
    // Spaces before the colon do not make the kind a scenario name (its Subject() would read as the kind).
    EXPECT_THAT(ParseError("rate :x.p95 < 1s"), HasSubstr("rate 'x' has no statistic 'p95'"));
    EXPECT_EQ(Parse("trend :x.p95 < 1").custom_name, "x");
}

TEST(CustomThresholdParse, ScenarioPrefixIsRefused) {
    EXPECT_THAT(ParseError("shop:trend:x.p95 < 300"),
                HasSubstr("custom metrics belong to the whole run, not to a scenario: drop 'shop:' "
                          "(write trend:x.p95)"));
    EXPECT_THAT(ParseError("shop:rate:hit.rate > 9%"), HasSubstr("drop 'shop:' (write rate:hit.rate)"));
    try {
        Parse("shop:trend:x.p95 < 300");
        FAIL() << "no exception";
    } catch (const UsageError& e) {
        EXPECT_THAT(e.what(), HasSubstr("threshold 'shop:trend:x.p95 < 300': custom metrics belong"));
    }
}

TEST(CustomThresholdParse, SubjectErrors) {
    EXPECT_THAT(ParseError("trend:x < 300"),
                HasSubstr("expected 'trend:NAME.statistic' (e.g. trend:cart_value.p95 < 300)"));
    EXPECT_THAT(ParseError("counter:x > 3"),
                HasSubstr("expected 'counter:NAME.statistic' (e.g. counter:orders.count > 100)"));
    EXPECT_THAT(ParseError("rate:x > 3%"), HasSubstr("(e.g. rate:cache_hit.rate > 95%)"));
    EXPECT_THAT(ParseError("gauge:x < 3"), HasSubstr("(e.g. gauge:queue_depth.max < 50)"));
    EXPECT_THAT(ParseError("counter:.count > 1"), HasSubstr("empty metric name after 'counter:'"));
    const std::string bad = ParseError("trend:cart-value.p95 < 1");
    EXPECT_THAT(bad, HasSubstr("bad metric name 'cart-value' (custom metric names are letters, digits and '_', "
                               "not starting with a digit, at most 128 bytes"));
    EXPECT_THAT(ParseError("trend:1x.p95 < 1"), HasSubstr("bad metric name '1x'"));
    EXPECT_THAT(ParseError("trend:x[GET /].p95 < 1"), HasSubstr("bad metric name 'x[GET /]'"));
    EXPECT_THAT(ParseError("trend:x[GET /].p95 < 1"), HasSubstr("no [request] or task"));
    EXPECT_THAT(ParseError("trend:" + std::string(129, 'a') + ".p95 < 1"), HasSubstr("bad metric name"));
    EXPECT_EQ(Parse("trend:" + std::string(128, 'a') + ".p95 < 1").custom_name, std::string(128, 'a'));
}

TEST(CustomThresholdParse, StatisticErrorsNameTheKindAndWhatItHas) {
    EXPECT_THAT(ParseError("trend:x.p955 < 1"), HasSubstr("trend 'x' has no statistic 'p955' (did you mean 'p95'?)"));
    EXPECT_THAT(ParseError("trend:x.stddev < 1"),
                HasSubstr("trend 'x' has no statistic 'stddev' (a trend has pNN, min, max, mean (avg), med and "
                          "count)"));
    EXPECT_THAT(ParseError("trend:x.service_p95 < 1"), HasSubstr("trend 'x' has no statistic 'service_p95'"));
    EXPECT_THAT(ParseError("trend:x.value < 1"), HasSubstr("trend 'x' has no statistic 'value'"));
    EXPECT_THAT(ParseError("counter:orders.p95 > 1"),
                HasSubstr("counter 'orders' has no statistic 'p95' (a counter has count (the sum of the values "
                          "added) and rate (per second))"));
    EXPECT_THAT(ParseError("counter:orders.cuont > 1"), HasSubstr("(did you mean 'count'?)"));
    EXPECT_THAT(ParseError("rate:hit.count > 1%"),
                HasSubstr("rate 'hit' has no statistic 'count' (a rate has rate (a percentage))"));
    EXPECT_THAT(ParseError("gauge:q.mean < 1"),
                HasSubstr("gauge 'q' has no statistic 'mean' (a gauge has value (the last one set), min and max)"));
    EXPECT_THAT(ParseError("gauge:q. < 1"), HasSubstr("expected 'gauge:NAME.statistic'"));
    // A look-alike of this kind is suggested only for a typo, not for another kind's statistic.
    EXPECT_THAT(ParseError("gauge:q.mx < 1"), HasSubstr("gauge 'q' has no statistic 'mx' (did you mean 'max'?)"));
}

TEST(CustomThresholdParse, ValueErrors) {
    EXPECT_THAT(ParseError("trend:x.p95 < 300ms"),
                HasSubstr("custom metrics have no unit: 'trend:x.p95' is compared with a plain number "
                          "(write 300, not 300ms)"));
    EXPECT_THAT(ParseError("trend:x.max < 1.5s"), HasSubstr("custom metrics have no unit"));
    EXPECT_THAT(ParseError("counter:c.count > 5%"),
                HasSubstr("custom metrics have no unit: 'counter:c.count' is compared with a plain number "
                          "(write 5, not 5%)"));
    EXPECT_THAT(ParseError("gauge:g.value < 1s"), HasSubstr("(write 1, not 1s)"));
    EXPECT_THAT(ParseError("rate:hit.rate > 95"),
                HasSubstr("'rate:hit.rate' is a percentage: missing '%' (did you mean 95%?)"));
    EXPECT_THAT(ParseError("rate:hit.rate > 95ms"),
                HasSubstr("'rate:hit.rate' is a percentage (e.g. 95%, 99.5%), got '95ms'"));
    EXPECT_THAT(ParseError("rate:hit.rate > 101%"), HasSubstr("percentage outside 0%..100% ('101%')"));
    EXPECT_THAT(ParseError("rate:hit.rate > -1%"), HasSubstr("percentage outside 0%..100% ('-1%')"));
    EXPECT_THAT(ParseError("trend:x.p95 < abc"), HasSubstr("expected a number after '<', got 'abc'"));
    EXPECT_THAT(ParseError("trend:x.p95 < -"), HasSubstr("expected a number after '<', got '-'"));
    EXPECT_THAT(ParseError("trend:x.p95 < 1.2.3"), HasSubstr("bad number '1.2.3'"));
    EXPECT_THAT(ParseError("trend:x.p95 <"), HasSubstr("missing value after '<'"));
    EXPECT_THAT(ParseError("trend:x.p95 < 1e3"),
                HasSubstr("'trend:x.p95' is compared with a plain number (e.g. 300, 2.5k), got '1e3'"));
}

// --- evaluation -------------------------------------------------------------------------------------------

metrics::CustomMetric* Declare(metrics::Snapshot* s, std::string_view name, CustomMetricKind kind) {
    metrics::CustomMetric* m = s->ForCustom(name, kind);
    EXPECT_NE(m, nullptr);
    return m;
}

// cart_value: a trend of 0.001 .. 0.100 (exact in the histogram below 2.047); basket: a trend of 1 .. 100;
// orders: a counter of 50 in 4 adds; cache_hit: a rate of 19/20; queue: a gauge set 3, 7, then 5; empty: a
// declared trend that got no sample.
metrics::Snapshot CustomSnapshot() {
    metrics::Snapshot s;
    metrics::CustomMetric* cart = Declare(&s, "cart_value", CustomMetricKind::kTrend);
    metrics::CustomMetric* basket = Declare(&s, "basket", CustomMetricKind::kTrend);
    for (int k = 100; k >= 1; --k) {
        cart->Add(k / 1000.0, 0);
        basket->Add(k, 0);
    }
    metrics::CustomMetric* orders = Declare(&s, "orders", CustomMetricKind::kCounter);
    for (double v : {10.0, 10.0, 10.0, 20.0}) orders->Add(v, 0);
    metrics::CustomMetric* hits = Declare(&s, "cache_hit", CustomMetricKind::kRate);
    for (int i = 0; i < 20; ++i) hits->Add(i == 7 ? 0 : 1, 0);
    metrics::CustomMetric* queue = Declare(&s, "queue", CustomMetricKind::kGauge);
    queue->Add(3, 100);
    queue->Add(7, 200);
    queue->Add(5, 300);
    Declare(&s, "empty", CustomMetricKind::kTrend);
    return s;
}

Verdict Eval(std::string_view expr, const metrics::Snapshot& s, double duration_s = 10,
             const std::vector<std::string>& not_replayable = {}) {
    return Evaluate(Parse(expr), s, "shop", duration_s, not_replayable);
}

TEST(CustomThresholdEvaluate, TrendStatisticsAtTheBoundary) {
    const metrics::Snapshot s = CustomSnapshot();
    Verdict v = Eval("trend:cart_value.p95 <= 0.095", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_TRUE(v.has_data);
    EXPECT_DOUBLE_EQ(v.actual, 0.095);
    EXPECT_EQ(v.actual_text, "trend:cart_value.p95 = 0.095");
    EXPECT_EQ(v.expression, "trend:cart_value.p95 <= 0.095");
    EXPECT_FALSE(Eval("trend:cart_value.p95 < 0.095", s).passed);
    EXPECT_TRUE(Eval("trend:cart_value.p50 == 0.05", s).passed);
    EXPECT_TRUE(Eval("trend:cart_value.med == 0.05", s).passed);
    EXPECT_TRUE(Eval("trend:cart_value.p100 == 0.1", s).passed);
    EXPECT_TRUE(Eval("trend:cart_value.min >= 0.001", s).passed);
    EXPECT_FALSE(Eval("trend:cart_value.min > 0.001", s).passed);
    // Exact min, max, count and mean come from the metric itself, not from the histogram.
    EXPECT_TRUE(Eval("trend:basket.max <= 100", s).passed);
    EXPECT_FALSE(Eval("trend:basket.max < 100", s).passed);
    v = Eval("trend:basket.mean <= 50.5", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(v.actual_text, "trend:basket.mean = 50.5");
    EXPECT_FALSE(Eval("trend:basket.avg < 50.5", s).passed);
    v = Eval("trend:basket.count == 100", s);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.actual_text, "trend:basket.count = 100");
    EXPECT_FALSE(Eval("trend:basket.count > 100", s).passed);
    // Percentiles of larger values: within the histogram's 0.1%, never below the true value.
    v = Eval("trend:basket.p95 < 96", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_GE(v.actual, 95);
    EXPECT_LE(v.actual, 95 * 1.001);
}

TEST(CustomThresholdEvaluate, CounterCountIsTheSumAndRateIsPerSecondOfLoad) {
    const metrics::Snapshot s = CustomSnapshot();
    Verdict v = Eval("counter:orders.count == 50", s);
    EXPECT_TRUE(v.passed) << v.actual_text;  // the sum of the values, not the 4 add() calls
    EXPECT_EQ(v.actual_text, "counter:orders.count = 50");
    EXPECT_FALSE(Eval("counter:orders.count > 50", s).passed);
    v = Eval("counter:orders.rate <= 5", s, 10);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_DOUBLE_EQ(v.actual, 5);
    EXPECT_EQ(v.actual_text, "counter:orders.rate = 5");
    EXPECT_FALSE(Eval("counter:orders.rate < 5", s, 10).passed);
    v = Eval("counter:orders.rate > 12", s, 4);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.actual_text, "counter:orders.rate = 12.5");
    v = Eval("counter:orders.rate > 0", s, 0);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_EQ(v.actual_text, "counter:orders.rate = no data (no load time to divide by)");
}

TEST(CustomThresholdEvaluate, RateIsAPercentage) {
    const metrics::Snapshot s = CustomSnapshot();
    Verdict v = Eval("rate:cache_hit.rate >= 95%", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_DOUBLE_EQ(v.actual, 95);
    EXPECT_EQ(v.actual_text, "rate:cache_hit.rate = 95.00% (19/20)");
    EXPECT_FALSE(Eval("rate:cache_hit.rate > 95%", s).passed);
}

TEST(CustomThresholdEvaluate, GaugeValueIsTheLastSet) {
    metrics::Snapshot s = CustomSnapshot();
    Verdict v = Eval("gauge:queue.value == 5", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(v.actual_text, "gauge:queue.value = 5");
    EXPECT_FALSE(Eval("gauge:queue.value < 5", s).passed);
    EXPECT_TRUE(Eval("gauge:queue.min >= 3", s).passed);
    EXPECT_FALSE(Eval("gauge:queue.min > 3", s).passed);
    EXPECT_TRUE(Eval("gauge:queue.max <= 7", s).passed);
    EXPECT_FALSE(Eval("gauge:queue.max < 7", s).passed);
    s.custom.at("queue").Add(-2.25, 400);
    v = Eval("gauge:queue.value > -3", s);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.actual_text, "gauge:queue.value = -2.25");
    EXPECT_FALSE(Eval("gauge:queue.min > -2.25", s).passed);
}

TEST(CustomThresholdEvaluate, NoValueMissingAndWrongKindFail) {
    const metrics::Snapshot s = CustomSnapshot();
    Verdict v = Eval("trend:empty.p95 < 1", s);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_EQ(v.actual_text, "trend:empty.p95 = no data (metric 'empty' got no value)");
    // Even a count, which is 0 for request rows, has no data: the metric never got a value.
    EXPECT_EQ(Eval("trend:empty.count < 1", s).actual_text, "trend:empty.count = no data (metric 'empty' got no value)");
    v = Eval("counter:nope.count == 0", s);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.actual_text, "counter:nope.count = no data (metric 'nope' got no value)");
    // A declared counter nothing was added to is 0, so "no errors counted" passes.
    metrics::Snapshot declared = s;
    declared.ForCustom("payment_errors", metrics::CustomMetricKind::kCounter);
    v = Eval("counter:payment_errors.count == 0", declared);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.actual_text, "counter:payment_errors.count = 0");
    EXPECT_FALSE(Eval("counter:payment_errors.count > 0", declared).passed);
    v = Eval("trend:orders.p95 < 1", s);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_EQ(v.actual_text,
              "trend:orders.p95 = no data ('orders' is a counter, not a trend: use counter:orders.count or "
              "counter:orders.rate)");
    EXPECT_THAT(Eval("counter:cart_value.count > 1", s).actual_text,
                HasSubstr("('cart_value' is a trend, not a counter: use trend:cart_value.p95 and the like)"));
    EXPECT_THAT(Eval("gauge:cache_hit.value > 1", s).actual_text,
                HasSubstr("('cache_hit' is a rate, not a gauge: use rate:cache_hit.rate)"));
    EXPECT_THAT(Eval("rate:queue.rate > 1%", s).actual_text,
                HasSubstr("('queue' is a gauge, not a rate: use gauge:queue.value, .min or .max)"));
    // A metric of the wrong kind without samples still says which kind it is.
    EXPECT_THAT(Eval("counter:empty.count > 1", s).actual_text, HasSubstr("'empty' is a trend, not a counter"));
}

TEST(CustomThresholdEvaluate, NotReplayableFailsEvenWithData) {
    const metrics::Snapshot s = CustomSnapshot();
    const std::vector<std::string> not_replayable = {"basket", "cart_value"};
    Verdict v = Eval("trend:cart_value.p95 < 300", s, 10, not_replayable);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_EQ(v.actual_text,
              "trend:cart_value.p95 = not replayable in a distributed run (metric 'cart_value' is fed from Lua "
              "values agents do not have)");
    EXPECT_TRUE(Eval("counter:orders.count == 50", s, 10, not_replayable).passed);
    EXPECT_TRUE(Eval("trend:cart_value.p95 < 300", s).passed);
}

TEST(CustomThresholdEvaluate, RunWideWhateverTheDeclaringScenario) {
    metrics::Snapshot s = CustomSnapshot();
    const Threshold t = Parse("counter:orders.count == 50");
    for (std::string_view scenario : {"shop", "other", ""}) {
        const Verdict v = Evaluate(t, s, scenario, 10);
        EXPECT_TRUE(v.passed) << scenario;
        EXPECT_EQ(v.scenario, "") << scenario;  // the verdict belongs to the run, not to the scenario
    }
    // Worker and agent snapshots merge with +=: the threshold reads the merged metric.
    metrics::Snapshot merged;
    merged += s;
    merged += s;
    EXPECT_FALSE(Evaluate(t, merged, "shop", 10).passed);
    EXPECT_EQ(Evaluate(Parse("counter:orders.count == 100"), merged, "shop", 10).actual, 100);
    EXPECT_EQ(Evaluate(Parse("trend:basket.count == 200"), merged, "shop", 10).actual, 200);
    EXPECT_TRUE(Evaluate(Parse("trend:cart_value.p95 <= 0.095"), merged, "shop", 10).passed);
}

}  // namespace
}  // namespace lse::thresholds
