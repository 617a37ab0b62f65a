#pragma once
/// @file
/// Turns what a run's worker threads measured of their own health into the generator's entry of each interval
/// (Snapshot::generators[id], generator_health.hpp), and judges it. LoadRun calls it on its gathering thread once
/// per interval: for each worker's published snapshot AddThread (before merging it), then Finish on the merged
/// interval.
///
/// The entry: the threads' lag samples and arrivals add up (the snapshot merge does that); open sockets add up too
/// (each thread's client holds its own connections, so the process's are their sum, where the merge would keep
/// the largest); threads is the run's worker count; intervals 1; the process's CPU, RSS and ports come from a
/// health::ProcessSampler over the interval. Then IsSaturated decides, and a saturated interval gets
/// saturated_intervals = 1 and the period [start, end) in ms from the start of load.

#include <cstdint>
#include <string>

#include "lse/health/process_sampler.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::runtime {

class HealthCollector {
public:
    /// generator_id: LoadSpec::generator_id; threads: the run's worker count. proc_root as ProcessSampler's.
    HealthCollector(std::string generator_id, int threads, std::string proc_root = "/proc");

    /// Load starts at started_ns (absolute monotonic; periods count from it); the first CPU window opens at now_ns.
    void Begin(std::int64_t started_ns, std::int64_t now_ns);

    /// One worker's snapshot of this interval, before it is merged into the interval.
    void AddThread(const metrics::Snapshot& published) noexcept;

    /// Completes and judges the generator's entry of `interval` (the workers' snapshots merged, its bounds set),
    /// creating it when no worker published one; now_ns ends the interval's CPU window. Resets the thread sums.
    void Finish(metrics::Snapshot* interval, std::int64_t now_ns);

    const std::string& generator_id() const noexcept { return id_; }

private:
    std::string id_;
    std::uint32_t threads_;
    health::ProcessSampler sampler_;
    std::int64_t started_ns_ = 0;
    std::uint32_t open_sockets_ = 0;  // summed over this interval's threads
};

}  // namespace lse::runtime
