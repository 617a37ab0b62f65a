#include <gtest/gtest.h>

#include <vector>

#include "lse/core/clock.hpp"
#include "lse/report/interval_aligner.hpp"

namespace lse::report {
namespace {

constexpr std::int64_t kStart = 100 * kNsPerSec;
constexpr std::int64_t kSettle = 500 * kNsPerMs;

// One source's interval for second `k` of the run, `requests` responses, bounds shifted by `skew_ns`
// (an agent's clock-offset error).
metrics::Snapshot Interval(int k, int requests, std::int64_t skew_ns = 0) {
    metrics::Snapshot s;
    s.start_ns = kStart + k * kNsPerSec + skew_ns;
    s.end_ns = s.start_ns + kNsPerSec;
    for (int i = 0; i < requests; ++i) s.total.RecordResponse(200, true, 1'000, 1'000, 0, 0);
    return s;
}

std::int64_t At(double seconds) { return kStart + static_cast<std::int64_t>(seconds * 1e9); }

TEST(IntervalAligner, NoSecondIsHandedOutBeforeItsDataArrives) {
    IntervalAligner a(kStart, 3 * kNsPerSec, kSettle);
    a.Add(metrics::Snapshot{});  // what an empty TakeInterval returns
    EXPECT_TRUE(a.TakeReady(At(1.0)).empty());
    EXPECT_TRUE(a.TakeReady(At(1.6)).empty()) << "second 0 is due but nothing arrived: no 0-rps line";
}

TEST(IntervalAligner, MergesSourcesOfTheSameSecondArrivingAtDifferentTimes) {
    IntervalAligner a(kStart, 3 * kNsPerSec, kSettle);
    a.Add(Interval(0, 10, 3 * kNsPerMs));
    EXPECT_TRUE(a.TakeReady(At(1.2)).empty()) << "second 0 may still receive data until 1.5 s";
    a.Add(Interval(0, 12, -4 * kNsPerMs));
    a.Add(Interval(1, 7));  // an early source's next second stays apart
    const std::vector<metrics::Snapshot> ready = a.TakeReady(At(1.5));
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].total.requests, 22u);
    EXPECT_NEAR(static_cast<double>(ready[0].end_ns - ready[0].start_ns), 1e9, 1e7);
    const std::vector<metrics::Snapshot> next = a.TakeReady(At(2.5));
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].total.requests, 7u);
}

TEST(IntervalAligner, SecondsAfterTheLoadAreNotReported) {
    IntervalAligner a(kStart, 2 * kNsPerSec, kSettle);
    a.Add(Interval(1, 5));
    a.Add(Interval(2, 1));  // drain: responses completing after the load phase
    const std::vector<metrics::Snapshot> ready = a.TakeReady(At(10));
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].total.requests, 5u);
}

TEST(IntervalAligner, TakeAllFlushesTheLastSecondWithoutWaiting) {
    IntervalAligner a(kStart, 3 * kNsPerSec, kSettle);
    a.Add(Interval(1, 4));
    a.Add(Interval(2, 9));
    EXPECT_EQ(a.TakeReady(At(2.6)).size(), 1u);
    const std::vector<metrics::Snapshot> rest = a.TakeAll();
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].total.requests, 9u);
    EXPECT_EQ(rest[0].end_ns, kStart + 3 * kNsPerSec);
    EXPECT_TRUE(a.TakeAll().empty());
}

TEST(IntervalAligner, LateDataJoinsTheNextSecondStillHeld) {
    IntervalAligner a(kStart, 5 * kNsPerSec, kSettle);
    a.Add(Interval(0, 3));
    ASSERT_EQ(a.TakeReady(At(1.5)).size(), 1u);
    a.Add(Interval(0, 2));  // second 0 was already printed
    a.Add(Interval(1, 4));
    const std::vector<metrics::Snapshot> ready = a.TakeReady(At(2.5));
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].total.requests, 6u);
    // Seconds that passed empty are skipped too: late data of second 2 lands in 4, not in a stale 2.
    EXPECT_TRUE(a.TakeReady(At(4.5)).empty());
    a.Add(Interval(2, 1));
    EXPECT_TRUE(a.TakeReady(At(4.9)).empty());
    const std::vector<metrics::Snapshot> later = a.TakeReady(At(5.5));
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0].total.requests, 1u);
}

// Sources send their last, partial second only in their final total: Finish reports the difference.
TEST(IntervalAligner, FinishReportsWhatOnlyTheFinalTotalHolds) {
    IntervalAligner a(kStart, 3 * kNsPerSec, kSettle);
    metrics::Snapshot total;
    for (int k = 0; k < 2; ++k) {
        metrics::Snapshot s = Interval(k, 20);
        total += s;
        a.Add(s);
    }
    EXPECT_EQ(a.TakeReady(At(2.5)).size(), 2u);
    metrics::Snapshot last = Interval(2, 18);
    last.total.RecordError(ErrorKind::kTimeout);
    last.total.RecordResponse(200, true, 90'000, 90'000, 0, 0);  // the slowest of the run
    last.end_ns = At(3.05);  // the run's end, after its drain
    total += last;
    const std::vector<metrics::Snapshot> rest = a.Finish(total);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].total.requests, 20u);
    EXPECT_EQ(rest[0].total.ok, 19u);
    EXPECT_EQ(rest[0].total.ErrorsOf(ErrorKind::kTimeout), 1u);
    EXPECT_EQ(rest[0].total.response_time_us.Count(), 19u);
    EXPECT_GE(rest[0].total.response_time_us.Max(), 89'000);
    EXPECT_EQ(rest[0].start_ns, At(2.0));
    EXPECT_EQ(rest[0].end_ns, At(3.05));

    IntervalAligner complete(kStart, 3 * kNsPerSec, kSettle);
    complete.Add(total);
    EXPECT_EQ(complete.Finish(total).size(), 1u) << "only what was held: nothing is left over";
}

}  // namespace
}  // namespace lse::report
