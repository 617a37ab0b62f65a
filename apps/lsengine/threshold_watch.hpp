#pragma once
/// @file
/// Stops a run early when an abort_on_fail threshold fails (scenario `{ "error_rate < 5%", abort_on_fail = true,
/// delay = "10s" }`, or --threshold-abort on the command line). Watching the cumulative snapshot, not the
/// interval's, makes a single bad second unable to abort a long run: the threshold judges the run so far,
/// exactly as it will be judged at the end.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lse/report/run_observer.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::cli {

struct WatchedThreshold {
    thresholds::Threshold threshold;
    std::string scenario;       ///< declaring scenario; empty: the whole run
    std::int64_t delay_ns = 0;  ///< not judged before this much load time
    std::size_t id = 0;         ///< caller's index (RunThresholds entry), reported back by FailedId()
};

class ThresholdWatch final : public report::RunObserver {
public:
    using StopFn = std::function<void()>;

    /// `stop` is called once, from OnInterval, on the first failure.
    ThresholdWatch(std::vector<WatchedThreshold> watched, StopFn stop);

    /// Judges every watched threshold whose delay has passed and whose scope has data; stops the run on
    /// the first failure. Once stopped, further intervals are ignored.
    void OnInterval(const report::IntervalUpdate& update) override;

    bool Stopped() const noexcept { return failure_.has_value(); }
    /// "threshold 'error_rate < 5%' failed at 12s: error_rate = 31.20% (312/1000)"; empty while running.
    const std::string& Reason() const noexcept { return reason_; }
    /// The verdict that stopped the run (actual value at that moment); nullptr while running.
    const thresholds::Verdict* Failure() const noexcept { return failure_ ? &*failure_ : nullptr; }
    /// WatchedThreshold::id of the threshold that stopped the run (meaningful only when Stopped()).
    std::size_t FailedId() const noexcept { return failed_id_; }
    /// Load time at which it failed (meaningful only when Stopped()).
    std::int64_t FailedAtNs() const noexcept { return failed_at_ns_; }

private:
    std::vector<WatchedThreshold> watched_;
    StopFn stop_;
    std::optional<thresholds::Verdict> failure_;
    std::string reason_;
    std::size_t failed_id_ = 0;
    std::int64_t failed_at_ns_ = 0;
};

}  // namespace lse::cli
