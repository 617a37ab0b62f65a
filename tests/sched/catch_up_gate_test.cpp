#include "lse/sched/catch_up_gate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/sched/arrival_schedule.hpp"
#include "lse/sched/pacer.hpp"

namespace lse::sched {
namespace {

constexpr std::int64_t kStart = 1'000 * kNsPerSec;  // an arbitrary monotonic origin
constexpr std::int64_t kSlack = 20 * kNsPerUs;

struct Start {
    std::int64_t intended;
    std::int64_t real;
};

/// The worker's open-model loop with computed times: a Pacer, the gate, and a timer armed where the gate says.
/// Arrivals later than the limit when taken are dropped (counted), the others started.
class Driver {
public:
    Driver(const RateProfile& profile, std::int64_t limit)
        : schedule_(profile), pacer_(&schedule_, kStart), limit_(limit) {}

    /// One wake-up of the loop at now: take what the gate allows. Returns the next planned wake-up (-1: done).
    std::int64_t Wake(std::int64_t now) {
        std::array<std::int64_t, 64> out{};
        for (;;) {
            const std::int64_t horizon = gate_.Horizon(now, pacer_.NextDueNs(), limit_);
            EXPECT_GE(horizon, now - limit_);
            EXPECT_LE(horizon, now);
            const std::size_t n = pacer_.TakeDue(horizon, gate_.CatchingUp() ? 0 : kSlack, out.data(), out.size());
            for (std::size_t i = 0; i < n; ++i) {
                if (now - out[i] > limit_) {
                    ++dropped_;
                    drop_times_.push_back(now);
                } else {
                    starts_.push_back({out[i], now});
                }
            }
            if (n < out.size()) break;
        }
        const std::int64_t next = pacer_.NextDueNs();
        if (next < 0) return -1;
        return gate_.CatchingUp() ? gate_.WakeAtNs(next) : next;
    }

    /// Runs to the end; the loop is frozen during every [from, to) of `stalls` (a wake-up due then happens at to).
    void Run(const std::vector<std::pair<std::int64_t, std::int64_t>>& stalls) {
        std::int64_t t = kStart;
        while (t >= 0) {
            for (const auto& [from, to] : stalls) {
                if (t >= from && t < to) t = to;
            }
            t = Wake(t);
        }
    }

    /// Most starts within any window of `width` real time.
    int MaxInWindow(std::int64_t width) const {
        std::vector<std::int64_t> real;
        for (const auto& s : starts_) real.push_back(s.real);
        std::sort(real.begin(), real.end());
        int best = 0;
        size_t j = 0;
        for (size_t i = 0; i < real.size(); ++i) {
            while (j < real.size() && real[j] - real[i] < width) ++j;
            best = std::max(best, static_cast<int>(j - i));
        }
        return best;
    }

