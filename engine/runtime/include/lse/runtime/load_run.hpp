#pragma once
/// @file
/// Runs a load on this machine: starts one Worker per thread on a shared start
/// time, gathers their metrics once a second, stops them at the end (or on
/// Ctrl-C: the first one drains, a second one cancels in-flight requests), and
/// returns the merged totals and the per-second timeline.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::runtime {

struct RunResult {
    metrics::Snapshot total;                 ///< everything, merged exactly across workers
    std::vector<metrics::Snapshot> intervals;  ///< one per second of the run (merged across workers)
    bool interrupted = false;                ///< stopped early by a signal
    std::int64_t started_ns = 0;             ///< absolute monotonic start of load
    std::int64_t ended_ns = 0;               ///< when the last worker finished
};

struct RunProgress {
    const metrics::Snapshot& interval;    ///< the second that just ended, all workers
    const metrics::Snapshot& cumulative;  ///< since the start
    std::int64_t elapsed_ns;
    std::int64_t total_ns;
};

class LoadRun {
public:
    LoadRun(LoadSpec spec, http::ClientOptions client, RunnerFactory factory, std::string dropped_name);

    /// Blocks until the run is over. Throws what a worker's setup threw (e.g. lse::SetupError).
    /// on_progress is called on this thread about once a second.
    RunResult Run(const std::function<void(const RunProgress&)>& on_progress);

private:
    LoadSpec spec_;
    http::ClientOptions client_;
    RunnerFactory factory_;
    std::string dropped_name_;
};

}  // namespace lse::runtime
