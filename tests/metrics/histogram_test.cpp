#include "lse/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace lse::metrics {
namespace {

using Samples = std::vector<std::int64_t>;

Samples Uniform(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> dist(1, 1'000'000);
    Samples s(n);
    for (auto& v : s) v = dist(rng);
    return s;
}

// Typical latency shape: median ~20 ms, long right tail.
Samples LogNormal(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 1.0);
    Samples s(n);
    for (auto& v : s) v = std::max<std::int64_t>(1, static_cast<std::int64_t>(dist(rng)));
    return s;
}

// Mostly sub-millisecond, with 1.5% outliers between 5 s and 10 minutes.
Samples WithOutliers(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> fast(50, 900);
    std::uniform_int_distribution<std::int64_t> slow(5'000'000, 600'000'000);
    std::bernoulli_distribution outlier(0.015);
    Samples s(n);
    for (auto& v : s) v = outlier(rng) ? slow(rng) : fast(rng);
    return s;
}

Histogram Of(const Samples& samples) {
    Histogram h;
    for (auto v : samples) h.Record(v);
    return h;
}

// The sample of rank ceil(p/100 * n), with p given in per-mille to keep the rank exact.
std::int64_t TruePercentile(Samples sorted, std::uint64_t per_mille) {
    std::sort(sorted.begin(), sorted.end());
    const std::uint64_t n = sorted.size();
    std::uint64_t rank = (per_mille * n + 999) / 1000;
    rank = std::max<std::uint64_t>(rank, 1);
    return sorted[rank - 1];
}

void ExpectAccurate(const Samples& samples) {
    const Histogram h = Of(samples);
    ASSERT_EQ(h.Count(), samples.size());
    EXPECT_EQ(h.Min(), *std::min_element(samples.begin(), samples.end()));
    EXPECT_EQ(h.Max(), *std::max_element(samples.begin(), samples.end()));
    for (std::uint64_t per_mille : {500u, 900u, 990u, 999u, 1000u}) {
        const std::int64_t truth = TruePercentile(samples, per_mille);
        const std::int64_t got = h.ValueAtPercentile(static_cast<double>(per_mille) / 10.0);
        EXPECT_GE(got, truth) << "p" << per_mille / 10.0;
        EXPECT_LE(static_cast<double>(got - truth), 0.001 * static_cast<double>(truth)) << "p" << per_mille / 10.0;
    }
    EXPECT_EQ(h.ValueAtPercentile(100.0), h.Max());

    long double sum = 0;
    for (auto v : samples) sum += v;
    const long double mean = sum / samples.size();
    EXPECT_DOUBLE_EQ(h.Mean(), static_cast<double>(mean));
    long double sq = 0;
    for (auto v : samples) sq += (v - mean) * (v - mean);
    const double stddev = std::sqrt(static_cast<double>(sq / samples.size()));
    EXPECT_NEAR(h.StdDev(), stddev, 0.002 * stddev);
}

TEST(HistogramGeometry, BucketsTileTheRangeWithBoundedWidth) {
    EXPECT_EQ(Histogram::IndexOf(0), 0u);
    EXPECT_EQ(Histogram::IndexOf(2047), 2047u);
    EXPECT_EQ(Histogram::IndexOf(Histogram::kMaxValue), Histogram::kCountsLen - 1);
    EXPECT_EQ(Histogram::HighestValueAt(Histogram::kCountsLen - 1), Histogram::kMaxValue);
    EXPECT_GE(Histogram::kMaxValue, std::int64_t{3600} * 1'000'000);  // at least one hour
    for (std::size_t i = 0; i < Histogram::kCountsLen; ++i) {
        const std::int64_t lo = Histogram::LowestValueAt(i);
        const std::int64_t hi = Histogram::HighestValueAt(i);
        ASSERT_LE(lo, hi);
        ASSERT_EQ(Histogram::IndexOf(lo), i);
        ASSERT_EQ(Histogram::IndexOf(hi), i);
        ASSERT_LE(static_cast<double>(hi - lo), 0.001 * static_cast<double>(std::max<std::int64_t>(lo, 1)))
            << "bucket " << i << " [" << lo << ", " << hi << "]";
        if (i + 1 < Histogram::kCountsLen) {
            ASSERT_EQ(hi + 1, Histogram::LowestValueAt(i + 1));
        }
    }
}

