#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "lse/metrics/histogram.hpp"
#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {

Histogram LogNormal(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 1.0);
    Histogram h;
    for (std::size_t i = 0; i < n; ++i) h.Record(static_cast<std::int64_t>(dist(rng)));
    return h;
}

std::string Encode(const Histogram& h) {
    std::string out;
    h.AppendTo(&out);
    return out;
}

std::size_t NonEmptyBuckets(const Histogram& h) {
    std::size_t n = 0;
    h.ForEachBucket([&](std::int64_t, std::int64_t, std::uint64_t) { ++n; });
    return n;
}

// Whatever Decode accepted must be a consistent histogram that survives another round trip.
void ExpectConsistent(const Histogram& h) {
    std::uint64_t total = 0;
    h.ForEachBucket([&](std::int64_t, std::int64_t, std::uint64_t c) { total += c; });
    EXPECT_EQ(total, h.Count());
    EXPECT_LE(h.Min(), h.Max());
    EXPECT_LE(h.Max(), Histogram::kMaxValue);
    EXPECT_EQ(h.ValueAtPercentile(100), h.Max());
    Histogram again;
    ASSERT_TRUE(Histogram::Decode(Encode(h), &again, nullptr));
    EXPECT_EQ(again, h);
}

TEST(HistogramCodec, EmptyIsTinyAndRoundTrips) {
    const std::string bytes = Encode(Histogram());
    EXPECT_LT(bytes.size(), 16u);
    EXPECT_EQ(bytes[0], 'H');
    Histogram out = LogNormal(100, 1);  // decoding must replace old contents
    std::string error;
    ASSERT_TRUE(Histogram::Decode(bytes, &out, &error)) << error;
    EXPECT_EQ(out, Histogram());
}

TEST(HistogramCodec, RoundTripsExactly) {
    for (std::size_t n : {1u, 2u, 1000u, 100'000u}) {
        const Histogram h = LogNormal(n, n);
        Histogram out;
        std::string error;
        ASSERT_TRUE(Histogram::Decode(Encode(h), &out, &error)) << error;
        EXPECT_EQ(out, h) << n;
        EXPECT_EQ(out.ValueAtPercentile(99), h.ValueAtPercentile(99));
        EXPECT_EQ(out.Mean(), h.Mean());
    }
}

TEST(HistogramCodec, RoundTripsOverflowAndZero) {
    Histogram h;
    h.Record(0);
    h.Record(Histogram::kMaxValue + 7);
    Histogram out;
    ASSERT_TRUE(Histogram::Decode(Encode(h), &out, nullptr));
    EXPECT_EQ(out, h);
    EXPECT_EQ(out.Overflow(), 1u);
}

TEST(HistogramCodec, ThousandSamplesOverFewHundredBucketsEncodeCompactly) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 0.1);
    Histogram h;
    for (int i = 0; i < 1000; ++i) h.Record(static_cast<std::int64_t>(dist(rng)));
    const std::size_t buckets = NonEmptyBuckets(h);
    ASSERT_GE(buckets, 200u);
    ASSERT_LE(buckets, 600u);
    const std::size_t size = Encode(h).size();
    EXPECT_LE(size, buckets + buckets / 4 + 32) << buckets << " buckets";
    EXPECT_LE(size, 700u);
}

TEST(HistogramCodec, SparseSingletonsCostAboutOneBytePerBucket) {
    const Histogram h = LogNormal(1000, 42);  // nearly every sample in its own bucket
    const std::size_t buckets = NonEmptyBuckets(h);
    ASSERT_GT(buckets, 500u);
    EXPECT_LE(Encode(h).size(), buckets + buckets / 4 + 32) << buckets << " buckets";
}

TEST(HistogramCodec, EveryStrictPrefixIsRejected) {
    const std::string bytes = Encode(LogNormal(500, 9));
    Histogram out;
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        std::string error;
        ASSERT_FALSE(Histogram::Decode(std::string_view(bytes.data(), len), &out, &error)) << len;
        EXPECT_FALSE(error.empty());
        EXPECT_EQ(out, Histogram()) << "failed decode must leave the output empty";
    }
    EXPECT_TRUE(Histogram::Decode(bytes, &out, nullptr));
}

