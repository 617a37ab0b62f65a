// End-to-end runs of the engine (workers, pacing, client, metrics) against the
// real demo target, checking lsengine's numbers against what the target counted.

#include "lse/runtime/load_run.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/request_runner.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/ports.hpp"

namespace lse::runtime {
namespace {

using testing::DemoTargetProcess;

std::shared_ptr<RequestRunnerConfig> Request(int port, const std::string& path, const std::string& name = "req") {
    auto cfg = std::make_shared<RequestRunnerConfig>();
    const http::Url url = http::ParseUrl("http://127.0.0.1:" + std::to_string(port) + path);
    cfg->origin = url.origin;
    cfg->request = http::PreparedRequest::Build(http::Method::kGet, url.origin, url.path_and_query, {}, "");
    cfg->name = metrics::MakeStatKey(metrics::StatKind::kRequest, "s", "t", name);
    return cfg;
}

RunResult RunLoad(const LoadSpec& spec, std::shared_ptr<RequestRunnerConfig> cfg, http::ClientOptions client = {}) {
    LoadRun run(spec, client, MakeRequestRunnerFactory(cfg), metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    return run.Run(nullptr);
}

LoadSpec Open(double rps, std::int64_t duration_ns, int vusers, int threads) {
    LoadSpec s;
    s.model = LoadModel::kOpen;
    s.profile = sched::RateProfile::Constant(rps, duration_ns);
    s.vusers = vusers;
    s.threads = threads;
    return s;
}

class LoadRunTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::uint64_t TargetCount(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }
    DemoTargetProcess target_;
};

TEST_F(LoadRunTest, OpenModelSendsExactlyTheScheduledArrivalsAndTheTargetAgrees) {
    const RunResult r = RunLoad(Open(200, 2 * kNsPerSec, 32, 2), Request(target_.Port(), "/api/v1/projects"));
    EXPECT_EQ(r.total.total.requests + r.total.total.dropped, 400u);
    EXPECT_EQ(r.total.total.dropped, 0u);
    EXPECT_EQ(r.total.total.ok, 400u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), r.total.total.requests);
    EXPECT_EQ(r.total.by_name.at(metrics::MakeStatKey(metrics::StatKind::kRequest, "s", "t", "req")).requests, 400u);
    EXPECT_FALSE(r.interrupted);
    // Intervals add up to the total: nothing lost between the per-second reports.
    std::uint64_t sum = 0;
    for (const auto& i : r.intervals) sum += i.total.requests;
    EXPECT_EQ(sum, r.total.total.requests);
}

TEST_F(LoadRunTest, HighRateLosesNoArrivalAtTheEnd) {
    // 5000/s: arrivals 200 µs apart, so the run's last millisecond holds five of them. The end timer
    // (1 ms resolution) must not cut them off: every scheduled arrival is sent.
    const RunResult r = RunLoad(Open(5000, 1 * kNsPerSec, 64, 1), Request(target_.Port(), "/api/v1/projects"));
    EXPECT_EQ(r.total.total.dropped, 0u);
    EXPECT_EQ(r.total.total.requests, 5000u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), 5000u);
}

TEST_F(LoadRunTest, FractionalRateOverTwoThreadsIsExact) {
    const RunResult r = RunLoad(Open(3, 2 * kNsPerSec, 4, 2), Request(target_.Port(), "/api/v1/projects"));
    EXPECT_EQ(r.total.total.requests, 6u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), 6u);
}

