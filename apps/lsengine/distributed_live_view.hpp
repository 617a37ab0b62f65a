#pragma once
/// @file
/// The live view of a distributed run: one line (and one interval for every output) per second of the run,
/// printed once that second's data arrived from the agents and the coordinator's own load (IntervalAligner),
/// with the agents' states. When agents have --region, each region's part of the same second goes with it, and the
/// live view prints one line per region under the run's (lse/report/region_live_lines.hpp).

#include <cstdint>
#include <map>
#include <string>
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
    /// The same per agent region (DistributedRun::TakeRegionIntervals), lined up by second like the whole run's.
    void AddRegions(const std::map<std::string, metrics::Snapshot>& regions);
    /// The Drive phase's poll: adds what arrived and prints the seconds that are complete.
    void Poll(std::int64_t now, const metrics::Snapshot& agents, const metrics::Snapshot& local);
    /// The last second(s) without waiting for their settle time, and the last partial second, which sources
    /// send only in their final totals.
    void Finish(const metrics::Snapshot& run_total);

private:
    void Print(const std::vector<metrics::Snapshot>& seconds);
    std::int64_t SecondOf(const metrics::Snapshot& s) const;
    /// Each region's ready seconds, taken when the run's are, by second index (SecondOf).
    void TakeRegionSeconds(std::int64_t now, bool finish);

    RunOutputs& outputs_;
    const coordinator::DistributedRun& run_;
    std::int64_t start_at_;
    std::int64_t run_ns_;
    int vusers_;
    report::IntervalAligner aligner_;
    std::map<std::string, report::IntervalAligner> region_aligners_;
    std::map<std::int64_t, thresholds::RegionSnapshots> region_seconds_;
};

}  // namespace lse::cli