TEST(HistogramCodec, TrailingBytesAreRejectedButDecodeFromConsumes) {
    std::string bytes = Encode(LogNormal(50, 3));
    const std::size_t one = bytes.size();
    bytes += Encode(Histogram());
    Histogram out;
    EXPECT_FALSE(Histogram::Decode(bytes, &out, nullptr));
    std::string_view in = bytes;
    ASSERT_TRUE(Histogram::DecodeFrom(&in, &out, nullptr));
    EXPECT_EQ(in.size(), bytes.size() - one);
    ASSERT_TRUE(Histogram::DecodeFrom(&in, &out, nullptr));
    EXPECT_TRUE(in.empty());
}

std::string Handmade(std::uint64_t count, std::uint64_t min, std::uint64_t max, std::uint64_t overflow,
                     std::initializer_list<std::uint64_t> pairs) {
    std::string s;
    wire::AppendHeader(&s, 'H', 1);
    ByteWriter w(&s);
    w.U64(count);
    w.U64(min);
    w.U64(max);
    w.U64(overflow);
    w.U64(min * count);
    // pairs are {gap, n}; written in the token form of the wire format.
    for (auto it = pairs.begin(); it != pairs.end(); it += 2) {
        const std::uint64_t gap = it[0], n = it[1];
        w.U64(gap * 4 + (n <= 3 ? n : 0));
        if (n > 3 || n == 0) w.U64(n);
    }
    return s;
}

std::string HandmadeTokens(std::initializer_list<std::uint64_t> tokens) {
    std::string s;
    wire::AppendHeader(&s, 'H', 1);
    for (auto t : tokens) ByteWriter(&s).U64(t);
    return s;
}

TEST(HistogramCodec, RejectsInconsistentContents) {
    Histogram out;
    std::string error;
    // The handmade baseline is valid: one sample of 5 at index 5.
    ASSERT_TRUE(Histogram::Decode(Handmade(1, 5, 5, 0, {5, 1}), &out, &error)) << error;
    EXPECT_EQ(out.ValueAtPercentile(50), 5);

    EXPECT_FALSE(Histogram::Decode(Handmade(1, 5, 5, 0, {5, 0}), &out, &error));        // zero count
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 5, 5, 0, {5, 2}), &out, &error));        // counts exceed total
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 6, 5, 0, {5, 1}), &out, &error));        // min > max
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 5, 5, 1, {5, 1}), &out, &error));        // overflow below max
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 5, 5, 2, {5, 1}), &out, &error));        // overflow > count
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 7, 7, 0, {5, 1}), &out, &error));        // min/max not in bucket
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 5, 5, 0, {Histogram::kCountsLen, 1}), &out, &error));  // index
    EXPECT_FALSE(Histogram::Decode(HandmadeTokens({1, 5, 5, 0, 5, ~std::uint64_t{0}}), &out, &error));  // huge gap
    // The long form (low bits 0) must carry n >= 4: smaller counts have the inline form.
    EXPECT_FALSE(Histogram::Decode(HandmadeTokens({1, 5, 5, 0, 5, 20, 1}), &out, &error));
    EXPECT_FALSE(Histogram::Decode(HandmadeTokens({1, 5, 5, 0, 5, 20, 0}), &out, &error));
    EXPECT_TRUE(Histogram::Decode(HandmadeTokens({1, 5, 5, 0, 5, 21}), &out, &error)) << error;
    EXPECT_TRUE(Histogram::Decode(HandmadeTokens({4, 5, 5, 0, 20, 20, 4}), &out, &error)) << error;
    EXPECT_EQ(out.Count(), 4u);
    EXPECT_FALSE(Histogram::Decode(Handmade(1, 0, std::uint64_t{1} << 40, 0, {0, 1}), &out, &error));  // max range
    EXPECT_FALSE(Histogram::Decode(Handmade(2, 5, 9, 0, {5, 1, 2, 1}), &out, &error));  // last bucket is 8, max 9
    EXPECT_TRUE(Histogram::Decode(Handmade(2, 5, 8, 0, {5, 1, 2, 1}), &out, &error)) << error;
    EXPECT_EQ(out.Count(), 2u);
    EXPECT_EQ(out.Max(), 8);
}

TEST(HistogramCodec, RandomGarbageNeverCrashes) {
    std::mt19937_64 rng(1234);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 48);
    Histogram out;
    int accepted = 0;
    for (int i = 0; i < 20'000; ++i) {
        std::string buf(length(rng), '\0');
        for (auto& c : buf) c = static_cast<char>(byte(rng));
        // Half the buffers get a valid header so the body parser is exercised too.
        if (i % 2 == 0 && buf.size() >= 2) {
            buf[0] = 'H';
            buf[1] = 1;
        }
        if (Histogram::Decode(buf, &out, nullptr)) {
            ++accepted;
            ExpectConsistent(out);
        } else {
            ASSERT_EQ(out, Histogram());
        }
    }
    EXPECT_LT(accepted, 1000);
}

