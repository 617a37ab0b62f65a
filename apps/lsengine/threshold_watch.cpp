#include "threshold_watch.hpp"

#include <utility>

#include "lse/core/units.hpp"

namespace lse::cli {

ThresholdWatch::ThresholdWatch(std::vector<WatchedThreshold> watched, StopFn stop)
    : watched_(std::move(watched)), stop_(std::move(stop)) {}

void ThresholdWatch::OnInterval(const report::IntervalUpdate& update) {
    if (failure_) return;
    const double elapsed_s = static_cast<double>(update.elapsed_ns) / 1e9;
    for (const WatchedThreshold& w : watched_) {
        if (update.elapsed_ns < w.delay_ns) continue;
        // Region thresholds read the regions since the start (none in a run without regions: "no data", skipped).
        const thresholds::RegionSnapshots none;
        thresholds::Verdict v = thresholds::Evaluate(
            w.threshold, update.cumulative, update.cumulative_regions != nullptr ? *update.cumulative_regions : none,
            w.scenario, elapsed_s);
        // "no data" fails at the end of a run, but early on it only means the scope has not been reached
        // yet (a task that has not run, a request not yet sent): no reason to stop.
        if (!v.has_data || v.passed) continue;
        reason_ = "threshold '" + w.threshold.expression + "' failed at " + FormatDurationNs(update.elapsed_ns) +
                  ": " + v.actual_text;
        failed_id_ = w.id;
        failed_at_ns_ = update.elapsed_ns;
        failure_ = std::move(v);
        if (stop_) stop_();
        return;
    }
}

}  // namespace lse::cli
