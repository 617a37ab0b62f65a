// Coordinator cost of merging the per-second metrics of many agents.
//
// Every second each agent of a distributed run publishes one Metrics message holding its interval Snapshot.
// The coordinator handles each in Coordinator::OnMetrics (agent/coordinator/src/coordinator.cpp:220), one after
// the other on its single NATS loop thread, and once a second the caller's thread turns the merged interval into
// the live view's line (apps/lsengine/distributed_run.cpp:593, RunOutputs::Interval, live_view.cpp:92). With
// 1000 agents that was 1000 decodes and 2000 snapshot merges a second on one core: these benchmarks measure how much
// of that core it takes and how the cost splits between decoding and merging (issue 16: under 10% of a core for
// 1000 agents at 1 Hz). Since checkpoints (docs/protocol.md) each interval is merged once, straight from its bytes
// (BM_CoordinatorSecond); BM_TwoMerges keeps the previous path for comparison.
//
// OnMetrics is private and reachable only through a NATS subscription, for agents that registered over NATS
// (Coordinator::Connect, WaitForAgents), so it cannot be driven without a broker. HandleMetrics below therefore
// makes the same library calls in the same order; only the NATS I/O (receiving, publishing the ack) and the
// uncontended mutex are left out. tests/coordinator/thousand_agents_test.cpp drives the real thing with 1000
// agents over a real nats-server.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lse/coordinator/arrival_count.hpp"
#include "lse/coordinator/seq_window.hpp"
#include "lse/coordinator/shares.hpp"
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
using lse::metrics::CustomMetric;
using lse::metrics::CustomMetricKind;
using lse::metrics::GeneratorHealth;
using lse::metrics::MakeStatKey;
using lse::metrics::RequestStats;
using lse::metrics::Snapshot;
using lse::metrics::StatKind;
namespace proto = lse::protocol;
namespace subj = lse::protocol::subjects;

