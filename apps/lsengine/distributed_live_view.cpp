#include "distributed_live_view.hpp"

#include <algorithm>

#include "lse/core/units.hpp"

namespace lse::cli {

// Agents publish a second ~100 ms after it ends (plus NATS); on 2 busy cores allow more: 700 ms to settle.
DistributedLiveView::DistributedLiveView(RunOutputs& outputs, const coordinator::DistributedRun& run,
                                         std::int64_t start_at, std::int64_t run_ns, int vusers)
    : outputs_(outputs),
      run_(run),
      start_at_(start_at),
      run_ns_(run_ns),
      vusers_(vusers),
      aligner_(start_at, run_ns, 700 * kNsPerMs) {}

void DistributedLiveView::Poll(std::int64_t now, const metrics::Snapshot& agents, const metrics::Snapshot& local) {
    aligner_.Add(agents);
    aligner_.Add(local);
    Print(aligner_.TakeReady(now));
}

void DistributedLiveView::Finish(const metrics::Snapshot& run_total) { Print(aligner_.Finish(run_total)); }

void DistributedLiveView::Print(const std::vector<metrics::Snapshot>& seconds) {
    for (const metrics::Snapshot& s : seconds) {
        std::vector<report::AgentStatus> statuses;
        for (const coordinator::AgentReport& r : run_.Statuses()) {
            statuses.push_back({r.id, r.host, coordinator::AgentStateName(r.state), r.capacity, r.share});
        }
        outputs_.Interval(s, std::clamp<std::int64_t>(s.end_ns - start_at_, 0, run_ns_), vusers_, statuses);
    }
}

}  // namespace lse::cli
