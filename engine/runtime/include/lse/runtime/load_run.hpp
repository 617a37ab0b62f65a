#pragma once
/// @file
/// Runs load on this machine. Each workload (a scenario, or the single request of
/// URL mode) gets its own worker threads. All workers first prepare their virtual
/// users (Lua: on_start); once every one is ready they start together on one
/// shared instant. Metrics are gathered once a second; at the end (or on Ctrl-C:
/// the first drains and runs on_stop, a second one or a SIGTERM cancels in-flight work)
/// workers wind down, and the merged totals and per-second timeline are returned. A worker
/// that does not finish within 0.5 s of a cancel is left behind (RunResult::abandoned_workers).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"
#include "lse/sched/shard.hpp"

namespace lse::runtime {

struct Workload {
    LoadSpec spec;
    RunnerFactory factory;
    std::string dropped_key;  ///< stats key (lse/metrics/stat_key.hpp, kind S) for dropped arrivals
    /// This process's slice of the scenario's arrivals (an agent's shard); its worker threads split it.
    sched::ShardSegment segment = sched::ShardSegment::Whole();
    /// This workload's own client options (a scenario's client certificate or response-header limit); unset: the
    /// LoadRun's. Its workers' connections are their own either way (one client per worker).
    std::optional<http::ClientOptions> client{};
};

struct RunOptions {
    /// Absolute monotonic time load starts (an agent's synchronised start); 0: as soon as every
    /// worker is prepared. If it has passed by then, load starts at once: arrivals still keep their
    /// schedule relative to start_at, so the late ones are started late and measured from their
    /// intended time (or dropped), never silently shifted.
    std::int64_t start_at_ns = 0;
    /// Install SIGINT/SIGTERM handlers (first: drain; second: cancel). Off when the caller handles
    /// signals itself (the agent) and stops the run with RequestStop().
    bool handle_signals = true;
    /// Send lease (an agent's resume check, docs/protocol.md): when set, workers start no arrival and no
    /// iteration while the monotonic clock is past *send_lease_ns; they hold (taking nothing from the schedule)
    /// until the owner renews it, then catch up paced (at most twice the planned rate, sched::CatchUpGate) and only
    /// within max_wait, counting older arrivals as dropped.
    /// Null: no lease (a single-node run). Must outlive Run().
    const std::atomic<std::int64_t>* send_lease_ns = nullptr;
};

class Worker;

struct RunResult {
    metrics::Snapshot total;                   ///< everything, merged exactly across workers
    std::vector<metrics::Snapshot> intervals;  ///< one per second of the run (merged across workers)
    bool interrupted = false;                  ///< stopped early by a signal or RequestStop
    std::int64_t started_ns = 0;               ///< absolute monotonic start of load (0: never started)
    std::int64_t ended_ns = 0;                 ///< when the last worker finished
    std::vector<std::string> finish_errors;    ///< what Finish (on_stop) reported, per worker that failed
    /// Workers still running half a second after a cancel (a second SIGINT, a SIGTERM, the watchdog): stuck in code
    /// that never returns to their loop (Lua with the instruction budget off). They were left running, and with them
    /// the run's loop and workers were deliberately not freed: the caller must report what it can and end the
    /// process with std::_Exit, without returning through destructors. `interrupted` is set; totals cover what the
    /// workers had published.
    int abandoned_workers = 0;
};

struct RunProgress {
    const metrics::Snapshot& interval;    ///< the second that just ended, all workers
    const metrics::Snapshot& cumulative;  ///< since the start
    std::int64_t elapsed_ns;
    std::int64_t total_ns;
};

class LoadRun {
public:
    LoadRun(std::vector<Workload> workloads, http::ClientOptions client);
    /// URL mode: one workload.
    LoadRun(LoadSpec spec, http::ClientOptions client, RunnerFactory factory, std::string dropped_key);

    /// Blocks until the run is over. Throws what a worker's setup threw (e.g. lse::SetupError), or
    /// lse::ScriptError when a runner's Prepare reported that the run cannot go on.
    /// on_progress is called on this thread about once a second while load runs.
    RunResult Run(const std::function<void(const RunProgress&)>& on_progress, RunOptions options = {});

    /// Thread-safe: stop starting iterations, drain, run Finish (like a first Ctrl-C). abort=true
    /// also cancels what is in flight (like a second one). No effect before Run or after it returned.
    void RequestStop(bool abort = false);

    /// Thread-safe: gives workload `index` a new slice of its scenario's arrivals from the absolute
    /// monotonic time from_ns on (an agent taking over a lost agent's share). Arrivals before from_ns
    /// are unaffected; none is lost or duplicated across slices that tile the whole.
    void Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns);

    /// The longest workload's run length.
    std::int64_t RunLengthNs() const;

private:
    void ReshardLocked(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns);  // live_mu_ held

    std::vector<Workload> workloads_;
    http::ClientOptions client_;

    std::mutex live_mu_;  // guards live_workers_ against RequestStop/Reshard from other threads
    std::vector<std::unique_ptr<Worker>>* live_workers_ = nullptr;
    std::vector<size_t> worker_workload_;  // workload index of each worker
    struct EarlyReshard {
        size_t workload_index;
        sched::ShardSegment segment;
        std::int64_t from_ns;
    };
    std::vector<EarlyReshard> early_reshards_;  // asked for before Run created the workers (guarded by live_mu_)
    std::atomic<bool> stop_requested_{false};
};

/// Splits a slice into `parts` adjacent slices of (nearly) equal size that tile it exactly.
std::vector<sched::ShardSegment> SplitSegment(sched::ShardSegment segment, int parts);

}  // namespace lse::runtime