TEST(Histogram, EmptyReportsZeros) {
    Histogram h;
    EXPECT_EQ(h.Count(), 0u);
    EXPECT_EQ(h.Min(), 0);
    EXPECT_EQ(h.Max(), 0);
    EXPECT_EQ(h.Mean(), 0.0);
    EXPECT_EQ(h.StdDev(), 0.0);
    EXPECT_EQ(h.ValueAtPercentile(50), 0);
    EXPECT_EQ(h.CountAtOrBelow(1'000'000), 0u);
    int buckets = 0;
    h.ForEachBucket([&](std::int64_t, std::int64_t, std::uint64_t) { ++buckets; });
    EXPECT_EQ(buckets, 0);
}

TEST(Histogram, AccurateOnUniform) { ExpectAccurate(Uniform(100'000, 1)); }
TEST(Histogram, AccurateOnLogNormal) { ExpectAccurate(LogNormal(100'000, 2)); }
TEST(Histogram, AccurateWithOutliers) { ExpectAccurate(WithOutliers(100'000, 3)); }
TEST(Histogram, AccurateOnSmallOddCount) { ExpectAccurate(LogNormal(777, 4)); }

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (std::int64_t v = 0; v < 2048; ++v) h.Record(v);
    EXPECT_EQ(h.ValueAtPercentile(50), 1023);
    EXPECT_EQ(h.CountAtOrBelow(99), 100u);
    EXPECT_EQ(h.Min(), 0);
}

TEST(Histogram, PercentileEdges) {
    Histogram h;
    h.Record(10);
    h.Record(5000);
    h.Record(123'456);
    EXPECT_EQ(h.ValueAtPercentile(0), 10);
    EXPECT_EQ(h.ValueAtPercentile(-3), 10);
    EXPECT_EQ(h.ValueAtPercentile(std::nan("")), 10);
    EXPECT_EQ(h.ValueAtPercentile(1), 10);
    EXPECT_EQ(h.ValueAtPercentile(50), Histogram::HighestEquivalentValue(5000));
    EXPECT_EQ(h.ValueAtPercentile(99.99), 123'456);  // capped at the exact max
    EXPECT_EQ(h.ValueAtPercentile(100), 123'456);
    EXPECT_EQ(h.ValueAtPercentile(250), 123'456);
}

TEST(Histogram, ClampsAboveMaxAndCountsOverflow) {
    Histogram h;
    h.Record(Histogram::kMaxValue + 1);
    h.Record(std::numeric_limits<std::int64_t>::max());
    h.Record(Histogram::kMaxValue);  // in range: not an overflow
    h.RecordN(Histogram::kMaxValue * 2, 3);
    EXPECT_EQ(h.Count(), 6u);
    EXPECT_EQ(h.Overflow(), 5u);
    EXPECT_EQ(h.Max(), Histogram::kMaxValue);
    EXPECT_EQ(h.Min(), Histogram::kMaxValue);
    EXPECT_EQ(h.ValueAtPercentile(50), Histogram::kMaxValue);
    EXPECT_EQ(h.Sum(), 6u * static_cast<std::uint64_t>(Histogram::kMaxValue));
}

TEST(Histogram, NegativeValuesRecordAsZero) {
    Histogram h;
    h.Record(-5);
    h.Record(0);
    h.Record(7);
    EXPECT_EQ(h.Min(), 0);
    EXPECT_EQ(h.CountAtOrBelow(0), 2u);
    EXPECT_EQ(h.Overflow(), 0u);
}

TEST(Histogram, RecordNEqualsRepeatedRecord) {
    Histogram a, b;
    a.RecordN(12'345, 4);
    a.RecordN(99, 0);  // no-op, must not touch min
    for (int i = 0; i < 4; ++i) b.Record(12'345);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.Min(), 12'345);
}

TEST(Histogram, ResetClearsEverything) {
    Histogram h = Of(WithOutliers(5000, 5));
    h.Record(Histogram::kMaxValue + 10);
    ASSERT_FALSE(h == Histogram());
    h.Reset();
    EXPECT_EQ(h, Histogram());
    EXPECT_EQ(h.Count(), 0u);
    EXPECT_EQ(h.Overflow(), 0u);
    int buckets = 0;
    h.ForEachBucket([&](std::int64_t, std::int64_t, std::uint64_t) { ++buckets; });
    EXPECT_EQ(buckets, 0);
    // Reusable afterwards, with a fresh min.
    h.Record(42);
    EXPECT_EQ(h.Min(), 42);
    EXPECT_EQ(h.Max(), 42);
    EXPECT_EQ(h.Count(), 1u);
}

TEST(Histogram, MergeOfRandomSplitsEqualsWhole) {
    const Samples samples = LogNormal(20'000, 6);
    const Histogram whole = Of(samples);
    std::mt19937_64 rng(7);
    for (int round = 0; round < 5; ++round) {
        const int parts = 2 + round * 3;
        std::vector<Histogram> split(static_cast<std::size_t>(parts));
        std::uniform_int_distribution<int> pick(0, parts - 1);
        for (auto v : samples) split[static_cast<std::size_t>(pick(rng))].Record(v);
        Histogram merged;
        for (const auto& part : split) merged += part;
        EXPECT_EQ(merged, whole) << parts << " parts";
        EXPECT_EQ(merged.ValueAtPercentile(99.9), whole.ValueAtPercentile(99.9));
    }
}

TEST(Histogram, MergeHandlesEmptyAndOverflow) {
    Histogram a = Of({5, 10});
    const Histogram before = a;
    a += Histogram();
    EXPECT_EQ(a, before);
    Histogram b;
    b.Record(Histogram::kMaxValue + 1);
    a += b;
    EXPECT_EQ(a.Overflow(), 1u);
    EXPECT_EQ(a.Max(), Histogram::kMaxValue);
    EXPECT_EQ(a.Min(), 5);
    Histogram empty;
    empty += a;
    EXPECT_EQ(empty, a);
}

TEST(Histogram, EqualityNoticesOneCount) {
    Histogram a = Of({100, 200, 300});
    Histogram b = Of({100, 201, 300});  // 201 has its own bucket (< 2048)
    EXPECT_FALSE(a == b);
    Histogram c = Of({100, 200, 300});
    EXPECT_EQ(a, c);
}

TEST(Histogram, BucketIterationCoversAllSamples) {
    const Samples samples = WithOutliers(10'000, 8);
    const Histogram h = Of(samples);
    std::uint64_t total = 0;
    std::int64_t previous_hi = -1;
    h.ForEachBucket([&](std::int64_t lo, std::int64_t hi, std::uint64_t count) {
        EXPECT_GT(lo, previous_hi);
        EXPECT_GT(count, 0u);
        previous_hi = hi;
        total += count;
    });
    EXPECT_EQ(total, h.Count());
    // CountAtOrBelow is exact at bucket upper ends.
    const std::int64_t edge = Histogram::HighestEquivalentValue(1'000'000);
    const auto truth = static_cast<std::uint64_t>(
        std::count_if(samples.begin(), samples.end(), [&](std::int64_t v) { return v <= edge; }));
    EXPECT_EQ(h.CountAtOrBelow(edge), truth);
    EXPECT_EQ(h.CountAtOrBelow(h.Max()), h.Count());
    EXPECT_EQ(h.CountAtOrBelow(h.Min() - 1), 0u);
}

TEST(Histogram, CopyIsIndependent) {
    Histogram a = Of({1, 2, 3});
    Histogram b = a;
    b.Record(4);
    EXPECT_EQ(a.Count(), 3u);
    EXPECT_EQ(b.Count(), 4u);
}

TEST(Histogram, MovesLeaveSourcesConsistent) {
    Histogram a = Of({1, 2, 3});
    Histogram b(std::move(a));
    EXPECT_EQ(b.Count(), 3u);
    EXPECT_EQ(a.Count(), 0u);  // NOLINT(bugprone-use-after-move): documented state
    a.Reset();                 // must not touch the missing counters
    Histogram c = Of({7});
    c = std::move(b);  // swaps: the source keeps c's old, valid counters
    EXPECT_EQ(c.Count(), 3u);
    EXPECT_EQ(b.Count(), 1u);  // NOLINT(bugprone-use-after-move)
    b.Record(9);
    EXPECT_EQ(b.Count(), 2u);
    a = Of({5});
    a.Record(6);
    EXPECT_EQ(a.Count(), 2u);
}

TEST(Histogram, AllocatesOnlyThePagesItsValuesUse) {
    Histogram h;
    EXPECT_EQ(h.PagesAllocated(), 0u);
    h.Record(500);    // page 0 (values 0..1023)
    h.Record(1500);   // page 1 (1024..2047)
    h.Record(1600);
    EXPECT_EQ(h.PagesAllocated(), 2u);
    h.Record(30'000'000);  // 30 s: one more page, far away
    EXPECT_EQ(h.PagesAllocated(), 3u);
    EXPECT_EQ(h.ValueAtPercentile(50), 1500);
    EXPECT_EQ(h.ValueAtPercentile(100), 30'000'000);
    EXPECT_EQ(h.CountAtOrBelow(2000), 3u);
    // Reset keeps the pages (a reused interval histogram stops allocating) and clears them.
    h.Reset();
    EXPECT_EQ(h.PagesAllocated(), 3u);
    EXPECT_EQ(h, Histogram());
    h.Record(600);
    EXPECT_EQ(h.ValueAtPercentile(100), 600);
    EXPECT_EQ(h.CountAtOrBelow(2'000'000), 1u);
}

TEST(Histogram, MergeAndCopyAcrossDisjointPages) {
    const Histogram low = Of({10, 20, 30});
    const Histogram high = Of({5'000'000, 6'000'000});
    Histogram merged = low;
    merged += high;
    EXPECT_EQ(merged.Count(), 5u);
    EXPECT_EQ(merged.PagesAllocated(), low.PagesAllocated() + high.PagesAllocated());
    EXPECT_EQ(merged.ValueAtPercentile(60), 30);
    EXPECT_EQ(merged.ValueAtPercentile(70), Histogram::HighestEquivalentValue(5'000'000));
    Histogram other_order = high;
    other_order += low;
    EXPECT_EQ(merged, other_order);
    // A copy shares no page with its source.
    Histogram copy = merged;
    copy.Record(15);
    EXPECT_EQ(merged.CountAtOrBelow(15), 1u);
    EXPECT_EQ(copy.CountAtOrBelow(15), 2u);
    // Self-merge doubles every counter.
    Histogram twice = merged;
    twice += twice;
    EXPECT_EQ(twice.Count(), 10u);
    EXPECT_EQ(twice.CountAtOrBelow(30), 6u);
    // Copy assignment replaces pages the target had and the source lacks.
    Histogram target = Of({40'000'000});
    target = low;
    EXPECT_EQ(target, low);
    EXPECT_EQ(target.CountAtOrBelow(Histogram::kMaxValue), 3u);
}

}  // namespace
}  // namespace lse::metrics