TEST_F(LoadRunTest, ArrivalsWithNoIdleVirtualUserWaitAndTheWaitIsInTheirResponseTime) {
    // One VU, arrivals every 100 ms, the server needs 150 ms: each arrival waits for the VU (FIFO), so
    // arrival k starts at 150 ms * k. Seven start within the second (the last at 900 ms); the three still
    // waiting at the end are dropped, never sent after it.
    const RunResult r = RunLoad(Open(10, 1 * kNsPerSec, 1, 1), Request(target_.Port(), "/slow?ms=150"));
    const auto& t = r.total.total;
    EXPECT_EQ(t.requests + t.dropped, 10u);
    EXPECT_GE(t.requests, 6u);
    EXPECT_LE(t.requests, 7u);
    EXPECT_EQ(TargetCount("GET /slow"), t.requests);
    // Service time is the server's 150 ms; response time adds the wait, growing 50 ms per arrival.
    EXPECT_LT(t.service_time_us.Max(), 250'000);
    EXPECT_GE(t.response_time_us.Max(), t.service_time_us.Max() + 200'000);
    EXPECT_GT(t.response_time_us.ValueAtPercentile(50), t.service_time_us.ValueAtPercentile(50) + 50'000);
}

TEST_F(LoadRunTest, ArrivalsWithNoIdleVirtualUserAreDroppedAtOnceWhenMaxWaitIsZero) {
    // 2 virtual users, each request takes 300 ms, 40 arrivals/s: most arrivals find no idle VU.
    LoadSpec spec = Open(40, 1 * kNsPerSec, 2, 1);
    spec.max_wait_ns = 0;
    const RunResult r = RunLoad(spec, Request(target_.Port(), "/slow?ms=300"));
    const auto& t = r.total.total;
    EXPECT_EQ(t.requests + t.dropped, 40u);
    EXPECT_GT(t.dropped, 20u);
    EXPECT_LE(t.requests, 10u);
    EXPECT_EQ(TargetCount("GET /slow"), t.requests);
    // Service time is at least the server's delay; nothing waited, so response time adds only the start lag.
    EXPECT_GE(t.service_time_us.Min(), 300'000);
    EXPECT_LT(t.response_time_us.Max(), t.service_time_us.Max() + 50'000);
}

TEST_F(LoadRunTest, ArrivalsWaitAtMostMaxWaitThenAreDropped) {
    // One VU busy 300 ms per request, arrivals every 50 ms, max wait 100 ms: an arrival that has not found
    // the VU within 100 ms is dropped, so no started request waited longer than that.
    LoadSpec spec = Open(20, 1 * kNsPerSec, 1, 1);
    spec.max_wait_ns = 100 * kNsPerMs;
    const RunResult r = RunLoad(spec, Request(target_.Port(), "/slow?ms=300"));
    const auto& t = r.total.total;
    EXPECT_EQ(t.requests + t.dropped, 20u);
    EXPECT_GE(t.requests, 3u);
    EXPECT_GE(t.dropped, 12u);
    EXPECT_GT(t.response_time_us.Max(), t.service_time_us.Min());
    EXPECT_LT(t.response_time_us.Max(), t.service_time_us.Max() + 100'000 + 30'000);  // + pacing and timer slack
}

TEST_F(LoadRunTest, ClosedModelLoopsWithThinkTime) {
    LoadSpec s;
    s.model = LoadModel::kClosed;
    s.vusers = 4;
    s.threads = 2;
    s.duration_ns = 1 * kNsPerSec;
    s.think_min_ns = s.think_max_ns = 100 * kNsPerMs;
    const RunResult r = RunLoad(s, Request(target_.Port(), "/api/v1/projects"));
    // 4 VUs x ~10 iterations each (100 ms think + ~0 ms service).
    EXPECT_GE(r.total.total.requests, 24u);
    EXPECT_LE(r.total.total.requests, 44u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), r.total.total.requests);
}

TEST_F(LoadRunTest, ClosedModelWithAnIterationCountSendsExactlyThatManyAcrossThreadsAndEndsEarly) {
    // 7 VUs over 3 threads share one count of 1001 (not a multiple of either): the run ends after exactly
    // 1001 requests, long before its 60 s duration cap.
    LoadSpec s;
    s.model = LoadModel::kClosed;
    s.vusers = 7;
    s.threads = 3;
    s.duration_ns = 60 * kNsPerSec;
    s.iterations = 1001;
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = RunLoad(s, Request(target_.Port(), "/api/v1/projects"));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
    EXPECT_EQ(r.total.total.requests, 1001u);
    EXPECT_EQ(r.total.total.ok, 1001u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), 1001u);
    EXPECT_FALSE(r.interrupted);
}

TEST_F(LoadRunTest, IterationCountSmallerThanTheVirtualUsersStartsOnlyThatMany) {
    LoadSpec s;
    s.model = LoadModel::kClosed;
    s.vusers = 10;
    s.threads = 2;
    s.duration_ns = 30 * kNsPerSec;
    s.iterations = 3;
    const RunResult r = RunLoad(s, Request(target_.Port(), "/slow?ms=100"));
    EXPECT_EQ(r.total.total.requests, 3u);
    EXPECT_EQ(TargetCount("GET /slow"), 3u);
}

TEST_F(LoadRunTest, DurationStillEndsARunWhoseIterationCountIsNotReached) {
    LoadSpec s;
    s.model = LoadModel::kClosed;
    s.vusers = 1;
    s.threads = 1;
    s.duration_ns = 1 * kNsPerSec;
    s.iterations = 1'000'000;
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = RunLoad(s, Request(target_.Port(), "/slow?ms=200"));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    // About five 200 ms requests fit in the second (fewer on a loaded machine), never more.
    EXPECT_GE(r.total.total.requests, 2u);
    EXPECT_LE(r.total.total.requests, 6u);
    EXPECT_EQ(TargetCount("GET /slow"), r.total.total.requests);
}

TEST_F(LoadRunTest, UnexpectedStatusesAreCountedAsStatusErrors) {
    auto cfg = Request(target_.Port(), "/status/503");
    const RunResult r = RunLoad(Open(50, 1 * kNsPerSec, 8, 1), cfg);
    EXPECT_EQ(r.total.total.requests, 50u);
    EXPECT_EQ(r.total.total.ErrorsOf(ErrorKind::kStatus), 50u);
    EXPECT_EQ(r.total.total.statuses.Count(503), 50u);
    EXPECT_EQ(r.total.total.ok, 0u);
}

TEST(LoadRunDeadTarget, RefusedConnectionsAreCountedWithoutSpinning) {
    const int dead_port = testing::FreeTcpPort();  // nothing listens there
    LoadSpec s;
    s.model = LoadModel::kClosed;
    s.vusers = 2;
    s.threads = 1;
    s.duration_ns = 1 * kNsPerSec;
    const auto t0 = std::chrono::steady_clock::now();
    std::clock_t cpu0 = std::clock();
    const RunResult r = RunLoad(s, Request(dead_port, "/"));
    const double cpu_s = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    const auto wall = std::chrono::steady_clock::now() - t0;
    EXPECT_GT(r.total.total.ErrorsOf(ErrorKind::kConnect), 0u);
    EXPECT_EQ(r.total.total.ok, 0u);
    // Backoff bounds the attempts: far fewer than a spinning loop would make.
    EXPECT_LT(r.total.total.requests, 1000u);
    EXPECT_LT(cpu_s, 0.5) << "the closed-model loop is spinning against a dead target";
    EXPECT_LT(wall, std::chrono::seconds(4));
}

TEST_F(LoadRunTest, SigintStopsEarlyAndDrains) {
    std::thread killer([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        std::raise(SIGINT);
    });
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = RunLoad(Open(100, 30 * kNsPerSec, 16, 2), Request(target_.Port(), "/api/v1/projects"));
    killer.join();
    EXPECT_TRUE(r.interrupted);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_GT(r.total.total.requests, 20u);
    EXPECT_LT(r.total.total.requests, 200u);
    EXPECT_EQ(r.total.total.ok, r.total.total.requests) << "drained requests must complete, not be cut";
    // Nothing reaches the target after the run returned.
    const std::uint64_t at_end = TargetCount("GET /api/v1/projects");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), at_end);
    EXPECT_EQ(at_end, r.total.total.requests);
}

TEST_F(LoadRunTest, RequestStopFromAnotherThreadDrains) {
    LoadRun run(Open(100, 30 * kNsPerSec, 16, 2), {}, MakeRequestRunnerFactory(Request(target_.Port(), "/api/v1/projects")),
                metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        run.RequestStop();
    });
    const auto t0 = std::chrono::steady_clock::now();
    RunOptions options;
    options.handle_signals = false;
    const RunResult r = run.Run(nullptr, options);
    stopper.join();
    EXPECT_TRUE(r.interrupted);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), r.total.total.requests);
}