TEST(HistogramCodec, MutatedEncodingsNeverCrash) {
    const std::string valid = Encode(LogNormal(300, 77));
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<std::size_t> pos(0, valid.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    Histogram out;
    for (int i = 0; i < 3000; ++i) {
        std::string buf = valid;
        for (int k = 0; k < 1 + i % 4; ++k) buf[pos(rng)] = static_cast<char>(byte(rng));
        if (Histogram::Decode(buf, &out, nullptr)) ExpectConsistent(out);
    }
}

// A decoded histogram remembers the counters it wrote (histogram.hpp, "Decoded histograms"): merging it adds just
// those and resetting it zeroes just those. Either way the result must be what the plain walk gives.
Histogram Spread(std::uint64_t seed, int samples) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(2000.0), 1.2);
    Histogram h;
    for (int i = 0; i < samples; ++i) h.Record(std::llround(latency(rng)));
    return h;
}

Histogram Decoded(const Histogram& h) {
    std::string bytes;
    h.AppendTo(&bytes);
    Histogram out;
    EXPECT_TRUE(Histogram::Decode(bytes, &out, nullptr));
    return out;
}

TEST(HistogramDecodedMerge, SparseAndDenseMergesAgree) {
    for (const int samples : {1, 40, 500, 5000, 50000}) {  // sparse ... dense enough for the span walk
        const Histogram a = Spread(1, samples);
        const Histogram b = Spread(2, samples);
        Histogram expected = a;
        expected += b;  // b was recorded, not decoded: the plain walk
        Histogram target = a;
        target += Decoded(b);
        EXPECT_EQ(target, expected) << samples;
        EXPECT_EQ(target.ValueAtPercentile(99), expected.ValueAtPercentile(99)) << samples;
        // Into an empty histogram (pages allocated as the counters land), and into itself.
        Histogram empty;
        empty += Decoded(b);
        EXPECT_EQ(empty, b) << samples;
        Histogram twice = Decoded(b);
        twice += twice;
        Histogram b2 = b;
        b2 += b;
        EXPECT_EQ(twice, b2) << samples;
    }
}

TEST(HistogramDecodedMerge, ReuseForgetsTheListWhenTheCountersChange) {
    // The coordinator's scratch: decoded into again and again; every decode must start from zero.
    std::string first;
    std::string second;
    Spread(3, 3000).AppendTo(&first);
    const Histogram narrow = Spread(4, 20);
    narrow.AppendTo(&second);
    Histogram scratch;
    ASSERT_TRUE(Histogram::Decode(first, &scratch, nullptr));
    ASSERT_TRUE(Histogram::Decode(second, &scratch, nullptr));
    EXPECT_EQ(scratch, narrow);
    // A recorded sample after the decode: the list no longer covers every counter, so merge and reset walk them all.
    scratch.Record(400'000);
    Histogram merged;
    merged += scratch;
    EXPECT_EQ(merged, scratch);
    EXPECT_EQ(merged.CountAtOrBelow(Histogram::kMaxValue), 21u);
    scratch.Reset();
    EXPECT_EQ(scratch, Histogram{});
    scratch.Record(7);
    EXPECT_EQ(scratch.CountAtOrBelow(Histogram::kMaxValue), 1u);
    EXPECT_EQ(scratch.CountAtOrBelow(400'000), 1u);  // nothing left of the decoded or recorded counters
    // A failed decode leaves it empty and usable.
    ASSERT_TRUE(Histogram::Decode(first, &scratch, nullptr));
    EXPECT_FALSE(Histogram::Decode(first.substr(0, first.size() - 1), &scratch, nullptr));
    EXPECT_EQ(scratch, Histogram{});
    scratch += Decoded(narrow);
    EXPECT_EQ(scratch, narrow);
    // Copies and moves carry the list or drop it, never a stale one.
    Histogram copy = Decoded(narrow);
    Histogram moved = std::move(copy);
    copy.Record(1);
    Histogram sum;
    sum += moved;
    sum += copy;
    EXPECT_EQ(sum.Count(), 21u);
    EXPECT_EQ(sum.CountAtOrBelow(1), 1u + narrow.CountAtOrBelow(1));
}

}  // namespace
}  // namespace lse::metrics
