#pragma once
/// @file
/// The end-of-run summary people read: per scenario a header (model, target vs achieved rate,
/// virtual users, duration, dropped arrivals), task iterations, requests per name (counts,
/// errors by kind, statuses, service and coordinated-omission-corrected response time
/// percentiles), checks, lifecycle requests (on_start/on_stop/setup/teardown, outside the load),
/// run totals, the load generators' health (and a warning when one was saturated: generator_health_report.hpp)
/// and threshold verdicts. Layout fits a 100-column terminal.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/thresholds/evaluate.hpp"

namespace lse::report {

/// What the runner knows about a scenario that the Snapshot does not carry.
struct ScenarioInfo {
    std::string name;
    std::string model;              ///< "open" or "closed"; empty: not shown
    double target_rps = 0;          ///< open model: average target rate; 0: not shown
    int vusers = 0;                 ///< 0: not shown
    std::int64_t duration_ns = 0;   ///< the scenario's load phase; 0: the run's duration_ns
};

/// Where a distributed run's open-model arrivals went (docs/protocol.md, "Loss accounting"), in arrivals (task
/// iterations; requests for a scenario without tasks): planned = sent + dropped + lost, exactly.
struct ArrivalAccounting {
    bool known = false;        ///< false: not a distributed run with open-model scenarios (nothing printed)
    std::int64_t planned = 0;  ///< what the schedule planned over the load window
    std::int64_t sent = 0;     ///< reported started
    std::int64_t dropped = 0;  ///< reported dropped (overdue, no free virtual user)
    /// Planned for agents that were lost (no final totals) and never reported by anyone. Of these,
    /// `unreported_estimate` were probably sent before the agent died (estimated from its last rate), and the
    /// rest never sent.
    std::int64_t lost = 0;
    std::int64_t unreported_estimate = 0;
    std::vector<std::string> lost_agents;  ///< ids of the agents that lost arrivals
};

struct SummaryInput {
    // A constructor rather than an aggregate so callers can write SummaryInput{snapshot, ns, rps,
    // interrupted} and set the optional fields by name, without -Wmissing-field-initializers.
    SummaryInput(const metrics::Snapshot& snapshot, std::int64_t load_duration_ns, double run_target_rps = 0,
                 bool was_interrupted = false)
        : total(snapshot), duration_ns(load_duration_ns), target_rps(run_target_rps), interrupted(was_interrupted) {}

    const metrics::Snapshot& total;  ///< the whole run, keys as in lse/metrics/stat_key.hpp
    std::int64_t duration_ns;        ///< wall time of the load phase (for rates)
    double target_rps = 0;           ///< used for the only scenario when `scenarios` is empty (URL mode)
    bool interrupted = false;
    /// Stopped before its end by lsengine itself (an abort_on_fail threshold, a broken script): "Run stopped".
    bool stopped_early = false;
    /// Scenarios in display order. Scenarios found in the Snapshot but not listed follow, sorted.
    std::vector<ScenarioInfo> scenarios = {};
    std::vector<thresholds::Verdict> verdicts = {};
    /// Also list each request name per task (default: merged across the scenario's tasks).
    bool requests_per_task = false;
    ArrivalAccounting arrivals = {};  ///< distributed runs: printed under the totals, "arrivals" in the JSON
    /// Custom metrics (Snapshot::custom) that agents could not replay in this distributed run, sorted: every
    /// output marks them "not replayable" (lse/report/custom_metrics_report.hpp). Empty on one node.
    std::vector<std::string> not_replayable_metrics = {};
    /// Distributed runs whose agents have --region: each region's totals (the same keys as `total`; they add up to
    /// the agents' part of it). Printed as a "regions" table (lse/report/region_summary.hpp), "regions" in the JSON,
    /// and read by region thresholds. Empty otherwise: the outputs are unchanged.
    thresholds::RegionSnapshots regions = {};
};

void PrintSummary(std::ostream& out, const SummaryInput& in);

/// "12.3ms" from microseconds.
std::string FormatMicros(std::int64_t us);

}  // namespace lse::report