TEST_F(LoadRunTest, TwoHalvesStartingOnOneInstantMakeExactlyTheWhole) {
    // What two agents do: each runs its slice of the same schedule from a shared start time.
    const auto halves = SplitSegment(sched::ShardSegment::Whole(), 2);
    std::vector<RunResult> results(2);
    const std::int64_t start_at = static_cast<std::int64_t>(uv_hrtime()) + 500 * kNsPerMs;
    std::vector<std::thread> agents;
    for (int i = 0; i < 2; ++i) {
        agents.emplace_back([&, i] {
            Workload w{Open(50, 2 * kNsPerSec, 8, 1), MakeRequestRunnerFactory(Request(target_.Port(), "/api/v1/projects")),
                       metrics::MakeStatKey(metrics::StatKind::kScenario, "s"), halves[static_cast<size_t>(i)]};
            LoadRun run({w}, {});
            RunOptions options;
            options.start_at_ns = start_at;
            options.handle_signals = false;
            results[static_cast<size_t>(i)] = run.Run(nullptr, options);
        });
    }
    for (auto& t : agents) t.join();
    EXPECT_EQ(results[0].total.total.requests + results[1].total.total.requests, 100u);
    EXPECT_NEAR(static_cast<double>(results[0].total.total.requests), 50.0, 2.0);
    EXPECT_EQ(results[0].started_ns, start_at);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), 100u);
}

