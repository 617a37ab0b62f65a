#include "distributed_live_view.hpp"

#include <algorithm>

#include "lse/core/units.hpp"

namespace lse::cli {

// Agents publish a second ~100 ms after it ends (plus NATS); on 2 busy cores allow more: 700 ms to settle.
constexpr std::int64_t kSettleNs = 700 * kNsPerMs;

DistributedLiveView::DistributedLiveView(RunOutputs& outputs, const coordinator::DistributedRun& run,
                                         std::int64_t start_at, std::int64_t run_ns, int vusers)
    : outputs_(outputs),
      run_(run),
      start_at_(start_at),
      run_ns_(run_ns),
      vusers_(vusers),
      aligner_(start_at, run_ns, kSettleNs) {}

void DistributedLiveView::AddRegions(const std::map<std::string, metrics::Snapshot>& regions) {
    for (const auto& [name, snap] : regions) {
        auto it = region_aligners_.try_emplace(name, start_at_, run_ns_, kSettleNs).first;
        it->second.Add(snap);
    }
}

void DistributedLiveView::Poll(std::int64_t now, const metrics::Snapshot& agents, const metrics::Snapshot& local) {
    aligner_.Add(agents);
    aligner_.Add(local);
    TakeRegionSeconds(now, false);
    Print(aligner_.TakeReady(now));
}

void DistributedLiveView::Finish(const metrics::Snapshot& run_total) {
    TakeRegionSeconds(0, true);
    Print(aligner_.Finish(run_total));
}

std::int64_t DistributedLiveView::SecondOf(const metrics::Snapshot& s) const {
    return s.HasInterval() ? (s.start_ns - start_at_) / kNsPerSec : -1;
}

void DistributedLiveView::TakeRegionSeconds(std::int64_t now, bool finish) {
    // The regions' aligners get the same data as the run's (a subset of it) with the same settle time, so their
    // ready seconds are the run's. The last partial second (only in final totals) is not broken down by region.
    for (auto& [name, aligner] : region_aligners_) {
        for (metrics::Snapshot& s : finish ? aligner.TakeAll() : aligner.TakeReady(now)) {
            region_seconds_[SecondOf(s)][name] = std::move(s);
        }
    }
}

void DistributedLiveView::Print(const std::vector<metrics::Snapshot>& seconds) {
    for (const metrics::Snapshot& s : seconds) {
        std::vector<report::AgentStatus> statuses;
        for (const coordinator::AgentReport& r : run_.Statuses()) {
            statuses.push_back({r.id, r.host, coordinator::AgentStateName(r.state), r.capacity, r.share});
        }
        const auto regions = region_seconds_.find(SecondOf(s));
        if (region_aligners_.empty()) {
            outputs_.Interval(s, std::clamp<std::int64_t>(s.end_ns - start_at_, 0, run_ns_), vusers_, statuses);
            continue;
        }
        const thresholds::RegionSnapshots none;
        outputs_.Interval(s, std::clamp<std::int64_t>(s.end_ns - start_at_, 0, run_ns_), vusers_, statuses,
                          regions == region_seconds_.end() ? &none : &regions->second);
        if (regions != region_seconds_.end()) region_seconds_.erase(regions);
    }
}

}  // namespace lse::cli
