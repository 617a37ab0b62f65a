#pragma once
/// @file
/// Lines up interval metrics that arrive from several sources (agents, the coordinator's own load) at
/// different moments into one snapshot per second of the run, for the live progress line of a distributed
/// run. A second is handed out once its data had time to arrive, so a line is printed only for a second
/// whose data is there (no spurious 0-rps line before the first agent interval or after the run), and its
/// rate is taken over the second's own bounds, not over the moment the coordinator happened to look.
///
/// All times are in the caller's clock (agents send their interval bounds in the coordinator's clock).
/// Not thread-safe; allocates (once a second, off the hot path).

#include <cstdint>
#include <map>
#include <vector>

#include "lse/metrics/snapshot.hpp"

namespace lse::report {

class IntervalAligner {
public:
    /// start_ns: the run's start (second k is [start + k s, start + (k+1) s)); run_ns: the load phase's length
    /// (seconds that begin at or after it are drain and not reported); settle_ns: how long after a second's
    /// end its data may still arrive.
    IntervalAligner(std::int64_t start_ns, std::int64_t run_ns, std::int64_t settle_ns);

    /// Adds what arrived (one or more merged intervals). Data without interval bounds, or of a second that
    /// was already handed out, joins the earliest second not handed out yet (the live view drops nothing).
    void Add(const metrics::Snapshot& arrived);

    /// The seconds that ended at least settle_ns before now_ns and received data, in order; each snapshot's
    /// bounds are the union of its data's bounds (the rate's denominator).
    std::vector<metrics::Snapshot> TakeReady(std::int64_t now_ns);

    /// Every second still held that received data, in order (the run is over).
    std::vector<metrics::Snapshot> TakeAll();

    /// The run is over and `run_total` is its final total: TakeAll(), then what run_total holds beyond
    /// everything added (sources put their last, partial second only into their final total) as one more
    /// snapshot from the end of the data added to run_total.end_ns, if it has requests and starts within the
    /// load phase. Its statistics are exact differences (histograms bucket by bucket; status codes left out).
    std::vector<metrics::Snapshot> Finish(const metrics::Snapshot& run_total);

private:
    std::int64_t SecondOf(const metrics::Snapshot& s) const;

    std::int64_t start_ns_;
    std::int64_t run_ns_;
    std::int64_t settle_ns_;
    std::int64_t next_second_ = 0;  ///< the earliest second not handed out yet
    std::map<std::int64_t, metrics::Snapshot> held_;
    metrics::RequestStats added_;   ///< the total of everything added
    std::int64_t added_end_ns_ = 0;
};

}  // namespace lse::report
