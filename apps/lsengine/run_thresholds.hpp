#pragma once
/// @file
/// The thresholds of a `lsengine run`: parsed and validated before any request is
/// sent (so a typo fails fast, naming the file and line), watched while the load runs
/// when they are abort_on_fail, evaluated at the end, printed with the summary, and
/// turned into the exit code.

#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "lse/lua/scenario_def.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"
#include "threshold_watch.hpp"

namespace lse::cli {

class RunThresholds {
public:
    struct Entry {
        thresholds::Threshold threshold;
        std::string scenario;       ///< declaring scenario; empty for --threshold (whole run)
        bool abort_on_fail = false; ///< stop the run as soon as it fails (see ThresholdWatch)
        std::int64_t delay_ns = 0;  ///< abort_on_fail: not judged before this much load time
    };

    /// Throws lse::UsageError ("checkout.lua:5: threshold 'p95 < 200': ...") for any bad threshold.
    /// `command_line` holds --threshold values, `abort_command_line` --threshold-abort values, which may end
    /// in ", delay=10s" (the comma must be outside a "[request name]").
    static RunThresholds Parse(const std::vector<lua::ScenarioDef>& scenarios,
                               const std::vector<std::string>& command_line,
                               const std::vector<std::string>& abort_command_line = {});

    const std::vector<Entry>& entries() const noexcept { return entries_; }
    /// True when a threshold judges the iteration failures (iteration_failures, iterations) of `scenario`'s load
    /// tasks: it then says how many failed iterations are acceptable, and script errors do not fail the run by
    /// themselves (exit 7).
    bool JudgesIterationFailures(const std::string& scenario) const;
    bool HasAbortThresholds() const noexcept;
    /// Every threshold as outputs list it: "checkout: p95 < 200ms", "error_rate < 5% (abort on fail)".
    std::vector<std::string> Expressions() const;

    /// A watch over the abort_on_fail entries that calls `stop` on the first failure; nullptr when there are
    /// none. Register it as a report::RunObserver of the run.
    std::unique_ptr<ThresholdWatch> MakeWatch(ThresholdWatch::StopFn stop) const;

    /// Every threshold judged on the whole run. When `watch` stopped the run, the threshold that stopped it
    /// keeps its failing verdict from that moment ("... = 31.20% (312/1000) at 12.0s, stopped the run"), so the
    /// outputs and the exit code agree with the reason the run ended. Thresholds on a custom metric named in
    /// `not_replayable_metrics` (SummaryInput::not_replayable_metrics of a distributed run) fail as such.
    /// Region thresholds (`region:eu.p95`, `... per region`) read `regions` (SummaryInput::regions).
    std::vector<thresholds::Verdict> Verdicts(const metrics::Snapshot& total, std::int64_t load_ns,
                                              const ThresholdWatch* watch = nullptr,
                                              std::span<const std::string> not_replayable_metrics = {},
                                              const thresholds::RegionSnapshots& regions = {}) const;

    /// 0 when every verdict passed, else 3 (ExitCode::kThresholdsFailed).
    static int ExitCodeFor(const std::vector<thresholds::Verdict>& verdicts) noexcept;

    /// Prints the summary and the verdicts (and why the run stopped early); returns the process exit code
    /// (0, or 3 when a threshold failed).
    int Report(std::ostream& out, const runtime::RunResult& result, std::int64_t load_ns,
               std::vector<report::ScenarioInfo> scenarios, const ThresholdWatch* watch = nullptr) const;
    /// The same for a prepared summary input; fills in->verdicts (for the other outputs).
    int Report(std::ostream& out, report::SummaryInput* in, const ThresholdWatch* watch = nullptr) const;

private:
    std::vector<Entry> entries_;
};

}  // namespace lse::cli