    CatchUpGate& gate() { return gate_; }
    const std::vector<Start>& starts() const { return starts_; }
    long dropped() const { return dropped_; }
    const std::vector<std::int64_t>& drop_times() const { return drop_times_; }

private:
    ArrivalSchedule schedule_;
    Pacer pacer_;
    CatchUpGate gate_;
    std::int64_t limit_;
    std::vector<Start> starts_;
    long dropped_ = 0;
    std::vector<std::int64_t> drop_times_;
};

std::vector<std::int64_t> Reference(const RateProfile& p) {
    ArrivalSchedule s(p);
    std::vector<std::int64_t> out;
    for (std::int64_t t = 0; s.Next(&t);) out.push_back(kStart + t);
    return out;
}

std::vector<std::int64_t> Intended(const std::vector<Start>& starts) {
    std::vector<std::int64_t> out;
    for (const auto& s : starts) out.push_back(s.intended);
    return out;
}

TEST(CatchUpGate, OnTimeAndJitterLateWakeUpsTakeEverythingDue) {
    CatchUpGate gate;
    // On time, and up to 50 ms late (jitter): the horizon is now, as with Pacer alone.
    EXPECT_EQ(gate.Horizon(kStart, kStart, kNsPerSec), kStart);
    EXPECT_EQ(gate.Horizon(kStart + 50 * kNsPerMs, kStart, kNsPerSec), kStart + 50 * kNsPerMs);
    EXPECT_FALSE(gate.CatchingUp());
    EXPECT_EQ(gate.WakeAtNs(kStart + 7), kStart + 7);
    EXPECT_EQ(gate.Horizon(kStart, -1, kNsPerSec), kStart);  // nothing left
    EXPECT_FALSE(gate.CatchingUp());
}

TEST(CatchUpGate, ReplaysTheOverdueScheduleAtTwiceRealTime) {
    CatchUpGate gate;
    const std::int64_t due = kStart;
    const std::int64_t now = kStart + 2 * kNsPerSec;  // 2 s late: a stall
    EXPECT_EQ(gate.Horizon(now, due, 30 * kNsPerSec), due);  // only the oldest arrival, at once
    EXPECT_TRUE(gate.CatchingUp());
    // The next arrival 10 ms after it is reached 5 ms later in real time.
    EXPECT_EQ(gate.WakeAtNs(due + 10 * kNsPerMs), now + 5 * kNsPerMs);
    EXPECT_EQ(gate.Horizon(now + 5 * kNsPerMs, due + 10 * kNsPerMs, 30 * kNsPerSec), due + 10 * kNsPerMs);
    // 1 s of real time later the position has advanced 2 s: 1 s of the backlog is gone.
    EXPECT_EQ(gate.WakeAtNs(due + 1010 * kNsPerMs), now + 505 * kNsPerMs);
    EXPECT_EQ(gate.Horizon(now + 505 * kNsPerMs, due + 1010 * kNsPerMs, 30 * kNsPerSec), due + 1010 * kNsPerMs);
    // The position reaches now 2 s after the stall ended: on time again.
    EXPECT_EQ(gate.WakeAtNs(due + 4 * kNsPerSec), now + 2 * kNsPerSec);
    EXPECT_EQ(gate.Horizon(now + 2 * kNsPerSec, due + 4 * kNsPerSec - 1, 30 * kNsPerSec), now + 2 * kNsPerSec);
    EXPECT_FALSE(gate.CatchingUp());
}

TEST(CatchUpGate, NeverFurtherBehindThanTheLimit) {
    CatchUpGate gate;
    const std::int64_t now = kStart + 5 * kNsPerSec;
    EXPECT_EQ(gate.Horizon(now, kStart, kNsPerSec), now - kNsPerSec);  // the 4 s before are the driver's to drop
    EXPECT_TRUE(gate.CatchingUp());
    EXPECT_EQ(gate.PositionNs(), now - kNsPerSec);
}

TEST(CatchUpGate, NothingOverdueEndsTheCatchUpAndNoArrivalIsTakenEarly) {
    CatchUpGate gate;
    const std::int64_t now = kStart + 2 * kNsPerSec;
    EXPECT_EQ(gate.Horizon(now, kStart, 30 * kNsPerSec), kStart);
    // The next arrival is in the future (a gap in the schedule, or a reshard took the rest): it is due at its
    // intended time, not when the replay would reach it, and never before.
    EXPECT_EQ(gate.WakeAtNs(now + 100 * kNsPerMs), now + 100 * kNsPerMs);  // the replay would reach it at now + 1.05 s
    EXPECT_EQ(gate.Horizon(now + 10 * kNsPerMs, now + 100 * kNsPerMs, 30 * kNsPerSec), now + 10 * kNsPerMs);
    EXPECT_FALSE(gate.CatchingUp());
}

TEST(CatchUpGate, ResetStartsAfreshFromTheOldestDueArrival) {
    CatchUpGate gate;
    const std::int64_t now = kStart + 2 * kNsPerSec;
    EXPECT_EQ(gate.Horizon(now, kStart, 30 * kNsPerSec), kStart);
    gate.Reset();  // held: nothing taken for 3 s
    EXPECT_FALSE(gate.CatchingUp());
    // Resumed: the held time is not progress; the replay starts at the oldest due arrival.
    EXPECT_EQ(gate.Horizon(now + 3 * kNsPerSec, kStart + kNsPerMs, 30 * kNsPerSec), kStart + kNsPerMs);
    EXPECT_TRUE(gate.CatchingUp());
}

TEST(CatchUpGate, FactorBelowTwoIsTwo) {
    EXPECT_EQ(CatchUpGate(1).factor(), 2);
    EXPECT_EQ(CatchUpGate(3).factor(), 3);
}

// A 5 s freeze at 100/s, max_wait 30 s: nothing is lost, nothing shifted, and the 500 overdue arrivals drain at
// twice the planned rate (200/s) instead of in one instant. Pacer alone would start them at once.
TEST(CatchUpGate, StallShorterThanTheLimitDrainsAtTwiceTheRateWithoutDrops) {
    const RateProfile p = RateProfile::Constant(100.0, 20 * kNsPerSec);
    Driver d(p, 30 * kNsPerSec);
    d.Run({{kStart + 3 * kNsPerSec, kStart + 8 * kNsPerSec}});
    EXPECT_EQ(d.dropped(), 0);
    EXPECT_EQ(Intended(d.starts()), Reference(p));  // every arrival once, in order, with its original time
    EXPECT_LE(d.MaxInWindow(kNsPerSec), 201);
    EXPECT_LE(d.MaxInWindow(100 * kNsPerMs), 21);
    // The 5 s lag drains at one extra planned rate: on time again 5 s after the resume, and not before.
    std::int64_t caught_up = -1;
    for (const auto& s : d.starts()) {
        if (s.real >= kStart + 8 * kNsPerSec && s.real - s.intended <= kSlack) {
            caught_up = s.real;
            break;
        }
    }
    EXPECT_NEAR(static_cast<double>(caught_up - kStart), 13.0 * kNsPerSec, 20.0 * kNsPerMs);
}

// The same freeze with max_wait 1 s: the 4 s older than that are dropped at once on resume, the last second
// is caught up at 2x, no started arrival is older than the limit.
TEST(CatchUpGate, StallLongerThanTheLimitDropsTheOldestAtOnceAndPacesTheRest) {
    const RateProfile p = RateProfile::Constant(100.0, 20 * kNsPerSec);
    Driver d(p, kNsPerSec);
    d.Run({{kStart + 3 * kNsPerSec, kStart + 8 * kNsPerSec}});
    EXPECT_NEAR(static_cast<double>(d.dropped()), 400.0, 1.0);
    for (std::int64_t t : d.drop_times()) EXPECT_EQ(t, kStart + 8 * kNsPerSec);  // all at the resume
    EXPECT_EQ(static_cast<long>(d.starts().size()) + d.dropped(), 2000);
    for (const auto& s : d.starts()) EXPECT_LE(s.real - s.intended, kNsPerSec);
    EXPECT_LE(d.MaxInWindow(kNsPerSec), 201);
    EXPECT_LE(d.MaxInWindow(100 * kNsPerMs), 21);
}

// Stalled again while catching up: the second stall adds lag, it is not taken as progress (which would let
// twice its length of arrivals out at once).
TEST(CatchUpGate, AStallWhileCatchingUpAddsLagNotABurst) {
    const RateProfile p = RateProfile::Constant(100.0, 20 * kNsPerSec);
    Driver d(p, 30 * kNsPerSec);
    d.Run({{kStart + 3 * kNsPerSec, kStart + 5 * kNsPerSec}, {kStart + 6 * kNsPerSec, kStart + 7 * kNsPerSec}});
    EXPECT_EQ(d.dropped(), 0);
    EXPECT_EQ(Intended(d.starts()), Reference(p));
    EXPECT_LE(d.MaxInWindow(100 * kNsPerMs), 21);
    EXPECT_LE(d.MaxInWindow(kNsPerSec), 201);
}

// Any profile shape: the catch-up is in schedule time, so during a ramp consecutive overdue arrivals are
// started at least half their planned spacing apart.
TEST(CatchUpGate, OnARampOverdueArrivalsKeepHalfTheirPlannedSpacing) {
    const RateProfile p(0.0, {{10 * kNsPerSec, 1000.0}});  // 0 to 1000/s over 10 s
    Driver d(p, 30 * kNsPerSec);
    d.Run({{kStart + 5 * kNsPerSec, kStart + 7 * kNsPerSec}});
    EXPECT_EQ(d.dropped(), 0);
    ASSERT_EQ(Intended(d.starts()), Reference(p));
    int late = 0;
    for (size_t i = 1; i < d.starts().size(); ++i) {
        const Start& a = d.starts()[i - 1];
        const Start& b = d.starts()[i];
        if (b.real - b.intended <= CatchUpGate::kDefaultAfterNs) continue;  // on time
        ++late;
        EXPECT_GE(b.real - a.real, (b.intended - a.intended) / 2 - 1) << i;
    }
    EXPECT_GT(late, 1000);
}

// Without the gate (Pacer alone, the old driver) the same 5 s freeze starts ~500 arrivals in one instant.
TEST(CatchUpGate, PacerAloneWouldBurst) {
    const RateProfile p = RateProfile::Constant(100.0, 20 * kNsPerSec);
    ArrivalSchedule s(p);
    Pacer pacer(&s, kStart);
    std::array<std::int64_t, 1024> out{};
    while (pacer.NextDueNs() < kStart + 3 * kNsPerSec) pacer.TakeDue(pacer.NextDueNs(), 0, out.data(), out.size());
    EXPECT_NEAR(static_cast<double>(pacer.TakeDue(kStart + 8 * kNsPerSec, 0, out.data(), out.size())), 500.0, 1.0);
}

}  // namespace
}  // namespace lse::sched
