#include "lse/sched/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"

namespace lse::sched {
namespace {

std::vector<std::int64_t> Drain(ArrivalSchedule* s) {
    std::vector<std::int64_t> out;
    std::int64_t t = 0;
    while (s->Next(&t)) out.push_back(t);
    return out;
}

// All shards' arrivals merged in time order.
std::vector<std::int64_t> DrainShards(const RateProfile& p, const std::vector<ShardSegment>& segs) {
    std::vector<std::int64_t> all;
    for (const auto& seg : segs) {
        ArrivalSchedule s(p, seg);
        const std::int64_t planned = s.PlannedCount();
        auto mine = Drain(&s);
        EXPECT_EQ(static_cast<std::int64_t>(mine.size()), planned);
        EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
        all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    return all;
}

TEST(ArrivalSchedule, ConstantTenPerSecondIsMidSlotAndEven) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    EXPECT_EQ(s.PlannedCount(), 10);
    const auto times = Drain(&s);
    ASSERT_EQ(times.size(), 10u);
    EXPECT_EQ(times.front(), 50 * kNsPerMs);
    for (std::size_t i = 1; i < times.size(); ++i) {
        EXPECT_NEAR(times[i] - times[i - 1], 100 * kNsPerMs, 1) << i;
    }
    std::int64_t t = 0;
    EXPECT_FALSE(s.Next(&t));
    EXPECT_FALSE(s.Peek(&t));
}

TEST(ArrivalSchedule, PeekDoesNotConsume) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    std::int64_t a = 0, b = 0, c = 0;
    ASSERT_TRUE(s.Peek(&a));
    ASSERT_TRUE(s.Peek(&b));
    ASSERT_TRUE(s.Next(&c));
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c);
    ASSERT_TRUE(s.Peek(&a));
    EXPECT_EQ(a, 150 * kNsPerMs);
    EXPECT_EQ(s.EmittedCount(), 1);
    EXPECT_EQ(s.PlannedCount(), 10);
}

TEST(ArrivalSchedule, HalfPerSecond) {
    ArrivalSchedule s(RateProfile::Constant(0.5, 10 * kNsPerSec));
    const auto times = Drain(&s);
    ASSERT_EQ(times.size(), 5u);
    for (std::size_t i = 0; i < times.size(); ++i) {
        EXPECT_NEAR(times[i], static_cast<std::int64_t>(2 * i + 1) * kNsPerSec, 1);
    }
    // Less than half an arrival in the whole run: none.
    ArrivalSchedule tiny(RateProfile::Constant(0.4, kNsPerSec));
    EXPECT_EQ(tiny.PlannedCount(), 0);
    std::int64_t t = 0;
    EXPECT_FALSE(tiny.Next(&t));
}

TEST(ArrivalSchedule, ThreePerSecondOverTwoShardsIsExactlyThreeEverySecond) {
    const RateProfile p = RateProfile::Constant(3.0, 20 * kNsPerSec);
    const auto all = DrainShards(p, ShardSegment::SplitByWeights({1.0, 1.0}));
    ASSERT_EQ(all.size(), 60u);
    for (std::int64_t sec = 0; sec < 20; ++sec) {
        const auto n = std::count_if(all.begin(), all.end(),
                                     [&](std::int64_t t) { return t >= sec * kNsPerSec && t < (sec + 1) * kNsPerSec; });
        EXPECT_EQ(n, 3) << "second " << sec;
    }
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());  // no duplicates
}

TEST(ArrivalSchedule, LinearRampHasQuadraticDensity) {
    const RateProfile p(0.0, {Stage{10 * kNsPerSec, 100.0}});
    ArrivalSchedule s(p);
    const auto times = Drain(&s);
    ASSERT_EQ(times.size(), 500u);
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
    for (std::int64_t sec = 0; sec < 10; ++sec) {
        const double expected = p.ArrivalsBy((sec + 1) * kNsPerSec) - p.ArrivalsBy(sec * kNsPerSec);  // 10*sec + 5
        const auto n = std::count_if(times.begin(), times.end(),
                                     [&](std::int64_t t) { return t >= sec * kNsPerSec && t < (sec + 1) * kNsPerSec; });
        EXPECT_NEAR(static_cast<double>(n), expected, 1.0) << "second " << sec;
    }
    EXPECT_EQ(std::count_if(times.begin(), times.end(), [](std::int64_t t) { return t < 5 * kNsPerSec; }), 125);
}

