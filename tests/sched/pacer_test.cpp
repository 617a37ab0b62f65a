#include "lse/sched/pacer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "lse/core/clock.hpp"

namespace lse::sched {
namespace {

constexpr std::int64_t kStart = 1'000 * kNsPerSec;  // an arbitrary monotonic origin

TEST(Pacer, ReleasesOnTimeAndNeverEarly) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    Pacer pacer(&s, kStart);
    std::array<std::int64_t, 16> out{};
    EXPECT_EQ(pacer.NextDueNs(), kStart + 50 * kNsPerMs);
    EXPECT_EQ(pacer.TakeDue(kStart, 0, out.data(), out.size()), 0u);
    EXPECT_EQ(pacer.TakeDue(kStart + 50 * kNsPerMs - 1, 0, out.data(), out.size()), 0u);
    ASSERT_EQ(pacer.TakeDue(kStart + 50 * kNsPerMs, 0, out.data(), out.size()), 1u);
    EXPECT_EQ(out[0], kStart + 50 * kNsPerMs);
    EXPECT_EQ(pacer.NextDueNs(), kStart + 150 * kNsPerMs);
}

TEST(Pacer, SlackTakesNearArrivalsButNoFurther) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    Pacer pacer(&s, kStart);
    std::array<std::int64_t, 16> out{};
    const std::int64_t now = kStart + 100 * kNsPerMs;
    const std::int64_t slack = 60 * kNsPerMs;
    ASSERT_EQ(pacer.TakeDue(now, slack, out.data(), out.size()), 2u);  // 50 ms (late) and 150 ms (early by 50)
    EXPECT_EQ(out[0], kStart + 50 * kNsPerMs);
    EXPECT_EQ(out[1], kStart + 150 * kNsPerMs);
    EXPECT_LE(out[1] - now, slack);
    EXPECT_EQ(pacer.TakeDue(now, slack, out.data(), out.size()), 0u);  // 250 ms is 150 ms away
    EXPECT_EQ(pacer.TakeDue(now, -5, out.data(), out.size()), 0u);     // negative slack is 0
}

TEST(Pacer, StallReturnsEveryOverdueArrivalWithItsOriginalTime) {
    const RateProfile p = RateProfile::Constant(1000.0, 5 * kNsPerSec);
    ArrivalSchedule reference(p);
    std::vector<std::int64_t> expected;
    for (std::int64_t t = 0; reference.Next(&t);) expected.push_back(kStart + t);

    ArrivalSchedule s(p);
    Pacer pacer(&s, kStart);
    FakeClock clock(kStart);
    std::vector<std::int64_t> got;
    std::array<std::int64_t, 64> out{};
    const std::int64_t slack = 200 * kNsPerUs;
    auto tick = [&]() {
        std::size_t n;
        while ((n = pacer.TakeDue(clock.NowNs(), slack, out.data(), out.size())) > 0) {
            for (std::size_t i = 0; i < n; ++i) {
                EXPECT_LE(out[i], clock.NowNs() + slack) << "released early";
                got.push_back(out[i]);
            }
        }
    };
    // Normal running: wake 1 ms apart for 2 s.
    while (clock.NowNs() < kStart + 2 * kNsPerSec) {
        clock.AdvanceNs(kNsPerMs);
        tick();
    }
    const std::size_t before_stall = got.size();
    EXPECT_NEAR(static_cast<double>(before_stall), 2000.0, 1.0);
    // The loop stalls for a whole second: one wake-up must hand back all ~1000 overdue arrivals.
    clock.AdvanceNs(kNsPerSec);
    tick();
    const std::size_t after_stall = got.size();
    EXPECT_NEAR(static_cast<double>(after_stall - before_stall), 1000.0, 1.0);
    for (std::size_t i = before_stall; i < after_stall; ++i) {
        EXPECT_LT(got[i], clock.NowNs());  // all overdue, still carrying their intended time
    }
    EXPECT_LT(got[before_stall], kStart + 2 * kNsPerSec + 2 * kNsPerMs);  // the oldest is from before the stall
    // Drive to the end by arming the "timer" exactly at NextDueNs.
    while (!pacer.Done()) {
        const std::int64_t due = pacer.NextDueNs();
        ASSERT_GT(due, 0);
        clock.SetNs(std::max(clock.NowNs(), due - slack));
        tick();
    }
    EXPECT_EQ(pacer.NextDueNs(), -1);
    EXPECT_EQ(got, expected);  // nothing lost, nothing shifted, in order
}

TEST(Pacer, MaxBoundsOneCall) {
    ArrivalSchedule s(RateProfile::Constant(100.0, kNsPerSec));
    Pacer pacer(&s, kStart);
    std::array<std::int64_t, 8> out{};
    EXPECT_EQ(pacer.TakeDue(kStart + kNsPerSec, 0, out.data(), 3), 3u);
    EXPECT_EQ(out[0], kStart + 5 * kNsPerMs);
    std::size_t total = 3;
    std::size_t n;
    while ((n = pacer.TakeDue(kStart + kNsPerSec, 0, out.data(), out.size())) > 0) total += n;
    EXPECT_EQ(total, 100u);
    EXPECT_TRUE(pacer.Done());
}

TEST(Pacer, SeesReshardImmediately) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    Pacer pacer(&s, kStart);
    s.Reshard(ShardSegment{kShardUnits / 2, kShardUnits}, 0);  // even global arrivals only
    EXPECT_EQ(pacer.NextDueNs(), kStart + 150 * kNsPerMs);
    s.Reshard(ShardSegment{0, 0}, 0);
    EXPECT_TRUE(pacer.Done());
    EXPECT_EQ(pacer.NextDueNs(), -1);
}

}  // namespace
}  // namespace lse::sched
