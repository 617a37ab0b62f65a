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
    bool allow_script_errors = false;  ///< --allow-script-errors: iterations failing with script errors do not fail
    std::string broken_script = {};    ///< why the run was stopped as broken (BrokenScriptWatch); exit 4
    /// Distributed: the broker was lost and the totals miss what the agents could not deliver ("broker lost at
    /// 8.0 s: results are incomplete"); exit 9, and the outputs mark the totals incomplete.
    std::string infrastructure_failure = {};
    /// What happened without failing the run ("the NATS broker died at 8.0 s and was restarted; ..."): printed
    /// under the summary and handed to the outputs, so a passing run still tells what it went through.
    std::vector<std::string> notes = {};
    /// Distributed: where the open-model arrivals went (planned = sent + dropped + lost). Arrivals lost with an
    /// agent fail the run with exit 9 (each agent of `agents` that lost some is named in a fail reason).
    report::ArrivalAccounting arrivals = {};
    /// Distributed: custom metrics the agents could not replay (the plans' metric tables), sorted, no duplicates.
    std::vector<std::string> not_replayable_metrics = {};
    /// Distributed, agents with --region: each region's totals (coordinator::TotalsByRegion); empty otherwise.
    thresholds::RegionSnapshots regions = {};
};

/// Returns the exit code (docs/user-guide.md, "Exit codes"). When several apply, the first of:
///   130 interrupted, 9 the distributed infrastructure failed (broker lost, arrivals lost with an agent), 4 stopped
///   as a broken script, 7 iterations failed with script errors (unless allowed, or a
///   threshold judges iteration failures), 8 no request succeeded, 3 a threshold failed (or stopped the run),
///   0; then 5 replaces it when an output file could not be written (reported on stderr after everything else).
/// Every reason for failing is printed under the summary and handed to the outputs (RunOutcome::fail_reasons).
int FinishRun(std::ostream& out, const RunThresholds& thresholds, const ThresholdWatch* watch, RunOutputs& outputs,
              RunEnd end, const std::function<void(std::ostream&)>& after_summary = {});

}  // namespace lse::cli