TEST(ArrivalSchedule, MultiStageWithGap) {
    // 10 rps for 2 s, ramp to 20 over 2 s, hold 20 for 2 s, drop to 0 and stay there 2 s, 10 rps for 1 s.
    const RateProfile p(10.0, {Stage{2 * kNsPerSec, 10.0}, Stage{2 * kNsPerSec, 20.0}, Stage{2 * kNsPerSec, 20.0},
                               Stage{1, 0.0}, Stage{2 * kNsPerSec, 0.0}, Stage{1, 10.0}, Stage{kNsPerSec, 10.0}});
    ArrivalSchedule s(p);
    const auto times = Drain(&s);
    ASSERT_EQ(times.size(), 20u + 30u + 40u + 10u);
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
    auto in = [&](std::int64_t from_s, std::int64_t to_s) {
        return std::count_if(times.begin(), times.end(),
                             [&](std::int64_t t) { return t >= from_s * kNsPerSec && t < to_s * kNsPerSec; });
    };
    EXPECT_EQ(in(0, 2), 20);
    EXPECT_EQ(in(2, 4), 30);
    EXPECT_EQ(in(4, 6), 40);
    EXPECT_EQ(in(6, 8), 0);  // the gap (plus one ns either side)
}

TEST(ArrivalSchedule, FiftyThousandPerSecond) {
    ArrivalSchedule s(RateProfile::Constant(50'000.0, kNsPerSec));
    const auto times = Drain(&s);
    ASSERT_EQ(times.size(), 50'000u);
    EXPECT_EQ(times.front(), 10 * kNsPerUs);
    std::int64_t min_gap = kNsPerSec, max_gap = 0;
    for (std::size_t i = 1; i < times.size(); ++i) {
        min_gap = std::min(min_gap, times[i] - times[i - 1]);
        max_gap = std::max(max_gap, times[i] - times[i - 1]);
    }
    EXPECT_GE(min_gap, 20 * kNsPerUs - 1);
    EXPECT_LE(max_gap, 20 * kNsPerUs + 1);
}

TEST(ArrivalSchedule, ShardsTogetherEqualTheWholeRun) {
    const RateProfile p(0.0, {Stage{3 * kNsPerSec, 2000.0}, Stage{4 * kNsPerSec, 700.0}});
    ArrivalSchedule whole(p);
    const auto expected = Drain(&whole);
    const auto shards = ShardSegment::SplitByWeights({1.0, 7.5, 0.25, 3.0, 0.0, 2.0, 11.0});
    EXPECT_EQ(DrainShards(p, shards), expected);
    std::int64_t planned = 0;
    for (const auto& seg : shards) planned += ArrivalSchedule(p, seg).PlannedCount();
    EXPECT_EQ(planned, whole.GlobalCount());
}

TEST(ArrivalSchedule, TinyShareSkipsOthersCheaply) {
    // 50k rps for 60 s = 3M global arrivals; a 1/1000 share gets ~3000 of them without walking the rest.
    const RateProfile p = RateProfile::Constant(50'000.0, 60 * kNsPerSec);
    const auto segs = ShardSegment::SplitByWeights({1.0, 999.0});
    ArrivalSchedule small(p, segs[0]);
    const auto times = Drain(&small);
    EXPECT_EQ(static_cast<std::int64_t>(times.size()), small.PlannedCount());
    EXPECT_NEAR(static_cast<double>(times.size()), 3'000'000 * segs[0].Share(), 4.0);
    ArrivalSchedule big(p, segs[1]);
    EXPECT_EQ(small.PlannedCount() + big.PlannedCount(), 3'000'000);
}

// Three agents split the run; agent C dies at 3.9 s; A and B take over C's share from 4 s on.
TEST(ArrivalSchedule, ReshardMidRunNeitherLosesNorDuplicates) {
    const RateProfile p = RateProfile::Constant(1000.0, 10 * kNsPerSec);
    const auto old_split = ShardSegment::SplitByWeights({1.0, 1.0, 1.0});
    const auto new_split = ShardSegment::SplitByWeights({1.0, 1.0});
    const std::int64_t death_ns = 3900 * kNsPerMs;
    const std::int64_t from_ns = 4 * kNsPerSec;

    std::vector<std::int64_t> done;  // arrivals actually started by someone
    std::vector<ArrivalSchedule> agents;
    for (const auto& seg : old_split) agents.emplace_back(p, seg);
    auto take_until = [&](ArrivalSchedule& s, std::int64_t until_ns) {
        std::int64_t t = 0;
        while (s.Peek(&t) && t < until_ns) {
            s.Next(&t);
            done.push_back(t);
        }
    };
    for (auto& a : agents) take_until(a, death_ns);
    const std::int64_t dead_started = agents[2].EmittedCount();
    take_until(agents[0], from_ns);  // survivors keep running up to the switch
    take_until(agents[1], from_ns);
    agents[0].Reshard(new_split[0], from_ns);
    agents[1].Reshard(new_split[1], from_ns);
    EXPECT_EQ(agents[0].segment(), new_split[0]);
    const std::int64_t planned = agents[0].PlannedCount() + agents[1].PlannedCount();
    take_until(agents[0], p.TotalDurationNs() + 1);
    take_until(agents[1], p.TotalDurationNs() + 1);
    std::sort(done.begin(), done.end());
    EXPECT_EQ(std::adjacent_find(done.begin(), done.end()), done.end()) << "duplicate arrival";

    ArrivalSchedule whole(p);
    auto expected = Drain(&whole);
    std::vector<std::int64_t> lost;
    std::set_difference(expected.begin(), expected.end(), done.begin(), done.end(), std::back_inserter(lost));
    EXPECT_TRUE(std::includes(expected.begin(), expected.end(), done.begin(), done.end()));
    // Only C's own arrivals between its death and the switch are lost: about a third of 100.
    EXPECT_NEAR(static_cast<double>(lost.size()), 100.0 / 3.0, 2.0);
    for (std::int64_t t : lost) {
        EXPECT_GE(t, death_ns);
        EXPECT_LT(t, from_ns);
    }
    // The survivors' PlannedCount covers what they ran before plus their new, larger share after.
    EXPECT_EQ(planned + dead_started, static_cast<std::int64_t>(done.size()));
}

TEST(ArrivalSchedule, ReshardTooLateThrows) {
    ArrivalSchedule s(RateProfile::Constant(10.0, kNsPerSec));
    std::int64_t t = 0;
    s.Next(&t);
    s.Next(&t);  // 150 ms taken
    EXPECT_THROW(s.Reshard(ShardSegment::Whole(), 100 * kNsPerMs), UsageError);
    EXPECT_THROW(s.Reshard(ShardSegment{3, 2}, 500 * kNsPerMs), UsageError);
    EXPECT_NO_THROW(s.Reshard(ShardSegment{0, kShardUnits / 2}, 151 * kNsPerMs));
    ASSERT_TRUE(s.Peek(&t));
    EXPECT_EQ(t, 250 * kNsPerMs);        // arrival 3 is odd: owned by the first half
    EXPECT_EQ(s.PlannedCount(), 2 + 4);  // 3, 5, 7, 9
}

TEST(ArrivalSchedule, ReshardTakesEffectAtFromNotWhenCalled) {
    // Half the arrivals of 100 rps x 2 s; at 0.5 s (call time) reshard to a quarter from 1 s on.
    const RateProfile p = RateProfile::Constant(100, 2 * kNsPerSec);
    ArrivalSchedule s(p, ShardSegment::SplitByWeights({1.0, 1.0})[0]);
    std::int64_t t = 0;
    int before_call = 0;
    while (s.Peek(&t) && t < kNsPerSec / 2) {
        s.Next(&t);
        ++before_call;
    }
    s.Reshard(ShardSegment{0, kShardUnits / 4}, kNsPerSec);
    int until_from = 0;
    int after_from = 0;
    while (s.Next(&t)) (t < kNsPerSec ? until_from : after_from)++;
    EXPECT_EQ(before_call + until_from, 50) << "the old slice keeps its arrivals until from_ns";
    EXPECT_NEAR(after_from, 25, kShardMaxDeviation);
    EXPECT_EQ(s.PlannedCount(), before_call + until_from + after_from);
}

TEST(ArrivalSchedule, RepeatedReshardIsHarmlessEvenWhenTheOldSliceHadNothingLeft) {
    // A rejoining agent: an empty slice until 1 s, then half. Saying so twice (a resent Rebalance) changes nothing.
    const RateProfile p = RateProfile::Constant(100, 2 * kNsPerSec);
    const ShardSegment half = ShardSegment::SplitByWeights({1.0, 1.0})[0];
    ArrivalSchedule once(p, ShardSegment{0, 0});
    once.Reshard(half, kNsPerSec);
    ArrivalSchedule twice(p, ShardSegment{0, 0});
    twice.Reshard(half, kNsPerSec);
    twice.Reshard(half, kNsPerSec);
    const std::vector<std::int64_t> a = Drain(&once);
    const std::vector<std::int64_t> b = Drain(&twice);
    EXPECT_EQ(a, b);
    ASSERT_FALSE(a.empty());
    EXPECT_GE(a.front(), kNsPerSec) << "nothing before the switch: the old slice was empty";
    EXPECT_NEAR(static_cast<double>(a.size()), 50.0, kShardMaxDeviation);
}

TEST(ArrivalSchedule, TwoPendingReshardsEachTakeEffectAtTheirOwnTime) {
    // Whole until 0.5 s, then the first half until 1.5 s, then the second half: every arrival once, in the
    // slice that owns it at its intended time.
    const RateProfile p = RateProfile::Constant(100, 2 * kNsPerSec);
    const auto halves = ShardSegment::SplitByWeights({1.0, 1.0});
    ArrivalSchedule s(p);
    s.Reshard(halves[0], kNsPerSec / 2);
    s.Reshard(halves[1], 3 * kNsPerSec / 2);
    const std::int64_t planned = s.PlannedCount();
    const std::vector<std::int64_t> got = Drain(&s);
    EXPECT_EQ(static_cast<std::int64_t>(got.size()), planned);
    int early = 0, middle = 0, late = 0;
    for (std::int64_t t : got) (t < kNsPerSec / 2 ? early : t < 3 * kNsPerSec / 2 ? middle : late)++;
    EXPECT_EQ(early, 50);
    EXPECT_NEAR(middle, 50, kShardMaxDeviation);
    EXPECT_NEAR(late, 25, kShardMaxDeviation);
    // The second half's own schedule gives exactly the same arrivals after 1.5 s.
    ArrivalSchedule second(p, halves[1]);
    int expected_late = 0;
    for (std::int64_t t : Drain(&second)) expected_late += t >= 3 * kNsPerSec / 2 ? 1 : 0;
    EXPECT_EQ(late, expected_late);
}

TEST(ArrivalSchedule, ALaterReshardAtAnEarlierInstantReplacesThePendingOne) {
    const RateProfile p = RateProfile::Constant(100, 2 * kNsPerSec);
    const auto halves = ShardSegment::SplitByWeights({1.0, 1.0});
    ArrivalSchedule s(p);
    s.Reshard(halves[1], 3 * kNsPerSec / 2);
    s.Reshard(halves[0], kNsPerSec);  // replaces the switch at 1.5 s
    ArrivalSchedule expected(p);
    expected.Reshard(halves[0], kNsPerSec);
    EXPECT_EQ(Drain(&s), Drain(&expected));
}

}  // namespace
}  // namespace lse::sched