TEST_F(LoadRunTest, ReshardMidRunChangesTheShareFromThatInstant) {
    // The whole schedule for 1 s, then only half of it: 100 + 50 arrivals (+- the slice's bound).
    LoadRun run(Open(100, 2 * kNsPerSec, 16, 2), {}, MakeRequestRunnerFactory(Request(target_.Port(), "/api/v1/projects")),
                metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    const std::int64_t start_at = static_cast<std::int64_t>(uv_hrtime()) + 300 * kNsPerMs;
    std::thread resharder([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + 500));
        run.Reshard(0, SplitSegment(sched::ShardSegment::Whole(), 2)[0], start_at + kNsPerSec);
    });
    RunOptions options;
    options.start_at_ns = start_at;
    options.handle_signals = false;
    const RunResult r = run.Run(nullptr, options);
    resharder.join();
    EXPECT_NEAR(static_cast<double>(r.total.total.requests), 150.0, static_cast<double>(sched::kShardMaxDeviation));
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), r.total.total.requests);
}

// Open-model iterations that end at once, recording their intended times; the stall_at-th one busy-waits (a
// blocked loop: a stalled Lua task, a frozen process) until `release` is set and then until `stall_until_ns`.
struct StallState {
    std::mutex mu;
    std::vector<std::int64_t> started;
    std::atomic<int> calls{0};
    std::atomic<bool> release{false};
    std::int64_t stall_until_ns = 0;
    int stall_at = 0;
};

class StallingRunner final : public IterationRunner {
public:
    explicit StallingRunner(StallState* state) : state_(state) {}
    int VuserCount() const noexcept override { return 4; }
    bool TryStart(int, std::int64_t intended_ns) noexcept override {
        {
            std::lock_guard<std::mutex> lock(state_->mu);
            state_->started.push_back(intended_ns);
        }
        if (++state_->calls == state_->stall_at) {
            while (!state_->release.load()) std::this_thread::yield();
            while (static_cast<std::int64_t>(uv_hrtime()) < state_->stall_until_ns) std::this_thread::yield();
        }
        return true;
    }
    int Busy() const noexcept override { return 0; }
    void Abort() noexcept override {}
    void Close(std::function<void()> done) override { done(); }

private:
    StallState* state_;
};

// A Reshard queued while a worker's loop is blocked (its instant passes during the block) still applies exactly
// when the worker comes back: the arrivals past the instant are overdue by then, and none of them is taken under
// the old slice.
TEST(LoadRunReshard, ReshardQueuedDuringAStallAppliesBeforeTheWorkerTakesMore) {
    StallState state;
    state.stall_at = 50;  // ~0.5 s in
    LoadRun run(Open(100, 3 * kNsPerSec, 4, 1), {},
                [&state](const WorkerContext&) { return std::make_unique<StallingRunner>(&state); },
                metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    const std::int64_t start_at = static_cast<std::int64_t>(uv_hrtime()) + 300 * kNsPerMs;
    const std::int64_t from = start_at + kNsPerSec;
    state.stall_until_ns = start_at + 1600 * kNsPerMs;  // the worker comes back 0.6 s past `from`
    std::thread resharder([&] {
        while (state.calls.load() < state.stall_at) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        run.Reshard(0, sched::ShardSegment{0, 0}, from);  // ahead of everything taken: exact
        state.release = true;
    });
    RunOptions options;
    options.start_at_ns = start_at;
    options.handle_signals = false;
    const RunResult r = run.Run(nullptr, options);
    resharder.join();
    // It owned the arrivals before `from` only: 100 of them, each started or dropped once; none after.
    std::lock_guard<std::mutex> lock(state.mu);
    std::int64_t after = 0;
    for (const std::int64_t t : state.started) after += t >= from ? 1 : 0;
    EXPECT_EQ(after, 0) << "arrivals started past the Reshard's instant";
    EXPECT_EQ(static_cast<std::int64_t>(state.started.size() + r.total.total.dropped), 100);
}

}  // namespace
}  // namespace lse::runtime
