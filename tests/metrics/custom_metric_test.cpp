#include "lse/metrics/custom_metric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::metrics {
namespace {

std::string Encode(const CustomMetric& m) {
    std::string out;
    m.AppendTo(&out);
    return out;
}

CustomMetric RoundTrip(const CustomMetric& m) {
    const std::string bytes = Encode(m);
    std::string_view in = bytes;
    CustomMetric out;
    std::string error;
    EXPECT_TRUE(CustomMetric::DecodeFrom(&in, &out, &error)) << error;
    EXPECT_TRUE(in.empty());
    return out;
}

TEST(CustomMetric, KindNamesRoundTrip) {
    for (auto kind : {CustomMetricKind::kCounter, CustomMetricKind::kGauge, CustomMetricKind::kRate,
                      CustomMetricKind::kTrend}) {
        CustomMetricKind parsed{};
        ASSERT_TRUE(ParseCustomMetricKind(CustomMetricKindName(kind), &parsed));
        EXPECT_EQ(parsed, kind);
    }
    CustomMetricKind parsed{};
    EXPECT_FALSE(ParseCustomMetricKind("histogram", &parsed));
}

TEST(CustomMetric, NamesAreIdentifiers) {
    EXPECT_TRUE(IsValidCustomMetricName("cart_value"));
    EXPECT_TRUE(IsValidCustomMetricName("_x9"));
    EXPECT_FALSE(IsValidCustomMetricName(""));
    EXPECT_FALSE(IsValidCustomMetricName("9lives"));
    EXPECT_FALSE(IsValidCustomMetricName("cart value"));
    EXPECT_FALSE(IsValidCustomMetricName("cart.value"));
    EXPECT_TRUE(IsValidCustomMetricName(std::string(kMaxCustomMetricNameLength, 'a')));
    EXPECT_FALSE(IsValidCustomMetricName(std::string(kMaxCustomMetricNameLength + 1, 'a')));
}

TEST(CustomMetric, ValueProblemsNameTheReason) {
    EXPECT_TRUE(CustomValueProblem(CustomMetricKind::kCounter, -5).empty());
    EXPECT_TRUE(CustomValueProblem(CustomMetricKind::kGauge, -5).empty());
    EXPECT_TRUE(CustomValueProblem(CustomMetricKind::kTrend, 0).empty());
    EXPECT_TRUE(CustomValueProblem(CustomMetricKind::kTrend, kMaxTrendValue).empty());
    EXPECT_NE(CustomValueProblem(CustomMetricKind::kTrend, -0.5).find("negative"), std::string_view::npos);
    EXPECT_NE(CustomValueProblem(CustomMetricKind::kTrend, kMaxTrendValue * 2).find("largest"), std::string_view::npos);
    EXPECT_NE(CustomValueProblem(CustomMetricKind::kCounter, std::nan("")).find("finite"), std::string_view::npos);
    EXPECT_NE(CustomValueProblem(CustomMetricKind::kRate, std::numeric_limits<double>::infinity()).find("finite"),
              std::string_view::npos);
}

TEST(CustomMetric, CounterSumsValues) {
    CustomMetric c(CustomMetricKind::kCounter);
    c.Add(2, 0);
    c.Add(0.5, 0);
    c.Add(std::nan(""), 0);  // ignored: the binding refuses it before
    EXPECT_EQ(c.count, 2u);
    EXPECT_DOUBLE_EQ(c.sum, 2.5);
    EXPECT_DOUBLE_EQ(c.Mean(), 1.25);
}

TEST(CustomMetric, RateCountsNonZeroAsTrue) {
    CustomMetric r(CustomMetricKind::kRate);
    for (double v : {1.0, 0.0, 1.0, 7.0}) r.Add(v, 0);
    EXPECT_EQ(r.trues, 3u);
    EXPECT_EQ(r.count, 4u);
    EXPECT_DOUBLE_EQ(r.Ratio(), 0.75);
    EXPECT_DOUBLE_EQ(CustomMetric(CustomMetricKind::kRate).Ratio(), 0.0);
}

TEST(CustomMetric, GaugeKeepsTheLatestValueAcrossMerges) {
    CustomMetric a(CustomMetricKind::kGauge);
    a.Add(10, 100);
    a.Add(4, 200);
    EXPECT_DOUBLE_EQ(a.last, 4);
    EXPECT_DOUBLE_EQ(a.min, 4);
    EXPECT_DOUBLE_EQ(a.max, 10);
    CustomMetric b(CustomMetricKind::kGauge);
    b.Add(7, 150);  // set between a's two sets: not the latest
    CustomMetric merged = a;
    merged += b;
    EXPECT_DOUBLE_EQ(merged.last, 4);
    EXPECT_EQ(merged.count, 3u);
    CustomMetric later(CustomMetricKind::kGauge);
    later.Add(-1, 300);
    merged += later;
    EXPECT_DOUBLE_EQ(merged.last, -1);
    EXPECT_DOUBLE_EQ(merged.min, -1);
    EXPECT_DOUBLE_EQ(merged.Mean(), -1);  // a gauge's "mean" is its value
    // An empty side changes nothing, in either order.
    CustomMetric empty(CustomMetricKind::kGauge);
    empty += merged;
    EXPECT_EQ(empty, merged);
    merged += CustomMetric(CustomMetricKind::kGauge);
    EXPECT_EQ(empty, merged);
}

TEST(CustomMetric, TrendPercentilesAreExactAtTheEndsAndWithinResolution) {
    CustomMetric t(CustomMetricKind::kTrend);
    for (int i = 1; i <= 1000; ++i) t.Add(i * 0.25, 0);  // 0.25 .. 250
    EXPECT_EQ(t.count, 1000u);
    EXPECT_DOUBLE_EQ(t.min, 0.25);
    EXPECT_DOUBLE_EQ(t.max, 250);
    EXPECT_DOUBLE_EQ(t.Mean(), 125.125);
    EXPECT_DOUBLE_EQ(t.Percentile(0), 0.25);
    EXPECT_DOUBLE_EQ(t.Percentile(100), 250);
    EXPECT_NEAR(t.Percentile(50), 125, 125 * 0.001 + 0.001);
    EXPECT_NEAR(t.Percentile(95), 237.5, 237.5 * 0.001 + 0.001);
    EXPECT_GE(t.Percentile(95), 237.5);  // never below the true sample
    // Small values keep three decimals exactly.
    CustomMetric small(CustomMetricKind::kTrend);
    small.Add(1.234, 0);
    EXPECT_DOUBLE_EQ(small.Percentile(50), 1.234);
    EXPECT_DOUBLE_EQ(CustomMetric(CustomMetricKind::kCounter).Percentile(50), 0);
}

TEST(CustomMetric, MergingEqualsRecordingEverythingInOne) {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> value(0, 5000);
    CustomMetric all(CustomMetricKind::kTrend), a(CustomMetricKind::kTrend), b(CustomMetricKind::kTrend);
    for (int i = 0; i < 2000; ++i) {
        const double v = std::round(value(rng) * 1000) / 1000;
        all.Add(v, 0);
        (i % 3 == 0 ? a : b).Add(v, 0);
    }
    a += b;
    EXPECT_EQ(a.count, all.count);
    EXPECT_EQ(a.values, all.values);
    EXPECT_DOUBLE_EQ(a.min, all.min);
    EXPECT_DOUBLE_EQ(a.max, all.max);
    EXPECT_NEAR(a.sum, all.sum, 1e-6 * all.sum);
    for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_DOUBLE_EQ(a.Percentile(p), all.Percentile(p)) << p;
}

TEST(CustomMetric, AnotherKindIsNotMerged) {
    CustomMetric c(CustomMetricKind::kCounter);
    c.Add(1, 0);
    CustomMetric t(CustomMetricKind::kTrend);
    t.Add(99, 0);
    c += t;
    EXPECT_EQ(c.count, 1u);
    EXPECT_DOUBLE_EQ(c.sum, 1);
}

TEST(CustomMetric, ResetKeepsTheKind) {
    CustomMetric t(CustomMetricKind::kTrend);
    t.Add(5, 0);
    t.Reset();
    EXPECT_EQ(t, CustomMetric(CustomMetricKind::kTrend));
}

TEST(CustomMetric, EveryKindRoundTrips) {
    CustomMetric c(CustomMetricKind::kCounter), g(CustomMetricKind::kGauge), r(CustomMetricKind::kRate),
        t(CustomMetricKind::kTrend);
    c.Add(-2.5, 0);
    g.Add(3, -17);
    r.Add(1, 0);
    r.Add(0, 0);
    for (int i = 0; i < 100; ++i) t.Add(i * 1.5, 0);
    const CustomMetric empty_trend(CustomMetricKind::kTrend);
    for (const CustomMetric* m : std::initializer_list<const CustomMetric*>{&c, &g, &r, &t, &empty_trend}) {
        EXPECT_EQ(RoundTrip(*m), *m) << CustomMetricKindName(m->kind);
    }
}

TEST(CustomMetric, DecodeRejectsBadInput) {
    const auto rejects = [](const std::string& bytes, std::string_view reason) {
        std::string_view in = bytes;
        CustomMetric out;
        std::string error;
        EXPECT_FALSE(CustomMetric::DecodeFrom(&in, &out, &error));
        EXPECT_NE(error.find(reason), std::string::npos) << error;
    };
    std::string bytes;
    ByteWriter w(&bytes);
    w.Byte(9);
    w.U64(0);
    rejects(bytes, "unknown kind");

    bytes.clear();
    w.Byte(static_cast<std::uint8_t>(CustomMetricKind::kRate));
    w.U64(2);
    w.U64(3);
    rejects(bytes, "more trues");

    bytes.clear();
    w.Byte(static_cast<std::uint8_t>(CustomMetricKind::kCounter));
    w.U64(1);
    w.F64(std::numeric_limits<double>::infinity());
    rejects(bytes, "finite");

    bytes.clear();
    w.Byte(static_cast<std::uint8_t>(CustomMetricKind::kGauge));
    w.U64(1);
    w.F64(1);
    w.I64(0);
    w.F64(5);  // min
    w.F64(1);  // max
    rejects(bytes, "min above max");

    CustomMetric t(CustomMetricKind::kTrend);
    t.Add(1, 0);
    t.count = 2;  // the histogram holds one sample
    rejects(Encode(t), "count differs");

    const std::string good = Encode(CustomMetric(CustomMetricKind::kTrend));
    for (std::size_t len = 0; len < good.size(); ++len) rejects(good.substr(0, len), "truncated");
}

TEST(Snapshot, CustomMetricsMergeResetAndRoundTrip) {
    Snapshot a;
    CustomMetric* orders = a.ForCustom("orders", CustomMetricKind::kCounter);
    orders->Add(2, 0);
    EXPECT_EQ(a.ForCustom("orders", CustomMetricKind::kTrend), orders);  // existing: returned as it is
    Snapshot b;
    b.ForCustom("orders", CustomMetricKind::kCounter)->Add(3, 0);
    b.ForCustom("latency_ms", CustomMetricKind::kTrend)->Add(12.5, 0);
    a += b;
    EXPECT_DOUBLE_EQ(a.custom.at("orders").sum, 5);
    EXPECT_EQ(a.custom.at("latency_ms").count, 1u);

    std::string bytes;
    a.AppendTo(&bytes);
    Snapshot decoded;
    decoded.ForCustom("stale", CustomMetricKind::kGauge)->Add(1, 0);
    std::string error;
    ASSERT_TRUE(Snapshot::Decode(bytes, &decoded, &error)) << error;
    EXPECT_EQ(decoded, a);  // "stale" is gone

    a.Reset();
    EXPECT_EQ(a.ForCustom("orders", CustomMetricKind::kCounter), orders);  // pointers survive Reset
    EXPECT_EQ(orders->count, 0u);
    EXPECT_EQ(orders->kind, CustomMetricKind::kCounter);
}

TEST(Snapshot, CustomMetricsAreBounded) {
    Snapshot s;
    for (std::size_t i = 0; i < kMaxCustomMetrics; ++i) {
        ASSERT_NE(s.ForCustom("m" + std::to_string(i), CustomMetricKind::kCounter), nullptr);
    }
    EXPECT_EQ(s.ForCustom("one_more", CustomMetricKind::kCounter), nullptr);
    EXPECT_NE(s.ForCustom("m0", CustomMetricKind::kCounter), nullptr);
}

}  // namespace
}  // namespace lse::metrics
