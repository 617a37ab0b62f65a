// The Drive phase on a fake clock with fake agents and a fake local load: when Stop goes out and why, how a
// second signal aborts, when the final totals are given up on, and what each poll hands to the live view.
#include "lse/coordinator/drive.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include <string>
#include <vector>

namespace lse::coordinator {
namespace {

struct StopSent {
    std::int64_t at;
    protocol::StopReason reason;
    bool abort;
    std::string detail;
};

class FakeAgents final : public DrivenAgents {
public:
    explicit FakeAgents(const std::int64_t& now) : now_(now) {}
    void Stop(protocol::StopReason reason, bool abort, const std::string& detail) override {
        stops.push_back({now_, reason, abort, detail});
        if (finish_on_stop) done = true;
    }
    metrics::Snapshot TakeInterval() override {
        ++polls;
        return {};
    }
    bool AllDone() const override { return done; }
    std::string BrokerLost(std::int64_t now) override { return now >= lose_broker_at ? "the broker died" : ""; }

    std::vector<StopSent> stops;
    int polls = 0;
    bool done = false;
    bool finish_on_stop = true;
    std::int64_t lose_broker_at = INT64_MAX;

private:
    const std::int64_t& now_;
};

class FakeLoad final : public LocalLoad {
public:
    bool Done() const override { return true; }
    void RequestStop(bool abort) override { stops.push_back(abort); }
    metrics::Snapshot Take() override { return {}; }
    std::vector<bool> stops;
};

// A fake clock that moves 20 ms per nap; `at` can schedule signals.
struct Harness {
    std::int64_t now = 0;
    StopSignals signals;
    std::vector<std::pair<std::int64_t, int>> signals_at;  // (when, count) of SIGINTs
    std::vector<std::string> log;
    FakeAgents agents{now};
    FakeLoad local;
    DriveTiming timing;
    DriveHooks hooks;

    Harness() {
        timing.start_at_ns = 1 * kNsPerSec;
        timing.run_ns = 10 * kNsPerSec;
        timing.grace_ns = 1 * kNsPerSec;
        hooks.now = [this] { return now; };
        hooks.nap = [this] {
            now += 20 * kNsPerMs;
            for (const auto& [when, count] : signals_at) {
                while (now >= when && signals.Count() < count) signals.Arrive(SIGINT);
            }
        };
        hooks.signals = &signals;
        hooks.log = [this](const std::string& line) { log.push_back(line); };
    }
    DriveOutcome Run() { return Drive(agents, local, timing, hooks); }
};

TEST(Drive, StopsTheAgentsWhenTheRunIsOver) {
    Harness h;
    const DriveOutcome out = h.Run();
    ASSERT_EQ(h.agents.stops.size(), 1u);
    EXPECT_EQ(h.agents.stops[0].reason, protocol::StopReason::kCompleted);
    EXPECT_FALSE(h.agents.stops[0].abort);
    EXPECT_EQ(h.agents.stops[0].detail, "run over");
    EXPECT_GE(h.agents.stops[0].at, h.timing.EndNs());  // start + run + grace + 2 s of slack
    EXPECT_LT(h.agents.stops[0].at, h.timing.EndNs() + 200 * kNsPerMs);
    EXPECT_TRUE(out.stop_sent);
    EXPECT_FALSE(out.interrupted);
    EXPECT_TRUE(out.broker_lost.empty());
    EXPECT_GT(h.agents.polls, 100);  // every 100 ms over 14 s
}

TEST(Drive, FirstSignalDrainsSecondAborts) {
    Harness h;
    h.agents.finish_on_stop = false;
    h.signals_at = {{3 * kNsPerSec, 1}, {4 * kNsPerSec, 2}};
    h.timing.final_wait_ns = 2 * kNsPerSec;
    const DriveOutcome out = h.Run();
    ASSERT_EQ(h.agents.stops.size(), 2u);
    EXPECT_EQ(h.agents.stops[0].reason, protocol::StopReason::kInterrupted);
    EXPECT_FALSE(h.agents.stops[0].abort);
    EXPECT_TRUE(h.agents.stops[1].abort);
    EXPECT_EQ(h.local.stops, (std::vector<bool>{false, true}));
    EXPECT_TRUE(out.interrupted);
    // The final totals are waited for from the first Stop, then given up on.
    EXPECT_EQ(h.log.back(), "gave up waiting for final totals");
    EXPECT_GE(out.ended_ns, 5 * kNsPerSec);
    EXPECT_LT(out.ended_ns, 5 * kNsPerSec + 200 * kNsPerMs);
}

TEST(Drive, AThresholdAbortStopsOnceWithItsReason) {
    Harness h;
    h.hooks.abort_requested = [&h] { return h.now >= 2 * kNsPerSec; };
    h.hooks.abort_reason = [] { return "p95 < 100ms failed"; };
    h.Run();
    ASSERT_EQ(h.agents.stops.size(), 1u);
    EXPECT_EQ(h.agents.stops[0].reason, protocol::StopReason::kAborted);
    EXPECT_EQ(h.agents.stops[0].detail, "p95 < 100ms failed");
    EXPECT_EQ(h.log.front(), "stopping the run: p95 < 100ms failed");
}

TEST(Drive, ALostBrokerEndsTheRunAtOnce) {
    Harness h;
    h.agents.lose_broker_at = 5 * kNsPerSec;
    const DriveOutcome out = h.Run();
    EXPECT_EQ(out.broker_lost, "the broker died");
    ASSERT_EQ(h.agents.stops.size(), 1u);
    EXPECT_TRUE(h.agents.stops[0].abort);
    EXPECT_EQ(h.agents.stops[0].detail, "the NATS broker was lost");
    EXPECT_EQ(h.log.back(), "the broker died: results are incomplete");
    EXPECT_LT(out.ended_ns, 5 * kNsPerSec + 200 * kNsPerMs);
}

TEST(Drive, EveryPollHandsTheArrivalsToTheLiveView) {
    Harness h;
    int polls = 0;
    std::int64_t last = 0;
    h.hooks.on_poll = [&](std::int64_t now, const metrics::Snapshot&, const metrics::Snapshot&) {
        EXPECT_GE(now - last, 100 * kNsPerMs);
        last = now;
        ++polls;
    };
    h.Run();
    EXPECT_EQ(polls, h.agents.polls);
}

}  // namespace
}  // namespace lse::coordinator