constexpr int kMaxAgents = 1000;
// Distinct agent seconds generated (agent i sends second i % kDistinctSeconds under its own id): generating 1000
// would take most of a minute, and the cost of a merge depends on the shape of the data, not on its identity.
constexpr int kDistinctSeconds = 250;
// Samples per key, agent and second: 5000 (55,000 requests a second per agent, the issue-15 fixture) or 500.
constexpr int kHeavy = 5000;
constexpr int kLight = 500;
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
Snapshot AgentSecond(std::uint64_t seed, const std::string& agent_id, int samples) {
    Traffic t(seed);
    Snapshot s;
    const auto jitter = static_cast<std::int64_t>((t.Uniform() - 0.5) * 4 * kNsPerMs);
    s.start_ns = kSecondStartNs + jitter;
    s.end_ns = s.start_ns + kNsPerSec;
    for (const TaskSpec& task : kTasks) {
        for (const char* name : task.requests) {
            RequestStats* named = &s.ForName(MakeStatKey(StatKind::kRequest, kScenario, task.task, name));
            for (int i = 0; i < samples; ++i) {
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
        for (int i = 0; i < samples; ++i) {
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
        s.checks[MakeStatKey(StatKind::kCheck, kScenario, task, name)] = {samples - fails, fails};
    }
    // A script's own metrics, one of each kind (lsengine.metrics.*): the trend is a payload size in KB.
    const std::int64_t now_ns = s.end_ns;
    CustomMetric* orders = s.ForCustom("orders_placed", CustomMetricKind::kCounter);
    CustomMetric* cart = s.ForCustom("cart_items", CustomMetricKind::kGauge);
    CustomMetric* hits = s.ForCustom("cache_hit", CustomMetricKind::kRate);
    CustomMetric* payload = s.ForCustom("payload_kb", CustomMetricKind::kTrend);
    for (int i = 0; i < samples; ++i) {
        orders->Add(1, now_ns);
        hits->Add(t.Uniform() < 0.8 ? 1 : 0, now_ns);
        payload->Add(std::exp(2.0 + t.Uniform() * 3.0), now_ns);
    }
    cart->Add(std::floor(t.Uniform() * 10), now_ns);
    // The agent's generator health (issue 16): loop lag samples from its threads' 10 ms timers, its gauges.
    GeneratorHealth& health = s.generators[agent_id];
    health.threads = 2;
    health.intervals = 1;
    for (int i = 0; i < 200; ++i) health.loop_lag_us.Record(static_cast<std::int64_t>(50 + t.Uniform() * 400));
    health.process_cpu = 0.7 + t.Uniform() * 0.4;
    health.host_cpu = 0.5;
    health.arrivals = samples * 2;
    health.open_sockets = 200;
    health.ephemeral_ports = 210;
    health.ephemeral_port_range = 28232;
    health.rss_bytes = 80u << 20;
    return s;
}

struct AgentMessage {
    std::string id;
    std::string subject;  // what NATS hands OnMetrics as m.subject
    std::string bytes;    // EncodeMetrics, as AgentLoop::PublishMetrics sends it
    std::uint64_t requests = 0;
};

const std::vector<AgentMessage>& Messages(int samples) {
    static std::map<int, std::vector<AgentMessage>> by_samples;
    auto [at, added] = by_samples.try_emplace(samples);
    if (!added) return at->second;
    at->second = [samples] {
        std::vector<AgentMessage> out;
        std::vector<Snapshot> seconds;
        for (int i = 0; i < kMaxAgents; ++i) {
            const std::string id = "agent-" + std::to_string(i);
            if (i < kDistinctSeconds) seconds.push_back(AgentSecond(0x5eed0000u + static_cast<std::uint64_t>(i), id, samples));
            Snapshot snapshot = seconds[static_cast<std::size_t>(i % kDistinctSeconds)];
            if (i >= kDistinctSeconds) {  // the health entry is keyed by the sender
                snapshot.generators = {{id, seconds[static_cast<std::size_t>(i % kDistinctSeconds)].generators.begin()->second}};
            }
            proto::Metrics m;
            m.run_id = kRun;
            m.agent_id = id;
            m.seq = 1;
            m.active_vusers = 400;
            snapshot.AppendTo(&m.snapshot);
            out.push_back({m.agent_id, subj::Metrics(kCluster, kRun, m.agent_id), proto::EncodeMetrics(m),
                           snapshot.total.requests});
        }
        return out;
    }();
    return at->second;
}

// Each agent's checkpoint message (docs/protocol.md, "Checkpoints"): its cumulative total, here ten distinct seconds
// summed (a cumulative histogram fills more counters than one second's, so it is larger than an interval).
const std::vector<std::string>& Checkpoints(int samples) {
    static std::map<int, std::vector<std::string>> by_samples;
    auto [at, added] = by_samples.try_emplace(samples);
    if (!added) return at->second;
    at->second = [samples] {
        const std::vector<AgentMessage>& messages = Messages(samples);
        std::vector<Snapshot> seconds(kDistinctSeconds);
        for (int i = 0; i < kDistinctSeconds; ++i) {
            proto::Metrics m;
            if (!proto::DecodeMetrics(messages[static_cast<std::size_t>(i)].bytes, &m, nullptr) ||
                !Snapshot::Decode(m.snapshot, &seconds[static_cast<std::size_t>(i)], nullptr)) {
                std::abort();  // the fixture itself is broken
            }
        }
        std::vector<Snapshot> sums(kDistinctSeconds);
        for (int i = 0; i < kDistinctSeconds; ++i) {
            for (int k = 0; k < 10; ++k) sums[static_cast<std::size_t>(i)] += seconds[static_cast<std::size_t>((i + k) % kDistinctSeconds)];
        }
        std::vector<std::string> out;
        for (int i = 0; i < kMaxAgents; ++i) {
            Snapshot sum = sums[static_cast<std::size_t>(i % kDistinctSeconds)];
            const GeneratorHealth health = sum.generators.begin()->second;
            sum.generators = {{messages[static_cast<std::size_t>(i)].id, health}};
            proto::Metrics m;
            m.run_id = kRun;
            m.agent_id = messages[static_cast<std::size_t>(i)].id;
            m.seq = 2;  // HandleMetrics turns it into this second's checkpoint seq
            m.is_checkpoint = true;
            m.active_vusers = 400;
            sum.AppendTo(&m.snapshot);
            out.push_back(proto::EncodeMetrics(m));
        }
        return out;
    }();
    return at->second;
}

// The same messages decoded once, for the merge-only benchmark.
const std::vector<Snapshot>& Decoded(int samples) {
    static std::map<int, std::vector<Snapshot>> by_samples;
    auto [at, added] = by_samples.try_emplace(samples);
    if (!added) return at->second;
    at->second = [samples] {
        const std::vector<AgentMessage>& messages = Messages(samples);
        std::vector<Snapshot> out(messages.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            proto::Metrics m;
            if (!proto::DecodeMetrics(messages[i].bytes, &m, nullptr) ||
                !Snapshot::Decode(m.snapshot, &out[i], nullptr)) {
                std::abort();  // the fixture itself is broken
            }
        }
        return out;
    }();
    return at->second;
}

// ---- the coordinator's side ----

// The state OnMetrics updates (coordinator.hpp: Agent, agent_index_, pending_interval_) and what the caller's thread
// keeps across seconds (distributed_run.cpp's IntervalAligner, RunOutputs' cumulative_).
struct CoordinatorModel {
    struct Agent {
        std::string id;
        std::uint32_t attempt = 0;
        lse::coordinator::SeqWindow seen_seqs;
        Snapshot interval_sum;  // before checkpoints: the agent's running total, merged into with every interval
        // Now (coordinator.hpp, Agent): its latest checkpoint and the intervals after it, as bytes.
        std::string checkpoint;
        std::uint64_t checkpoint_seq = 0;
        std::map<std::uint64_t, std::string> since_checkpoint;
        std::int64_t last_interval_end_ns = 0;
        double last_interval_rate = 0;
        double last_interval_request_rate = 0;
    };
    std::vector<Agent> agents;
    std::map<std::string, std::size_t, std::less<>> agent_index;
    std::vector<lse::coordinator::AgentScenario> scenarios{{kScenario, true, {}, lse::sched::RateProfile::Constant(1000, kRunNs)}};
    Snapshot pending_interval;
    Snapshot decode_scratch;
    lse::metrics::AddSummary add_summary;
    lse::report::IntervalAligner aligner{0, kRunNs, 700 * kNsPerMs};
    Snapshot cumulative;
    std::uint64_t second = 0;  // seconds handled so far
    int samples = 0;           // which fixture: Messages(samples)

    CoordinatorModel(int n, int samples_per_key) : agents(static_cast<std::size_t>(n)), samples(samples_per_key) {
        for (std::size_t i = 0; i < agents.size(); ++i) {
            agents[i].id = Messages(samples)[i].id;
            agent_index.emplace(agents[i].id, i);
        }
    }
};

// kOnce leaves the agent's running sum out: what the coordinator would spend if each interval were merged only
// once (docs/architecture.md, "Limits of one coordinator", the plan's first step).
template <bool kOnce = false>
void Merge(CoordinatorModel& c, CoordinatorModel::Agent& a, const Snapshot& snap) {
    if constexpr (!kOnce) a.interval_sum += snap;
    c.pending_interval += snap;
}

// Coordinator::OnMetrics step by step; false where it would drop the message.
template <bool kOnce = false>
bool HandleMetrics(CoordinatorModel& c, const AgentMessage& in) {
    proto::Metrics msg;
    std::string error;
    if (!proto::DecodeMetrics(in.bytes, &msg, &error)) return false;
    if (msg.run_id != kRun || subj::LastToken(in.subject) != msg.agent_id) return false;
    const auto found = c.agent_index.find(msg.agent_id);
    if (found == c.agent_index.end()) return false;
    CoordinatorModel::Agent& a = c.agents[found->second];
    if (msg.attempt != a.attempt) return false;
    // The ack is built as OnMetrics builds it; only the publish itself is left out.
    std::string ack_subject = subj::Agent(kCluster, kRun, a.id, proto::AgentChannel::kMetricsAck);
    std::string ack = proto::EncodeMetricsAck(proto::MetricsAck{kRun, msg.seq});
    benchmark::DoNotOptimize(ack_subject);
    benchmark::DoNotOptimize(ack);
    // The prepared messages all carry seq 1; a real agent's seq grows by one a second, and so does this one.
    if (!a.seen_seqs.Insert(msg.seq + c.second)) return false;
    Snapshot& snap = c.decode_scratch;  // reused across messages, as in OnMetrics
    if (!Snapshot::Decode(msg.snapshot, &snap, &error)) return false;
    Merge<kOnce>(c, a, snap);
    if (snap.HasInterval() && snap.end_ns + static_cast<std::int64_t>(c.second) * kNsPerSec > a.last_interval_end_ns) {
        a.last_interval_end_ns = snap.end_ns + static_cast<std::int64_t>(c.second) * kNsPerSec;
        const double secs = static_cast<double>(snap.end_ns - snap.start_ns) / 1e9;
        a.last_interval_rate = static_cast<double>(lse::coordinator::CountArrivals(snap, c.scenarios).sent) / secs;
        a.last_interval_request_rate = static_cast<double>(snap.total.requests) / secs;
    }
    return true;
}

// Coordinator::OnMetrics as it is now: a checkpoint is kept as bytes; an interval is added straight from the wire
// into the pending interval (Snapshot::AddEncoded: no scratch snapshot, no per-agent sum) and kept as bytes until a
// checkpoint covers it. Interval seqs are odd, checkpoint seqs even: 2 per simulated second.
bool HandleMetricsNow(CoordinatorModel& c, std::string_view bytes, std::string_view subject) {
    proto::Metrics msg;
    std::string error;
    if (!proto::DecodeMetrics(bytes, &msg, &error)) return false;
    if (msg.run_id != kRun || subj::LastToken(subject) != msg.agent_id) return false;
    const auto found = c.agent_index.find(msg.agent_id);
    if (found == c.agent_index.end()) return false;
    CoordinatorModel::Agent& a = c.agents[found->second];
    if (msg.attempt != a.attempt) return false;
    std::string ack_subject = subj::Agent(kCluster, kRun, a.id, proto::AgentChannel::kMetricsAck);
    std::string ack = proto::EncodeMetricsAck(proto::MetricsAck{kRun, msg.seq});
    benchmark::DoNotOptimize(ack_subject);
    benchmark::DoNotOptimize(ack);
    const std::uint64_t seq = msg.seq + 2 * c.second;
    if (!a.seen_seqs.Insert(seq)) return false;
    if (msg.is_checkpoint) {
        if (seq > a.checkpoint_seq) {
            a.checkpoint = std::move(msg.snapshot);
            a.checkpoint_seq = seq;
            a.since_checkpoint.erase(a.since_checkpoint.begin(), a.since_checkpoint.lower_bound(seq));
        }
        return true;
    }
    lse::metrics::AddSummary& seen = c.add_summary;
    if (!Snapshot::AddEncoded(msg.snapshot, &c.pending_interval, &error, &seen, a.id)) return false;
    const std::int64_t end_ns = seen.end_ns + static_cast<std::int64_t>(c.second) * kNsPerSec;
    if (seen.end_ns > seen.start_ns && end_ns > a.last_interval_end_ns) {
        a.last_interval_end_ns = end_ns;
        const double secs = static_cast<double>(seen.end_ns - seen.start_ns) / 1e9;
        a.last_interval_rate = static_cast<double>(lse::coordinator::CountArrivals(seen.rows, c.scenarios).sent) / secs;
        a.last_interval_request_rate = static_cast<double>(seen.requests) / secs;
    }
    if (seq > a.checkpoint_seq) a.since_checkpoint.emplace(seq, std::move(msg.snapshot));
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
template <bool kDecode, bool kOnce = false>
void OneSecond(CoordinatorModel& c, int n) {
    for (int i = 0; i < n; ++i) {
        if constexpr (kDecode) {
            HandleMetrics<kOnce>(c, Messages(c.samples)[static_cast<std::size_t>(i)]);
        } else {
            Merge(c, c.agents[static_cast<std::size_t>(i)], Decoded(c.samples)[static_cast<std::size_t>(i)]);
        }
    }
    ShowSecond(c);
}

// One second as the coordinator handles it now: every agent's interval, and a tenth of the agents' checkpoints
// (each agent sends one every 10 s, the agents out of step with each other).
void OneSecondNow(CoordinatorModel& c, int n) {
    const std::vector<AgentMessage>& messages = Messages(c.samples);
    const std::vector<std::string>& checkpoints = Checkpoints(c.samples);
    for (int i = 0; i < n; ++i) {
        const AgentMessage& m = messages[static_cast<std::size_t>(i)];
        HandleMetricsNow(c, m.bytes, m.subject);
        if ((c.second + static_cast<std::uint64_t>(i)) % 10 == 9) {
            HandleMetricsNow(c, checkpoints[static_cast<std::size_t>(i)], m.subject);
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
void ReportCounters(benchmark::State& state, const CoordinatorModel& c, int n, double seconds) {
    double bytes = 0;
    for (int i = 0; i < n; ++i) bytes += static_cast<double>(Messages(c.samples)[static_cast<std::size_t>(i)].bytes.size());
    state.counters["agents"] = n;
    state.counters["samples_per_key"] = c.samples;
    // What the coordinator keeps per agent shows in the process's size (the fixture's messages are in it too).
    long pages = 0;
    long resident = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    state.counters["rss_mb"] = static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
    state.counters["bytes_per_msg"] = bytes / n;
    const auto iterations = std::max<benchmark::IterationCount>(1, state.iterations());
    state.counters["core_pct"] = 100.0 * seconds / static_cast<double>(iterations);
}

// Every merge must have landed: the run's cumulative total holds each handled second of every agent.
void CheckTotals(benchmark::State& state, const CoordinatorModel& c, int n) {
    std::uint64_t per_second = 0;
    for (int i = 0; i < n; ++i) per_second += Messages(c.samples)[static_cast<std::size_t>(i)].requests;
    if (c.cumulative.total.requests != per_second * c.second) state.SkipWithError("merged totals do not add up");
}

// The headline: one second of the coordinator as it is (OnMetrics with checkpoints and the fused merge), then
// showing the second. The bytes it keeps per agent (a checkpoint and up to 10 intervals) are in rss_mb.
void BM_CoordinatorSecond(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    CoordinatorModel c(n, static_cast<int>(state.range(1)));
    Checkpoints(c.samples);  // built before the clock runs
    // The run is under way: every agent has a checkpoint and intervals kept, the pending interval's keys and pages
    // exist, so the loop sees the steady state (not their first allocation).
    for (int s = 0; s < 10; ++s) OneSecondNow(c, n);
    const double seconds = Timed(state, [&] { OneSecondNow(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, c, n, seconds);
}

// Before checkpoints (the previous OnMetrics): decode into a scratch snapshot, merge it into the agent's running sum
// and into the pending interval.
void BM_TwoMerges(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    CoordinatorModel c(n, static_cast<int>(state.range(1)));
    OneSecond<true>(c, n);
    const double seconds = Timed(state, [&] { OneSecond<true>(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, c, n, seconds);
}

// Decoding left out: the same merges from snapshots decoded beforehand. The difference to BM_CoordinatorSecond is
// the decode share (DecodeMetrics, Snapshot::Decode into the reused snapshot, and the checks).
void BM_MergeOnly(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    Decoded(static_cast<int>(state.range(1)));  // decode before the clock runs
    CoordinatorModel c(n, static_cast<int>(state.range(1)));
    OneSecond<false>(c, n);
    const double seconds = Timed(state, [&] { OneSecond<false>(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, c, n, seconds);
}

// As BM_TwoMerges, without the merge into each agent's running sum: merged once, but still decoded into a scratch
// snapshot first (what the fused merge of BM_CoordinatorSecond saves on top).
void BM_MergedOnce(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    CoordinatorModel c(n, static_cast<int>(state.range(1)));
    OneSecond<true, true>(c, n);
    const double seconds = Timed(state, [&] { OneSecond<true, true>(c, n); });
    CheckTotals(state, c, n);
    ReportCounters(state, c, n, seconds);
}

// {agents, samples per key}: the issue-15 fixture at 1, 200 and 1000 agents, and 1000 agents at a tenth of the load.
void Sizes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"agents", "samples"});
    b->Args({1, kHeavy})->Args({200, kHeavy})->Args({kMaxAgents, kHeavy})->Args({kMaxAgents, kLight});
    b->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_CoordinatorSecond)->Apply(Sizes);
BENCHMARK(BM_TwoMerges)->Apply(Sizes);
BENCHMARK(BM_MergeOnly)->Apply(Sizes);
BENCHMARK(BM_MergedOnce)->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();
