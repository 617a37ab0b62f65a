// A frozen agent (SIGSTOP, then SIGCONT) must not send, on resume, arrivals that the coordinator gave to another
// agent meanwhile, nor burst its overdue arrivals: it checks its assignment with the coordinator first, catches up
// paced (at most twice its planned rate) and only within --max-wait, and counts the rest as dropped (issue 12
// item 2). The demo target is the referee: its total never exceeds the plan, and no second carries a burst.

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli_test_util.hpp"
#include "distributed_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

#include <nlohmann/json.hpp>

namespace lse::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// The target's count of GET /api/products, sampled every 100 ms while `running` says so.
struct Samples {
    std::vector<std::pair<Clock::time_point, int>> points;

    /// Most requests the target received within any one second (between two samples ~1 s apart).
    int MaxPerSecond() const {
        int best = 0;
        size_t j = 0;
        for (size_t i = 0; i < points.size(); ++i) {
            while (j < points.size() && points[j].first - points[i].first < std::chrono::milliseconds(1000)) ++j;
            if (j < points.size()) best = std::max(best, points[j].second - points[i].second);
        }
        return best;
    }
};

long Dropped(const nlohmann::json& j) {
    long dropped = 0;
    if (j.is_object() && j.contains("scenarios")) {
        for (const auto& s : j["scenarios"]) dropped += s.value("dropped", 0L);
    }
    return dropped;
}

/// What the target, the coordinator and the logs saw of one run with a frozen agent.
struct FreezeRun {
    nlohmann::json summary;  ///< The coordinator's --summary-json (discarded when unreadable).
    Samples samples;
    std::string log;  ///< The coordinator's stdout and stderr, then the sleeper's log: for failure messages.
    long planned = 0;  ///< rps x duration: the arrivals of the plan.
    long received = 0;  ///< GET /api/products requests the target received.
    long dropped = 0;  ///< Arrivals the summary counts as dropped.
};

/// What every freeze must keep: no arrival sent twice (the target never gets more than the plan) and no burst on
/// resume (no second carries more than max_per_second).
void ExpectNoRepeatNoBurst(const FreezeRun& r, int max_per_second) {
    EXPECT_LE(r.received, r.planned) << "dropped " << r.dropped << "\n" << r.log;
    EXPECT_LE(r.samples.MaxPerSecond(), max_per_second) << "received " << r.received << "\n" << r.log;
}

