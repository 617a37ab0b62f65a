#pragma once
/// @file
/// The end of every load command, in one place: judge the thresholds, print the summary (and why the run
/// stopped early, and e.g. the per-agent table), hand the outcome to every output, pick the exit code.

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/report/run_observer.hpp"
#include "lse/report/text_summary.hpp"
#include "run_outputs.hpp"
#include "run_thresholds.hpp"
#include "threshold_watch.hpp"

namespace lse::cli {

struct RunEnd {
    const metrics::Snapshot& total;
    std::int64_t load_ns = 0;
    bool interrupted = false;
    std::vector<report::ScenarioInfo> scenarios;
    std::vector<report::AgentResult> agents;
};

/// Returns 0, 3 when a threshold failed (or stopped the run), or 5 when an output file could not be written
/// (reported on stderr after everything else was written and printed).
int FinishRun(std::ostream& out, const RunThresholds& thresholds, const ThresholdWatch* watch, RunOutputs& outputs,
              RunEnd end, const std::function<void(std::ostream&)>& after_summary = {});

}  // namespace lse::cli
