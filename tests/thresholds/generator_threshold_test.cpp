// Thresholds on the load generators' health ("generator_saturated == 0", "generator_lag_p99 < 10ms"): parsing, the
// scopes they refuse, and evaluation on hand-built Snapshot::generators entries, exact at the boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/generator_stats.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {
namespace {

using ::testing::HasSubstr;

std::string ParseError(std::string_view expr) {
    std::string error;
    EXPECT_FALSE(TryParse(expr, &error).has_value()) << expr;
    return error;
}

// One interval's report of a healthy generator: `lag_us` on every one of 100 lag samples.
metrics::GeneratorHealth Healthy(std::int64_t lag_us) {
    metrics::GeneratorHealth h;
    h.threads = 2;
    h.intervals = 1;
    h.loop_lag_us.RecordN(lag_us, 100);
    h.process_cpu = 0.5;
    h.host_cpu = 0.3;
    return h;
}

// A generator that was judged saturated in one interval, [from_s, to_s).
metrics::GeneratorHealth Saturated(std::int64_t lag_us, std::int64_t from_s, std::int64_t to_s) {
    metrics::GeneratorHealth h = Healthy(lag_us);
    h.saturated_intervals = static_cast<std::uint64_t>(to_s - from_s);
    metrics::AddSaturatedPeriod(&h.saturated, {from_s * 1000, to_s * 1000});
    return h;
}

TEST(GeneratorThresholdParse, SaturatedIsARunWideCount) {
    const Threshold t = Parse("generator_saturated == 0");
    EXPECT_EQ(t.metric, Metric::kGeneratorSaturated);
    EXPECT_EQ(t.metric_name, "generator_saturated");
    EXPECT_EQ(t.op, Op::kEqual);
    EXPECT_DOUBLE_EQ(t.value, 0);
    EXPECT_EQ(ValueKindOf(t.metric), ValueKind::kNumber);
    EXPECT_EQ(t.Subject(), "generator_saturated");
}

TEST(GeneratorThresholdParse, LagTakesPercentilesAndMaxWithADuration) {
    const Threshold p99 = Parse("generator_lag_p99 < 10ms");
    EXPECT_EQ(p99.metric, Metric::kGeneratorLag);
    EXPECT_EQ(p99.stat, LatencyStat::kPercentile);
    EXPECT_DOUBLE_EQ(p99.percentile, 99);
    EXPECT_DOUBLE_EQ(p99.value, 10e6);
    EXPECT_EQ(p99.Subject(), "generator_lag_p99");
    const Threshold p999 = Parse("generator_lag_p99.9 <= 50ms");
    EXPECT_DOUBLE_EQ(p999.percentile, 99.9);
    const Threshold max = Parse("generator_lag_max < 1s");
    EXPECT_EQ(max.stat, LatencyStat::kMax);
    EXPECT_EQ(max.metric_name, "generator_lag_max");
    EXPECT_THAT(ParseError("generator_lag_p99 < 10"), HasSubstr("missing unit (did you mean 10ms?)"));
    EXPECT_THAT(ParseError("generator_lag_min < 1ms"), HasSubstr("unknown metric 'generator_lag_min'"));
    EXPECT_THAT(ParseError("generator_saturated < 1ms"), HasSubstr("plain number"));
}

TEST(GeneratorThresholdParse, RefusesEveryScopeAndSuggestsTheSpelling) {
    EXPECT_THAT(ParseError("shop:generator_saturated == 0"), HasSubstr("judges the load generators of the whole run"));
    EXPECT_THAT(ParseError("browse.generator_saturated == 0"), HasSubstr("drop the scope"));
    EXPECT_THAT(ParseError("[GET /].generator_lag_p99 < 1ms"), HasSubstr("drop the scope"));
    EXPECT_THAT(ParseError("group:checkout.generator_saturated == 0"), HasSubstr("is not measured per group"));
    EXPECT_THAT(ParseError("tag:env=a.generator_saturated == 0"), HasSubstr("is not measured per tag"));
    EXPECT_THAT(ParseError("generator_saturatd == 0"), HasSubstr("did you mean 'generator_saturated'"));
}

TEST(GeneratorStats, SaturationIsReadFromTheRecordNotFromGauges) {
    metrics::Snapshot s;
    // Busy but never judged saturated in one interval (the gauges are run-wide maxima): not saturated.
    metrics::GeneratorHealth busy = Healthy(500);
    busy.process_cpu = 1.9;
    busy.host_cpu = 0.99;
    busy.late_arrivals = 3;
    s.generators["a1"] = busy;
    s.generators["a2"] = Saturated(30'000, 12, 40);
    s.generators["a3"] = metrics::GeneratorHealth{};  // zeroed by Reset, no report
    EXPECT_EQ(ReportingGenerators(s), 2u);
    EXPECT_EQ(SaturatedGenerators(s), std::vector<std::string>{"a2"});
    EXPECT_FALSE(WasSaturated(s.generators["a1"]));
    EXPECT_EQ(SaturatedMs(s.generators["a2"]), 28'000);
    EXPECT_EQ(GeneratorLabel("a2"), "agent a2");
    EXPECT_EQ(GeneratorLabel(metrics::kLocalGenerator), "this machine (local)");
}

TEST(GeneratorThresholdEvaluate, SaturatedCountsGeneratorsAndNamesThem) {
    metrics::Snapshot s;
    s.generators["a1"] = Healthy(800);
    s.generators["a2"] = Healthy(900);
    const Threshold none = Parse("generator_saturated == 0");
    Verdict v = Evaluate(none, s, "shop", 10);
    EXPECT_TRUE(v.passed);
    EXPECT_TRUE(v.has_data);
    EXPECT_DOUBLE_EQ(v.actual, 0);
    EXPECT_EQ(v.actual_text, "generator_saturated = 0");
    EXPECT_TRUE(v.scenario.empty()) << "a generator threshold judges the whole run, whoever declared it";

    s.generators["a2"] += Saturated(25'000, 12, 40);
    s.generators["a3"] = Saturated(25'000, 3, 4);
    v = Evaluate(none, s, "", 10);
    EXPECT_FALSE(v.passed);
    EXPECT_DOUBLE_EQ(v.actual, 2);
    EXPECT_EQ(v.actual_text, "generator_saturated = 2 (a2, a3)");
    EXPECT_TRUE(Evaluate(Parse("generator_saturated <= 2"), s, "", 10).passed);
    EXPECT_FALSE(Evaluate(Parse("generator_saturated < 2"), s, "", 10).passed);
}

TEST(GeneratorThresholdEvaluate, ManySaturatedAgentsKeepTheVerdictOnOneLine) {
    metrics::Snapshot s;
    for (int i = 0; i < 8; ++i) s.generators["agent-" + std::to_string(i)] = Saturated(20'000, i, i + 1);
    const Verdict v = Evaluate(Parse("generator_saturated == 0"), s, "", 10);
    EXPECT_DOUBLE_EQ(v.actual, 8);
    EXPECT_THAT(v.actual_text, HasSubstr("agent-0, agent-1, agent-2, agent-3, agent-4, +3 more"));
}

TEST(GeneratorThresholdEvaluate, NoReportIsNoDataAndFails) {
    metrics::Snapshot s;
    Verdict v = Evaluate(Parse("generator_saturated == 0"), s, "", 10);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_EQ(v.actual_text, "generator_saturated = no data (no load generator reported its health)");
    s.generators["local"] = metrics::GeneratorHealth{};  // an entry Reset left behind is no report either
    EXPECT_FALSE(Evaluate(Parse("generator_saturated == 0"), s, "", 10).has_data);

    metrics::GeneratorHealth no_lag = Healthy(1);
    no_lag.loop_lag_us.Reset();
    s.generators["local"] = no_lag;
    EXPECT_TRUE(Evaluate(Parse("generator_saturated == 0"), s, "", 10).passed);
    v = Evaluate(Parse("generator_lag_p99 < 10ms"), s, "", 10);
    EXPECT_FALSE(v.has_data);
    EXPECT_THAT(v.actual_text, HasSubstr("no event-loop lag was measured"));
}

TEST(GeneratorThresholdEvaluate, LagIsTheWorstGeneratorsAtTheBoundary) {
    metrics::Snapshot s;
    s.generators["a1"] = Healthy(1'000);
    s.generators["a2"] = Healthy(2'000);  // exact in the histogram (below 2048 µs)
    Verdict v = Evaluate(Parse("generator_lag_p99 < 2ms"), s, "", 10);
    EXPECT_TRUE(v.has_data);
    EXPECT_FALSE(v.passed);
    EXPECT_DOUBLE_EQ(v.actual, 2e6);
    EXPECT_EQ(v.actual_text, "generator_lag_p99 = 2.00ms (a2)");
    EXPECT_TRUE(Evaluate(Parse("generator_lag_p99 <= 2ms"), s, "", 10).passed);
    s.generators["a1"].loop_lag_us.Record(1'500);  // a1's max rises above its p99, still below a2's
    v = Evaluate(Parse("generator_lag_max < 2ms"), s, "", 10);
    EXPECT_FALSE(v.passed);
    EXPECT_DOUBLE_EQ(v.actual, 2e6);

    metrics::Snapshot local;
    local.generators[std::string(metrics::kLocalGenerator)] = Healthy(700);
    v = Evaluate(Parse("generator_lag_p99 < 1ms"), local, "", 10);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.actual_text, "generator_lag_p99 = 700us") << "one generator: no name to point at";
}

}  // namespace
}  // namespace lse::thresholds
