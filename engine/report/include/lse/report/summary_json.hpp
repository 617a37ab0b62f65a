#pragma once
/// @file
/// The summary as JSON (for --summary-json), from the same model as the text summary.
/// Schema "version": 3 (times in integer microseconds, rates as fractions 0..1):
///   { "version": 3, "interrupted": bool, "duration_s": number,
///     "scenarios": [ { "name", "model", "target_rps", "achieved_rps", "iterations", "vusers", "duration_s",
///                      "dropped", "script_errors",
///                      "vusers_ready", "vusers_started"   (only when the scenario has on_start),
///                      "tasks":     [ { "name", "iterations", "ok", "failed", "rate",
///                                       "failures": {kind: n}, "duration_us": Latency } ],
///                      "requests":  [ { "name", ...Stats } ],
///                      "requests_by_task": [ { "task", "name", ...Stats } ]   (only when asked for),
///                      "lifecycle": [ { "task", ...Stats } ],
///                      "checks":    [ { "task", "name", "passes", "fails", "pass_rate" } ],
///                      "errors":    [ Error ]   (failure messages grouped, most frequent first),
///                      "totals":    Stats } ],
///     "totals": Stats,
///     "thresholds": [ { "expression", "scenario", "passed", "has_data", "actual", "actual_text" } ],
///     "thresholds_passed": bool }
///   Stats   = { "requests", "ok", "errors", "error_rate", "rps", "dropped", "bytes_received", "bytes_sent",
///               "errors_by_kind": {kind: n}, "statuses": {"200": n, "other": n},
///               "service_time_us": Latency, "response_time_us": Latency }
///   Error   = see lse/report/json_fields.hpp
///   Latency = { "count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max" }   ({"count": 0} if empty)
/// "achieved_rps" counts arrivals like "target_rps": task iterations per second (requests per second only
/// for a scenario without tasks, i.e. URL mode); the request rate is "totals.rps".
/// "duration_s" is the time load really ran (an interrupted run's elapsed time, not its plan).
/// Version 2 (issue 11) added "errors", "script_errors" and "vusers_ready"/"vusers_started".
/// Additive in version 2 (issue 12): "arrivals" (distributed runs with open-model scenarios; ArrivalAccounting) =
///   { "planned", "sent", "dropped", "lost", "unreported": { "count", "estimated": true }, "lost_agents": [id] },
///   planned = sent + dropped + lost exactly; "unreported" (probably sent, never reported) is part of "lost".
/// Additive in version 2 (issue 15): "custom_metrics" = { name: CustomMetric } (lse/report/custom_metrics_report.hpp),
///   only when the script declared lsengine.metrics.
/// Additive in version 2 (issue 16): "regions" (distributed runs whose agents have --region) =
///   { region: { "totals": Stats, "scenarios": [ { "name", "totals": Stats, "requests": [ { "name", ...Stats } ] } ] } }
///   (lse/report/region_summary.hpp); absent otherwise.
/// Version 3 (issue 16) added "generators" = { id: Generator } (lse/report/generator_health_report.hpp; the load
///   generators' own health: "local" on one node, else one entry per agent; {} when none reported) and
///   "saturation_warning" (only when a generator was saturated: "results may understate the target's performance:
///   agent a2 was saturated from 12 s to 40 s"). Readers of versions 1 and 2 read it (nothing was removed).
/// "model" is "" and "target_rps"/"vusers" are 0 when unknown; threshold "actual" is in the
/// metric's unit (ns for latencies, percent for rates).

#include <nlohmann/json.hpp>

#include "lse/report/text_summary.hpp"

namespace lse::report {

inline constexpr int kSummaryJsonVersion = 3;

nlohmann::json SummaryJson(const SummaryInput& in);

}  // namespace lse::report
