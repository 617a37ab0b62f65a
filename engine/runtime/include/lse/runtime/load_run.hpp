#pragma once
/// @file
/// Runs load on this machine. Each workload (a scenario, or the single request of
/// URL mode) gets its own worker threads. All workers first prepare their virtual
/// users (Lua: on_start); once every one is ready they start together on one
/// shared instant. Metrics are gathered once a second; at the end (or on Ctrl-C:
/// the first drains and runs on_stop, a second cancels in-flight work) workers wind
/// down, and the merged totals and per-second timeline are returned.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::runtime {

struct Workload {
    LoadSpec spec;
    RunnerFactory factory;
    std::string dropped_key;  ///< stats key (lse/metrics/stat_key.hpp, kind S) for dropped arrivals
};

struct RunResult {
    metrics::Snapshot total;                   ///< everything, merged exactly across workers
    std::vector<metrics::Snapshot> intervals;  ///< one per second of the run (merged across workers)
    bool interrupted = false;                  ///< stopped early by a signal
    std::int64_t started_ns = 0;               ///< absolute monotonic start of load (0: never started)
    std::int64_t ended_ns = 0;                 ///< when the last worker finished
    std::vector<std::string> finish_errors;    ///< what Finish (on_stop) reported, per worker that failed
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
    RunResult Run(const std::function<void(const RunProgress&)>& on_progress);

    /// The longest workload's run length.
    std::int64_t RunLengthNs() const;

private:
    std::vector<Workload> workloads_;
    http::ClientOptions client_;
};

}  // namespace lse::runtime
