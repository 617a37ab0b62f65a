// After a stall the open model catches up paced, never in a burst (issue 12 item 2): a worker whose loop was
// blocked (a frozen process, a SIGSTOP'd agent, a slow callback) or held by its send lease starts its overdue
// arrivals at most at twice the planned rate, drops only those older than max_wait, and measures every one from
// its original intended time. A runner that records when each arrival really started (and blocks the worker
// thread once) is the referee; no network is involved.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/load_run.hpp"

namespace lse::runtime {
namespace {

constexpr double kRps = 500;
constexpr std::int64_t kRunNs = 5 * kNsPerSec;
constexpr std::int64_t kStallNs = 1500 * kNsPerMs;
constexpr std::int64_t kWindowNs = 100 * kNsPerMs;
// Late enough that the next wake-up takes several arrivals in one batch, too little to start a catch-up.
constexpr std::int64_t kShortStallNs = 12 * kNsPerMs;
// Twice the planned rate over a window, plus slack for timer latency at the window's edges.
constexpr int kMaxPerWindow = static_cast<int>(2 * kRps * 0.1) + 6;

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

struct Start {
    std::int64_t intended;
    std::int64_t real;
};

/// What the runner saw. Written on the (single) worker thread, read after Run returned.
struct Record {
    std::vector<Start> starts;
    int stall_at = -1;  // block the worker thread for kStallNs in this arrival's TryStart (-1: never)
    int short_stall_at = -1;  // block it for kShortStallNs here (below the catch-up threshold; -1: never)
    std::int64_t stall_began = 0;
    std::int64_t stall_ended = 0;
};

/// Starts every arrival at once on some virtual user and finishes it at once; records when.
class RecordingRunner final : public IterationRunner {
public:
    explicit RecordingRunner(Record* record) : record_(record) {}
    int VuserCount() const noexcept override { return 1000; }
    bool TryStart(int, std::int64_t intended_ns) noexcept override {
        if (static_cast<int>(record_->starts.size()) == record_->short_stall_at) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(kShortStallNs));
        }
        if (static_cast<int>(record_->starts.size()) == record_->stall_at) {
            record_->stall_began = NowNs();
            std::this_thread::sleep_for(std::chrono::nanoseconds(kStallNs));  // the loop is frozen
            record_->stall_ended = NowNs();
        }
        record_->starts.push_back({intended_ns, NowNs()});
        return true;
    }
    int Busy() const noexcept override { return 0; }
    void Abort() noexcept override {}
    void Close(std::function<void()> done) override { done(); }

private:
    Record* record_;
};

LoadSpec OpenSpec(std::int64_t max_wait_ns, std::int64_t run_ns = kRunNs) {
    LoadSpec s;
    s.model = LoadModel::kOpen;
    s.profile = sched::RateProfile::Constant(kRps, run_ns);
    s.vusers = 1000;
    s.threads = 1;
    s.max_wait_ns = max_wait_ns;
    return s;
}

