#include "lse/runtime/health_collector.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lse/core/clock.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::runtime {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kStart = 100 * kNsPerSec;

// What one worker thread publishes for an interval: its lag samples, arrivals and sockets under `id`.
metrics::Snapshot Thread(const std::string& id, std::initializer_list<std::pair<std::int64_t, int>> lags,
                         std::uint64_t arrivals, std::uint64_t late, std::uint32_t sockets) {
    metrics::Snapshot s;
    metrics::GeneratorHealth& h = s.generators[id];
    h.threads = 1;
    for (const auto& [lag_us, times] : lags) h.loop_lag_us.RecordN(lag_us, times);
    h.arrivals = arrivals;
    h.late_arrivals = late;
    h.open_sockets = sockets;
    return s;
}

// The interval [kStart + second s, + 1 s) with the threads' snapshots merged, as LoadRun builds it.
metrics::Snapshot Interval(HealthCollector* c, int second, std::initializer_list<metrics::Snapshot> threads) {
    metrics::Snapshot interval;
    interval.start_ns = kStart + second * kNsPerSec;
    interval.end_ns = interval.start_ns + kNsPerSec;
    for (const metrics::Snapshot& t : threads) {
        c->AddThread(t);
        interval += t;
    }
    c->Finish(&interval, interval.end_ns + 100 * kNsPerMs);
    return interval;
}

TEST(HealthCollector, MergesThreadsIntoTheProcessEntryAndJudgesEachInterval) {
    HealthCollector c("a2", 3, "/nonexistent-proc-root");  // no procfs: CPU stays 0, lag alone decides
    c.Begin(kStart, kStart - 50 * kNsPerMs);

    // Second 0: both threads' loops ran timers at most 2 ms late.
    const metrics::Snapshot healthy = Interval(&c, 0, {Thread("a2", {{500, 99}, {2000, 1}}, 10, 0, 3),
                                                       Thread("a2", {{800, 100}}, 12, 0, 4)});
    ASSERT_EQ(healthy.generators.size(), 1u);
    const metrics::GeneratorHealth& h0 = healthy.generators.at("a2");
    EXPECT_EQ(h0.threads, 3u) << "the run's worker count, whoever published";
    EXPECT_EQ(h0.intervals, 1u);
    EXPECT_EQ(h0.open_sockets, 7u) << "each thread's connections are its own: the process has their sum";
    EXPECT_EQ(h0.loop_lag_us.Count(), 200u);
    EXPECT_EQ(h0.arrivals, 22u);
    EXPECT_EQ(h0.saturated_intervals, 0u);
    EXPECT_TRUE(h0.saturated.empty());

    // Second 1: one thread's loop was blocked 30 ms at a time (3 samples in 100).
    const metrics::Snapshot busy = Interval(&c, 1, {Thread("a2", {{500, 97}, {30'000, 3}}, 10, 4, 2),
                                                    Thread("a2", {{800, 100}}, 12, 0, 1)});
    const metrics::GeneratorHealth& h1 = busy.generators.at("a2");
    EXPECT_EQ(h1.open_sockets, 3u) << "the sums start afresh each interval";
    EXPECT_EQ(h1.saturated_intervals, 1u);
    EXPECT_EQ(h1.saturated, (std::vector<metrics::SaturatedPeriod>{{1000, 2000}}));

    // Second 2: nobody published (the workers are draining): the entry is still there, and healthy.
    const metrics::Snapshot empty = Interval(&c, 2, {});
    EXPECT_EQ(empty.generators.at("a2").intervals, 1u);
    EXPECT_EQ(empty.generators.at("a2").saturated_intervals, 0u);

    // Over the run, the cumulative entry counts the one saturated second.
    metrics::Snapshot total;
    total += healthy;
    total += busy;
    total += empty;
    EXPECT_EQ(total.generators.at("a2").intervals, 3u);
    EXPECT_EQ(total.generators.at("a2").saturated_intervals, 1u);
    EXPECT_EQ(total.generators.at("a2").saturated, (std::vector<metrics::SaturatedPeriod>{{1000, 2000}}));
}

TEST(HealthCollector, ThreadsOfAnotherGeneratorAreNotCounted) {
    HealthCollector c("local", 1, "/nonexistent-proc-root");
    c.Begin(kStart, kStart);
    const metrics::Snapshot s = Interval(&c, 0, {Thread("other", {{30'000, 100}}, 1, 1, 9)});
    EXPECT_EQ(s.generators.at("local").open_sockets, 0u);
    EXPECT_EQ(s.generators.at("local").saturated_intervals, 0u);
}

void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// CPU saturation: busy threads and arrivals started late. The CPU comes from a fixture /proc so it is exact.
TEST(HealthCollector, BusyCpuWithLateArrivalsIsSaturatedAndWithoutThemIsNot) {
    const fs::path root = lse::testing::MakeTempDir("health-proc-");
    const auto ticks = static_cast<std::uint64_t>(sysconf(_SC_CLK_TCK));
    const auto self_stat = [&](double cpu_seconds) {
        Write(root / "self/stat", "1 (x) R 1 1 1 0 -1 0 0 0 0 0 " +
                                      std::to_string(static_cast<std::uint64_t>(cpu_seconds * ticks)) +
                                      " 0 0 0 20 0 1 0 5 1000 10 0\n");
    };
    Write(root / "stat", "cpu  10 0 0 1000 0 0 0 0 0 0\n");  // the host is idle: only the process decides
    self_stat(0);
    HealthCollector c("local", 2, root.string());
    c.Begin(kStart, kStart + 100 * kNsPerMs);  // the window then ends at each Finish, 100 ms after a whole second
    self_stat(1.9);  // 1.9 cores over 2 threads: 95% each
    const metrics::Snapshot late = Interval(&c, 0, {Thread("local", {{100, 100}}, 50, 5, 1)});
    EXPECT_NEAR(late.generators.at("local").process_cpu, 1.9, 0.02);
    EXPECT_EQ(late.generators.at("local").saturated_intervals, 1u);
    self_stat(1.9 + 1.9 * 1.0);
    // The next window runs from the previous Finish to this one: 1.9 cores again, but every arrival on time.
    metrics::Snapshot interval;
    interval.start_ns = kStart + kNsPerSec;
    interval.end_ns = interval.start_ns + kNsPerSec;
    const metrics::Snapshot t = Thread("local", {{100, 100}}, 50, 0, 1);
    c.AddThread(t);
    interval += t;
    c.Finish(&interval, kStart + 2 * kNsPerSec + 100 * kNsPerMs);
    EXPECT_NEAR(interval.generators.at("local").process_cpu, 1.9, 0.02);
    EXPECT_EQ(interval.generators.at("local").saturated_intervals, 0u) << "busy but keeping up";
    fs::remove_all(root);
}

}  // namespace
}  // namespace lse::runtime
