#include "lse/metrics/status_counts.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lse::metrics {
namespace {

std::string Encode(const StatusCounts& s) {
    std::string out;
    s.AppendTo(&out);
    return out;
}

TEST(StatusCounts, CountsKnownCodesAndOther) {
    StatusCounts s;
    s.Record(200);
    s.Record(200);
    s.Record(503, 3);
    s.Record(100);
    s.Record(599);
    s.Record(0);
    s.Record(600);
    s.Record(-1);
    EXPECT_EQ(s.Count(200), 2u);
    EXPECT_EQ(s.Count(503), 3u);
    EXPECT_EQ(s.Count(100), 1u);
    EXPECT_EQ(s.Count(599), 1u);
    EXPECT_EQ(s.Count(600), 0u);
    EXPECT_EQ(s.Other(), 3u);
    EXPECT_EQ(s.Total(), 10u);
    EXPECT_EQ(s.CountRange(500, 599), 4u);
    EXPECT_EQ(s.CountRange(200, 299), 2u);
}

TEST(StatusCounts, IteratesNonZeroAscending) {
    StatusCounts s;
    s.Record(404);
    s.Record(200, 5);
    s.Record(999);
    std::vector<std::pair<int, std::uint64_t>> seen;
    s.ForEachNonZero([&](int status, std::uint64_t n) { seen.emplace_back(status, n); });
    const std::vector<std::pair<int, std::uint64_t>> want = {{200, 5}, {404, 1}};
    EXPECT_EQ(seen, want);
}

TEST(StatusCounts, MergeResetAndEquality) {
    StatusCounts a, b;
    a.Record(200);
    b.Record(200);
    b.Record(500);
    b.Record(42);
    a += b;
    EXPECT_EQ(a.Count(200), 2u);
    EXPECT_EQ(a.Count(500), 1u);
    EXPECT_EQ(a.Other(), 1u);
    EXPECT_FALSE(a == b);
    a.Reset();
    EXPECT_EQ(a, StatusCounts());
}

TEST(StatusCounts, RoundTripsAndStaysSmall) {
    StatusCounts s;
    EXPECT_LE(Encode(s).size(), 4u);
    s.Record(100);
    s.Record(200, 123'456);
    s.Record(302);
    s.Record(599, 2);
    s.Record(1000);
    const std::string bytes = Encode(s);
    EXPECT_LT(bytes.size(), 24u);
    StatusCounts out;
    std::string error;
    ASSERT_TRUE(StatusCounts::Decode(bytes, &out, &error)) << error;
    EXPECT_EQ(out, s);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        EXPECT_FALSE(StatusCounts::Decode(std::string_view(bytes.data(), len), &out, &error)) << len;
        EXPECT_EQ(out, StatusCounts());
    }
    EXPECT_FALSE(StatusCounts::Decode(bytes + "x", &out, &error));
}

TEST(StatusCounts, RejectsOutOfRangeCodes) {
    // Header, other=0, one entry with gap 500 -> code 600.
    const std::string bad{'S', 1, 0, 1, static_cast<char>(0xf4), 0x03, 1};
    StatusCounts out;
    std::string error;
    EXPECT_FALSE(StatusCounts::Decode(bad, &out, &error));
    EXPECT_NE(error.find("range"), std::string::npos);
    // Gap 499 -> 599 is fine.
    const std::string good{'S', 1, 0, 1, static_cast<char>(0xf3), 0x03, 1};
    EXPECT_TRUE(StatusCounts::Decode(good, &out, &error)) << error;
    EXPECT_EQ(out.Count(599), 1u);
}

TEST(StatusCounts, RandomGarbageNeverCrashes) {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 32);
    StatusCounts out;
    for (int i = 0; i < 20'000; ++i) {
        std::string buf(length(rng), '\0');
        for (auto& c : buf) c = static_cast<char>(byte(rng));
        if (i % 2 == 0 && buf.size() >= 2) {
            buf[0] = 'S';
            buf[1] = 1;
        }
        if (StatusCounts::Decode(buf, &out, nullptr)) {
            StatusCounts again;
            ASSERT_TRUE(StatusCounts::Decode(Encode(out), &again, nullptr));
            EXPECT_EQ(again, out);
        }
    }
}

}  // namespace
}  // namespace lse::metrics