RunResult RunRecorded(const LoadSpec& spec, Record* record, RunOptions options = {}) {
    options.handle_signals = false;
    LoadRun run(spec, {}, [record](const WorkerContext&) { return std::make_unique<RecordingRunner>(record); },
                metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    return run.Run(nullptr, options);
}

/// Most arrivals started within any kWindowNs of real time at or after `from`.
int MaxPerWindow(const std::vector<Start>& starts, std::int64_t from) {
    std::vector<std::int64_t> real;
    for (const auto& s : starts) {
        if (s.real >= from) real.push_back(s.real);
    }
    std::sort(real.begin(), real.end());
    int best = 0;
    size_t j = 0;
    for (size_t i = 0; i < real.size(); ++i) {
        while (j < real.size() && real[j] - real[i] < kWindowNs) ++j;
        best = std::max(best, static_cast<int>(j - i));
    }
    return best;
}

/// Real time of the first arrival started (about) on time again at or after `from`.
std::int64_t OnTimeAgainAt(const std::vector<Start>& starts, std::int64_t from) {
    for (const auto& s : starts) {
        if (s.real >= from && s.real - s.intended < 5 * kNsPerMs) return s.real;
    }
    return -1;
}

// A 1.5 s freeze with max_wait 10 s: nothing is dropped; the 750 overdue arrivals go out at ~2x the planned rate
// (about 1.5 s to catch up), not in one instant. Before the fix they all started at once on resume.
TEST(CatchUpTest, StallShorterThanMaxWaitCatchesUpAtTwiceTheRateWithoutDrops) {
    Record record;
    record.stall_at = static_cast<int>(kRps);  // about 1 s in
    const RunResult r = RunRecorded(OpenSpec(10 * kNsPerSec), &record);
    ASSERT_GT(record.stall_ended, 0);
    const int burst = MaxPerWindow(record.starts, record.stall_ended);
    const std::int64_t on_time = OnTimeAgainAt(record.starts, record.stall_ended);
    std::printf("started %zu, dropped %llu, most in 100 ms after the stall %d, on time again %.3f s after it\n",
                record.starts.size(), static_cast<unsigned long long>(r.total.total.dropped), burst,
                static_cast<double>(on_time - record.stall_ended) / kNsPerSec);
    EXPECT_EQ(r.total.total.dropped, 0u);
    EXPECT_EQ(record.starts.size(), static_cast<size_t>(kRps * kRunNs / kNsPerSec));
    EXPECT_LE(burst, kMaxPerWindow) << "overdue arrivals went out as a burst";
    EXPECT_GE(burst, static_cast<int>(kRps * 0.1 * 1.5)) << "the catch-up should run at about twice the rate";
    // The backlog drains at one extra planned rate: on time again about one stall length after it.
    ASSERT_GT(on_time, 0);
    EXPECT_NEAR(static_cast<double>(on_time - record.stall_ended), static_cast<double>(kStallNs), 0.3 * kNsPerSec);
    // Intended times are the original ones (coordinated omission): the first arrival after the stall was planned
    // before it, and every intended time is distinct and in order.
    for (size_t i = 1; i < record.starts.size(); ++i) {
        ASSERT_LT(record.starts[i - 1].intended, record.starts[i].intended) << i;
    }
    const auto first_after = std::find_if(record.starts.begin(), record.starts.end(),
                                          [&](const Start& s) { return s.real > record.stall_ended; });
    ASSERT_NE(first_after, record.starts.end());
    EXPECT_GE(first_after->real - first_after->intended, kStallNs - 50 * kNsPerMs);
}

// The same freeze with max_wait 0.5 s: the arrivals older than that on resume (about 1 s of them) are dropped at
// once, the last 0.5 s is caught up at 2x, and no arrival starts later than max_wait.
TEST(CatchUpTest, StallLongerThanMaxWaitDropsTheOldestAndPacesTheRest) {
    Record record;
    record.stall_at = static_cast<int>(kRps);
    const std::int64_t max_wait = 500 * kNsPerMs;
    const RunResult r = RunRecorded(OpenSpec(max_wait), &record);
    ASSERT_GT(record.stall_ended, 0);
    const int burst = MaxPerWindow(record.starts, record.stall_ended);
    std::printf("started %zu, dropped %llu, most in 100 ms after the stall %d\n", record.starts.size(),
                static_cast<unsigned long long>(r.total.total.dropped), burst);
    const double expected_dropped = kRps * static_cast<double>(kStallNs - max_wait) / kNsPerSec;
    EXPECT_NEAR(static_cast<double>(r.total.total.dropped), expected_dropped, kRps * 0.06);
    EXPECT_EQ(record.starts.size() + r.total.total.dropped, static_cast<size_t>(kRps * kRunNs / kNsPerSec));
    EXPECT_LE(burst, kMaxPerWindow) << "overdue arrivals went out as a burst";
    for (size_t i = 0; i < record.starts.size(); ++i) {
        if (static_cast<int>(i) == record.stall_at) continue;  // the one whose start froze the loop
        EXPECT_LE(record.starts[i].real - record.starts[i].intended, max_wait + 5 * kNsPerMs) << i;
    }
}

// The long freeze falls on the first of several arrivals taken in one wake-up (the loop was a little late just
// before, as under a sanitizer or a busy host): the others of that batch must not start after the freeze as if
// they were on time. They are older than max_wait by then and are dropped; none starts later than max_wait.
TEST(CatchUpTest, StallInsideABatchDropsTheRestOfTheBatchPastMaxWait) {
    Record record;
    record.short_stall_at = static_cast<int>(kRps);
    record.stall_at = static_cast<int>(kRps) + 1;  // the first of the batch taken after the short stall
    const std::int64_t max_wait = 500 * kNsPerMs;
    const RunResult r = RunRecorded(OpenSpec(max_wait), &record);
    ASSERT_GT(record.stall_ended, 0);
    EXPECT_EQ(record.starts.size() + r.total.total.dropped, static_cast<size_t>(kRps * kRunNs / kNsPerSec));
    for (size_t i = 0; i < record.starts.size(); ++i) {
        if (static_cast<int>(i) == record.stall_at) continue;  // the one whose start froze the loop
        EXPECT_LE(record.starts[i].real - record.starts[i].intended, max_wait + 5 * kNsPerMs) << i;
    }
}

// Held by the send lease (an agent checking its assignment after a gap) for 1.5 s: nothing starts meanwhile, and
// once the lease is renewed the held arrivals are caught up at 2x, not in one instant.
TEST(CatchUpTest, ArrivalsHeldByTheSendLeaseAreCaughtUpPaced) {
    Record record;
    const std::int64_t start_at = NowNs() + 300 * kNsPerMs;
    const std::int64_t held_from = start_at + kNsPerSec;
    const std::int64_t released_at = held_from + kStallNs;
    std::atomic<std::int64_t> lease{held_from};
    std::thread renewer([&] {
        std::this_thread::sleep_for(std::chrono::nanoseconds(released_at - NowNs()));
        lease.store(std::numeric_limits<std::int64_t>::max());
    });
    RunOptions options;
    options.start_at_ns = start_at;
    options.send_lease_ns = &lease;
    const RunResult r = RunRecorded(OpenSpec(10 * kNsPerSec), &record, options);
    renewer.join();
    const int burst = MaxPerWindow(record.starts, released_at);
    std::printf("started %zu, dropped %llu, most in 100 ms after the release %d\n", record.starts.size(),
                static_cast<unsigned long long>(r.total.total.dropped), burst);
    for (const auto& s : record.starts) {
        EXPECT_FALSE(s.real > held_from + 5 * kNsPerMs && s.real < released_at) << "started while held";
    }
    EXPECT_EQ(r.total.total.dropped, 0u);
    EXPECT_EQ(record.starts.size(), static_cast<size_t>(kRps * kRunNs / kNsPerSec));
    EXPECT_LE(burst, kMaxPerWindow) << "held arrivals went out as a burst";
}

// A freeze that lasts past the end of the run: what the catch-up has not reached by the end is dropped and counted
// (planned = started + dropped), not sent in a burst after it.
TEST(CatchUpTest, StallOverTheEndDropsWhatTheCatchUpDidNotReach) {
    Record record;
    record.stall_at = static_cast<int>(kRps * 1.2);  // 1.2 s into a 2 s run, frozen until 2.7 s
    const RunResult r = RunRecorded(OpenSpec(10 * kNsPerSec, 2 * kNsPerSec), &record);
    ASSERT_GT(record.stall_ended, 0);
    const int burst = MaxPerWindow(record.starts, record.stall_ended);
    std::printf("started %zu, dropped %llu, most in 100 ms after the stall %d\n", record.starts.size(),
                static_cast<unsigned long long>(r.total.total.dropped), burst);
    EXPECT_EQ(record.starts.size() + r.total.total.dropped, static_cast<size_t>(kRps * 2));
    EXPECT_LE(burst, 1) << "only the arrival whose start froze the loop may be recorded after the freeze";
    EXPECT_GE(r.total.total.dropped, static_cast<std::uint64_t>(kRps * 0.8) - 5);
}

// The same, with the freeze on the first of a batch: the rest of that batch was due before the end, but the run is
// over when the freeze ends, so they are dropped too, not started after the end.
TEST(CatchUpTest, StallOverTheEndInsideABatchStartsNothingAfterIt) {
    Record record;
    record.short_stall_at = static_cast<int>(kRps * 1.2);
    record.stall_at = static_cast<int>(kRps * 1.2) + 1;
    const RunResult r = RunRecorded(OpenSpec(10 * kNsPerSec, 2 * kNsPerSec), &record);
    ASSERT_GT(record.stall_ended, 0);
    const int after = MaxPerWindow(record.starts, record.stall_ended);
    EXPECT_EQ(record.starts.size() + r.total.total.dropped, static_cast<size_t>(kRps * 2));
    EXPECT_LE(after, 1) << "only the arrival whose start froze the loop may be recorded after the freeze";
}

}  // namespace
}  // namespace lse::runtime
