#include "lse/protocol/clock_offset.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "lse/core/clock.hpp"

namespace lse::protocol {
namespace {

// A synthetic exchange: the coordinator's clock runs `offset` ahead of the agent's; the request
// takes `up` ns and the reply `down` ns.
ClockSample Exchange(std::int64_t t0, std::int64_t offset, std::int64_t up, std::int64_t down) {
    return ClockSample{t0, t0 + up + offset, t0 + up + down};
}

TEST(ClockOffset, SymmetricDelayGivesTheExactOffset) {
    const ClockOffset o = OffsetOf(Exchange(1'000'000, 5 * kNsPerSec, 300'000, 300'000));
    EXPECT_EQ(o.offset_ns, 5 * kNsPerSec);
    EXPECT_EQ(o.rtt_ns, 600'000);
}

TEST(ClockOffset, AsymmetricDelayErrsByHalfTheDifference) {
    const ClockOffset o = OffsetOf(Exchange(0, -7 * kNsPerMs, 900'000, 100'000));
    EXPECT_EQ(o.offset_ns, -7 * kNsPerMs + (900'000 - 100'000) / 2);
    EXPECT_LE(std::llabs(o.offset_ns - (-7 * kNsPerMs)), o.rtt_ns / 2);
}

TEST(ClockOffset, PicksTheSampleWithTheSmallestRtt) {
    const std::int64_t truth = 123 * kNsPerSec + 456;
    std::vector<ClockSample> samples = {
        Exchange(10 * kNsPerMs, truth, 4 * kNsPerMs, 1 * kNsPerMs),   // rtt 5 ms, skewed
        Exchange(20 * kNsPerMs, truth, 2 * kNsPerMs, 5 * kNsPerMs),   // rtt 7 ms
        Exchange(30 * kNsPerMs, truth, 150'000, 150'000),             // rtt 0.3 ms, symmetric: the winner
        Exchange(40 * kNsPerMs, truth, 1 * kNsPerMs, 0),              // rtt 1 ms
        Exchange(50 * kNsPerMs, truth, 20 * kNsPerMs, 20 * kNsPerMs), // rtt 40 ms
    };
    ClockOffset o;
    ASSERT_TRUE(EstimateClockOffset(samples, &o));
    EXPECT_EQ(o.offset_ns, truth);
    EXPECT_EQ(o.rtt_ns, 300'000);
}

TEST(ClockOffset, TiesKeepTheEarliestSample) {
    std::vector<ClockSample> samples = {Exchange(0, 1000, 10, 30), Exchange(100, 1000, 30, 10)};
    ClockOffset o;
    ASSERT_TRUE(EstimateClockOffset(samples, &o));
    EXPECT_EQ(o.offset_ns, 1000 - 10);  // first sample: up 10, down 30 -> midpoint error -10
}

TEST(ClockOffset, IgnoresImpossibleSamplesAndReportsNone) {
    ClockOffset o{42, 42};
    EXPECT_FALSE(EstimateClockOffset({}, &o));
    EXPECT_EQ(o.offset_ns, 42);  // untouched
    std::vector<ClockSample> bad = {ClockSample{100, 5, 50}};
    EXPECT_FALSE(EstimateClockOffset(bad, &o));
    bad.push_back(Exchange(200, -3, 5, 5));
    ASSERT_TRUE(EstimateClockOffset(bad, &o));
    EXPECT_EQ(o.offset_ns, -3);
}

TEST(ClockOffset, ConvertsBothWays) {
    const ClockOffset o{-2 * kNsPerSec, 1000};
    EXPECT_EQ(o.ToAgentNs(10 * kNsPerSec), 12 * kNsPerSec);
    EXPECT_EQ(o.ToCoordinatorNs(12 * kNsPerSec), 10 * kNsPerSec);
    // start_at in the coordinator clock maps to the same instant on the agent.
    const ClockSample s = Exchange(777, o.offset_ns, 500, 500);
    EXPECT_EQ(OffsetOf(s).ToAgentNs(s.coordinator_ns), s.t0_agent_ns + 500);
}

TEST(ClockOffset, LargeClockValuesDoNotOverflow) {
    const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 10 * kNsPerSec;
    const ClockOffset o = OffsetOf(Exchange(big, -5 * kNsPerSec, 1000, 1000));
    EXPECT_EQ(o.offset_ns, -5 * kNsPerSec);
    EXPECT_EQ(o.rtt_ns, 2000);
}

}  // namespace
}  // namespace lse::protocol