class CliDistributedResumeTest : public CliDistributedTest {
protected:
    /// 2 external agents at `rps` for `duration_s`; once load flows, agent "sleeper" is frozen for freeze_s.
    /// max_wait: the coordinator's --max-wait (empty: the flag is not passed, so the default, --timeout's 30 s).
    FreezeRun RunWithFreeze(const std::string& cluster, int rps, int duration_s, int freeze_s,
                            const std::string& max_wait) {
        FreezeRun r;
        const int port = FreeTcpPort();
        ChildProcess a, b;
        StartAgent(&a, port, "steady", cluster);
        StartAgent(&b, port, "sleeper", cluster);
        const std::string script = WriteTempScenario(OpenScenario(rps, std::to_string(duration_s) + "s", 8));
        const std::string summary = TempPath("lse-test-" + cluster, ".json");
        std::vector<std::string> args = {LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q",
                                         "--external-agents", "2", "--cluster-id", cluster, "--nats-port",
                                         std::to_string(port), "--nats-token", kToken, "--summary-json", summary};
        if (!max_wait.empty()) {
            args.push_back("--max-wait");
            args.push_back(max_wait);
        }
        ChildProcess coordinator;
        coordinator.Start(args, ChildOptions{{}, TempPath("lse-test-" + cluster, ".out"),
                                       TempPath("lse-test-" + cluster, ".err")});
        auto sample = [&] { r.samples.points.emplace_back(Clock::now(), Route("GET /api/products")); };
        for (int i = 0; i < 300 && Route("GET /api/products") < rps * 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        b.Signal(SIGSTOP);
        const auto thaw = Clock::now() + std::chrono::seconds(freeze_s);
        while (Clock::now() < thaw) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        b.Signal(SIGCONT);
        std::optional<int> rc;
        for (int i = 0; i < 900 && !(rc = coordinator.Wait(0)).has_value(); ++i) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!rc) rc = coordinator.Wait(30'000);
        sample();
        r.log = ReadWhole(TempPath("lse-test-" + cluster, ".out")) +
                ReadWhole(TempPath("lse-test-" + cluster, ".err")) + ReadWhole(TempPath("lse-test-sleeper", ".log"));
        EXPECT_TRUE(rc.has_value() && *rc == 0) << r.log;
        r.summary = nlohmann::json::parse(ReadWhole(summary), nullptr, false);
        r.planned = static_cast<long>(rps) * duration_s;
        r.received = Route("GET /api/products");
        r.dropped = Dropped(r.summary);
        return r;
    }
};

// Frozen for longer than the agent timeout: the share moved to "steady" from the Rebalance's instant on. On resume
// the sleeper must not send its arrivals after that instant (steady sent them), nor its overdue ones at once.
TEST_F(CliDistributedResumeTest, AgentFrozenPastTheTimeoutNeitherRepeatsNorBursts) {
    constexpr int kRps = 200, kSeconds = 40;
    const FreezeRun r = RunWithFreeze("resume1", kRps, kSeconds, 20, "1s");
    ASSERT_TRUE(r.summary.is_object()) << r.log;
    EXPECT_NE(r.log.find("sleeper timed out"), std::string::npos) << r.log;
    EXPECT_NE(r.log.find("holding load until the coordinator confirms"), std::string::npos) << r.log;
    // A second carries about kRps (catching up within --max-wait 1s adds at most its share).
    ExpectNoRepeatNoBurst(r, kRps * 2);
    // The sleeper's arrivals between the freeze and the takeover (about 16 s of its half) are dropped and counted.
    EXPECT_GE(r.dropped, (kRps / 2) * 12) << r.log;
    // Every planned arrival was sent once or dropped once.
    EXPECT_NEAR(static_cast<double>(r.received + r.dropped), static_cast<double>(r.planned), r.planned * 0.01)
        << r.log;
}

// Frozen for 5 s (under the timeout): nothing moves, but the overdue arrivals must not go out as one burst: it
// catches up only within --max-wait and counts the rest as dropped.
TEST_F(CliDistributedResumeTest, ShortFreezeCatchesUpOnlyWithinMaxWait) {
    constexpr int kRps = 200, kSeconds = 20;
    const FreezeRun r = RunWithFreeze("resume2", kRps, kSeconds, 5, "1s");
    ASSERT_TRUE(r.summary.is_object()) << r.log;
    EXPECT_EQ(r.log.find("sleeper timed out"), std::string::npos) << "5 s is under the agent timeout\n" << r.log;
    // Before the fix the sleeper sent its 5 s backlog (~500) in one second on top of the steady ~200.
    ExpectNoRepeatNoBurst(r, kRps * 2);
    // The frozen 5 s of the sleeper's half, minus at most --max-wait (1 s) caught up: 300..500 dropped (loose).
    EXPECT_GE(r.dropped, (kRps / 2) * 5 / 2) << r.log;
    EXPECT_LE(r.dropped, (kRps / 2) * 7) << r.log;
    EXPECT_NEAR(static_cast<double>(r.received + r.dropped), static_cast<double>(r.planned), r.planned * 0.01)
        << r.log;
}

// Frozen for 5 s with the default --max-wait (--timeout, 30 s): every overdue arrival is still young enough to
// start, so nothing is dropped, but they must not go out at once either: the sleeper catches up at twice its
// planned rate (its half of kRps), so the target sees at most about 1.5 x kRps in any second.
TEST_F(CliDistributedResumeTest, ShortFreezeWithDefaultMaxWaitCatchesUpPacedWithoutDrops) {
    constexpr int kRps = 200, kSeconds = 20;
    const FreezeRun r = RunWithFreeze("resume3", kRps, kSeconds, 5, "");
    ASSERT_TRUE(r.summary.is_object()) << r.log;
    std::printf("planned %ld, received %ld, dropped %ld, most in one second %d\n", r.planned, r.received, r.dropped,
                r.samples.MaxPerSecond());
    EXPECT_EQ(r.log.find("sleeper timed out"), std::string::npos) << "5 s is under the agent timeout\n" << r.log;
    // Before the fix the sleeper sent its ~500 overdue arrivals in one instant: ~700 in that second.
    ExpectNoRepeatNoBurst(r, kRps * 7 / 4);
    EXPECT_LE(r.dropped, kRps / 100) << r.log;
    EXPECT_NEAR(static_cast<double>(r.received), static_cast<double>(r.planned), r.planned * 0.01)
        << "dropped " << r.dropped << "\n" << r.log;
}

}  // namespace
}  // namespace lse::testing
