#pragma once
/// @file
/// The live view of a distributed run: one line (and one interval for every output) per second of the run,
/// printed once that second's data arrived from the agents and the coordinator's own load (IntervalAligner),
/// with the agents' states.

#include <cstdint>
#include <vector>

#include "lse/coordinator/distributed_run.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/report/interval_aligner.hpp"
#include "run_outputs.hpp"

namespace lse::cli {

class DistributedLiveView {
public:
    DistributedLiveView(RunOutputs& outputs, const coordinator::DistributedRun& run, std::int64_t start_at,
                        std::int64_t run_ns, int vusers);

    void Add(const metrics::Snapshot& arrived) { aligner_.Add(arrived); }
    /// The Drive phase's poll: adds what arrived and prints the seconds that are complete.
    void Poll(std::int64_t now, const metrics::Snapshot& agents, const metrics::Snapshot& local);
    /// The last second(s) without waiting for their settle time, and the last partial second, which sources
    /// send only in their final totals.
    void Finish(const metrics::Snapshot& run_total);

private:
    void Print(const std::vector<metrics::Snapshot>& seconds);

    RunOutputs& outputs_;
    const coordinator::DistributedRun& run_;
    std::int64_t start_at_;
    std::int64_t run_ns_;
    int vusers_;
    report::IntervalAligner aligner_;
};

}  // namespace lse::cli
