// Coordinator cost of merging the per-second metrics of many agents.
//
// Every second each agent of a distributed run publishes one Metrics message holding its interval Snapshot.
// The coordinator handles each in Coordinator::OnMetrics (agent/coordinator/src/coordinator.cpp:220), one after
// the other on its single NATS loop thread, and once a second the caller's thread turns the merged interval into
// the live view's line (apps/lsengine/distributed_run.cpp:593, RunOutputs::Interval, live_view.cpp:92). With
// 200 agents that is 200 decodes and 400 snapshot merges a second on one core: these benchmarks measure how much
// of that core it takes and how the cost splits between decoding and merging.
//
// OnMetrics is private and reachable only through a NATS subscription, for agents that registered over NATS
// (Coordinator::Connect, WaitForAgents), so it cannot be driven without a broker. HandleMetrics below therefore
// makes the same library calls in the same order; only the NATS I/O (receiving, publishing the ack) and the
// uncontended mutex are left out.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/core/error_kind.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/report/interval_aligner.hpp"

namespace {

using lse::ErrorKind;
using lse::kNsPerMs;
using lse::kNsPerSec;
using lse::metrics::MakeStatKey;
using lse::metrics::RequestStats;
using lse::metrics::Snapshot;
using lse::metrics::StatKind;
namespace proto = lse::protocol;
namespace subj = lse::protocol::subjects;

constexpr int kMaxAgents = 200;
constexpr int kSamplesPerKey = 5000;  // per key, agent and second
constexpr char kCluster[] = "bench";
constexpr char kRun[] = "run-1";
constexpr char kScenario[] = "shop";
// The simulated second is [5 s, 6 s) of a long run; agents' bounds differ by their clock-offset error.
constexpr std::int64_t kSecondStartNs = 5 * kNsPerSec;
constexpr std::int64_t kRunNs = 3600 * kNsPerSec;

// ---- the agents' messages (built once, outside every timed loop) ----

// What one scenario of two tasks produces (stat_key.hpp): its requests (R, counted in the total), its tasks'
// iterations (T) and its arrivals (S: dropped ones only, no latencies), plus a few checks. 11 keys.
struct TaskSpec {
    const char* task;
    std::vector<const char*> requests;
};
const TaskSpec kTasks[] = {
    {"browse", {"GET /", "GET /api/products", "GET /api/products/{id}", "GET /api/search", "GET /static/app.js"}},
    {"checkout", {"POST /api/cart", "GET /api/cart", "POST /api/orders"}},
};
const char* const kChecks[][2] = {
    {"browse", "status is 200"}, {"browse", "has products"}, {"checkout", "order created"}};

// Latencies as a loaded HTTP service shows them: log-normal service time with a 2 ms median and sigma 1.2
// (p99 ~ 33 ms; a second's slowest samples reach 100-300 ms), cut at a 500 ms timeout. The response time adds a
// short wait for a connection, as coordinated-omission correction charges it. The spread matters here: it
// decides how many histogram counters and pages a message carries, hence its size and the merge cost.
class Traffic {
public:
    explicit Traffic(std::uint64_t seed) : rng_(seed) {}
    std::int64_t ServiceUs() { return std::min<std::int64_t>(std::llround(service_(rng_)), 500'000); }
    std::int64_t WaitUs() { return std::llround(wait_(rng_)); }
    double Uniform() { return uniform_(rng_); }

private:
    std::mt19937_64 rng_;
    std::lognormal_distribution<double> service_{std::log(2000.0), 1.2};
    std::exponential_distribution<double> wait_{1.0 / 50.0};  // mean 50 µs
    std::uniform_real_distribution<double> uniform_{0.0, 1.0};
};

// One agent's interval, recorded through the same Snapshot/RequestStats calls the agent's workers use.
Snapshot AgentSecond(std::uint64_t seed) {
    Traffic t(seed);
    Snapshot s;
    const auto jitter = static_cast<std::int64_t>((t.Uniform() - 0.5) * 4 * kNsPerMs);
    s.start_ns = kSecondStartNs + jitter;
    s.end_ns = s.start_ns + kNsPerSec;
    for (const TaskSpec& task : kTasks) {
        for (const char* name : task.requests) {
            RequestStats* named = &s.ForName(MakeStatKey(StatKind::kRequest, kScenario, task.task, name));
            for (int i = 0; i < kSamplesPerKey; ++i) {
                const double u = t.Uniform();
                if (u < 0.002) {  // timed out: counted, not timed
                    s.RecordCompletion(named, ErrorKind::kTimeout, 0, false, 0, 0, 0, 350);
                    continue;
                }
                const int status = u < 0.012 ? 404 : u < 0.017 ? 500 : u < 0.02 ? 503 : 200;
                const std::int64_t service = t.ServiceUs();
                s.RecordCompletion(named, ErrorKind::kNone, status, status < 400, service, service + t.WaitUs(),
                                   static_cast<std::uint64_t>(1000 + u * 30000), 350);
            }
        }
        // An iteration runs the task's requests one after the other (scenario_engine.cpp records status 0).
        RequestStats& iterations = s.ForName(MakeStatKey(StatKind::kTask, kScenario, task.task));
        for (int i = 0; i < kSamplesPerKey; ++i) {
            std::int64_t duration = 0;
            for (std::size_t r = 0; r < task.requests.size(); ++r) duration += t.ServiceUs();
            const bool failed = t.Uniform() < 0.01;
            iterations.RecordCompletion(failed ? ErrorKind::kCheck : ErrorKind::kNone, 0, !failed, duration,
                                        duration + t.WaitUs(), 0, 0);
        }
    }
    const auto dropped = static_cast<std::uint64_t>(t.Uniform() * 20);
    s.ForName(MakeStatKey(StatKind::kScenario, kScenario)).RecordDropped(dropped);
    s.total.RecordDropped(dropped);  // as MetricsRecorder::Publish folds keys outside the total
    for (const auto& [task, name] : kChecks) {
        const auto fails = static_cast<std::uint64_t>(t.Uniform() * 50);
        s.checks[MakeStatKey(StatKind::kCheck, kScenario, task, name)] = {kSamplesPerKey - fails, fails};
    }
    return s;
}

struct AgentMessage {
    std::string id;
    std::string subject;  // what NATS hands OnMetrics as m.subject
    std::string bytes;    // EncodeMetrics, as AgentLoop::PublishMetrics sends it
    std::uint64_t requests = 0;
};

const std::vector<AgentMessage>& Messages() {
    static const std::vector<AgentMessage> messages = [] {
        std::vector<AgentMessage> out;
        for (int i = 0; i < kMaxAgents; ++i) {
            const Snapshot snapshot = AgentSecond(0x5eed0000u + static_cast<std::uint64_t>(i));
            proto::Metrics m;
            m.run_id = kRun;
            m.agent_id = "agent-" + std::to_string(i);
            m.seq = 1;
            m.active_vusers = 400;
            snapshot.AppendTo(&m.snapshot);
            out.push_back({m.agent_id, subj::Metrics(kCluster, kRun, m.agent_id), proto::EncodeMetrics(m),
                           snapshot.total.requests});
        }
        return out;
    }();
    return messages;
}

// The same messages decoded once, for the merge-only benchmark.
const std::vector<Snapshot>& Decoded() {
    static const std::vector<Snapshot> decoded = [] {
        std::vector<Snapshot> out(Messages().size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            proto::Metrics m;
            if (!proto::DecodeMetrics(Messages()[i].bytes, &m, nullptr) ||
                !Snapshot::Decode(m.snapshot, &out[i], nullptr)) {
                std::abort();  // the fixture itself is broken
            }
        }
        return out;
    }();
    return decoded;
}

// ---- the coordinator's side ----

// The state OnMetrics updates (coordinator.hpp: Agent, pending_interval_) and what the caller's thread keeps
// across seconds (distributed_run.cpp's IntervalAligner, RunOutputs' cumulative_).
struct CoordinatorModel {
    struct Agent {
        std::string id;
        std::uint32_t attempt = 0;
        std::set<std::uint64_t> seen_seqs;
        Snapshot interval_sum;  // the agent's running total, what Coordinator::Total() adds up
    };
    std::vector<Agent> agents;
    Snapshot pending_interval;
    Snapshot decode_scratch;
    lse::report::IntervalAligner aligner{0, kRunNs, 700 * kNsPerMs};
    Snapshot cumulative;
    std::uint64_t second = 0;  // seconds handled so far

    explicit CoordinatorModel(int n) {
        for (int i = 0; i < n; ++i) agents.push_back({Messages()[static_cast<std::size_t>(i)].id, 0, {}, {}});
    }
};

void Merge(CoordinatorModel& c, CoordinatorModel::Agent& a, const Snapshot& snap) {
    a.interval_sum += snap;
    c.pending_interval += snap;
}

// Coordinator::OnMetrics (coordinator.cpp:220-253) step by step; false where it would drop the message.
bool HandleMetrics(CoordinatorModel& c, const AgentMessage& in) {
    proto::Metrics msg;
    std::string error;
    if (!proto::DecodeMetrics(in.bytes, &msg, &error)) return false;
    if (msg.run_id != kRun || subj::LastToken(in.subject) != msg.agent_id) return false;
    auto it = std::find_if(c.agents.begin(), c.agents.end(), [&](const auto& a) { return a.id == msg.agent_id; });
    if (it == c.agents.end() || msg.attempt != it->attempt) return false;
    // The ack is built as OnMetrics builds it; only the publish itself is left out.
    std::string ack_subject = subj::Agent(kCluster, kRun, it->id, proto::AgentChannel::kMetricsAck);
    std::string ack = proto::EncodeMetricsAck(proto::MetricsAck{kRun, msg.seq});
    benchmark::DoNotOptimize(ack_subject);
    benchmark::DoNotOptimize(ack);
    // The prepared messages all carry seq 1; a real agent's seq grows by one a second, and so does this one.
    if (!it->seen_seqs.insert(msg.seq + c.second).second) return false;
    Snapshot& snap = c.decode_scratch;  // reused across messages, as in OnMetrics
    if (!Snapshot::Decode(msg.snapshot, &snap, &error)) return false;
    Merge(c, *it, snap);
    return true;
}

// Once a second on the caller's thread: TakeInterval, the IntervalAligner lining the second up, RunOutputs adding
// it to the run's cumulative total, and the percentiles the live view prints (live_view.cpp:92). TakeAll stands in
// for TakeReady(now): the same hand-over, without a clock. The real caller polls every 100 ms, so when agents'
// messages straddle a poll it does a few such Adds a second: one is the least it does.
void ShowSecond(CoordinatorModel& c) {
    c.aligner.Add(std::exchange(c.pending_interval, Snapshot{}));
    for (const Snapshot& s : c.aligner.TakeAll()) {
        c.cumulative += s;
        const auto& h = s.total.response_time_us;
        benchmark::DoNotOptimize(h.ValueAtPercentile(50));
        benchmark::DoNotOptimize(h.ValueAtPercentile(95));
        benchmark::DoNotOptimize(h.ValueAtPercentile(99));
    }
    ++c.second;
}

// One second of metrics from the first n agents, decoded (or not) and merged.
template <bool kDecode>
void OneSecond(CoordinatorModel& c, int n) {
    for (int i = 0; i < n; ++i) {
        if constexpr (kDecode) {
            HandleMetrics(c, Messages()[static_cast<std::size_t>(i)]);
        } else {
            Merge(c, c.agents[static_cast<std::size_t>(i)], Decoded()[static_cast<std::size_t>(i)]);
        }
    }
    ShowSecond(c);
}

// Runs the timed loop; returns its wall time in seconds (for core_pct).
template <typename Body>
double Timed(benchmark::State& state, Body&& body) {
    const auto begin = std::chrono::steady_clock::now();
    for (auto _ : state) body();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

// Counters shared by the benchmarks. core_pct: as every iteration is one second of metrics, the time per
// iteration over 1 s is the share of the coordinator's loop thread (one core) it keeps busy, in percent.
// (Measured here: Google Benchmark's rate counters would print it with a misleading "s" unit.)
void ReportCounters(benchmark::State& state, int n, double seconds) {
    double bytes = 0;
    for (int i = 0; i < n; ++i) bytes += static_cast<double>(Messages()[static_cast<std::size_t>(i)].bytes.size());
    state.counters["agents"] = n;
    state.counters["bytes_per_msg"] = bytes / n;
    const auto iterations = std::max<benchmark::IterationCount>(1, state.iterations());
    state.counters["core_pct"] = 100.0 * seconds / static_cast<double>(iterations);
}

// Every merge must have landed: the run's cumulative total holds each handled second of every agent.
void CheckTotals(benchmark::State& state, const CoordinatorModel& c, int n) {
    std::uint64_t per_second = 0;
    for (int i = 0; i < n; ++i) per_second += Messages()[static_cast<std::size_t>(i)].requests;
    if (c.cumulative.total.requests != per_second * c.second) state.SkipWithError("merged totals do not add up");
}

// The headline: decode, check and merge every agent's message of one second, then show the second.
void BM_CoordinatorSecond(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    CoordinatorModel c(n);
    // The run is under way: the long-lived totals already hold every key, so the loop sees the steady state
    // (not their first allocation).
    OneSecond<true>(c, n);
    const double seconds = Timed(state, [&] { OneSecond<true>(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, n, seconds);
}

// Decoding left out: the same merges from snapshots decoded beforehand. The difference to BM_CoordinatorSecond is
// the decode share (DecodeMetrics, Snapshot::Decode into the reused snapshot, and the checks).
void BM_MergeOnly(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    Decoded();  // decode before the clock runs
    CoordinatorModel c(n);
    OneSecond<false>(c, n);
    const double seconds = Timed(state, [&] { OneSecond<false>(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, n, seconds);
}

BENCHMARK(BM_CoordinatorSecond)->Arg(1)->Arg(50)->Arg(kMaxAgents)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MergeOnly)->Arg(1)->Arg(50)->Arg(kMaxAgents)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
