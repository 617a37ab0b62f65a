#pragma once
/// @file
/// How every output shows a script's own metrics (Snapshot::custom, lse/metrics/custom_metric.hpp): one row per
/// metric, sorted by name, with the kind's numbers. The text summary, --summary-json, the ndjson stream and the
/// HTML report all read these functions, so a number means the same thing everywhere. Nothing is written for a
/// run without custom metrics (outputs stay as they were).
///
/// JSON of one metric (CustomMetricJson), keys named like the threshold metrics that read them
/// (`counter:orders.count`, `trend:cart.p95`); "samples" is the number of add()/set() calls:
///   counter { "kind": "counter", "samples", "count": total of the values, "rate": count per second }
///   gauge   { "kind": "gauge", "samples", "value": the value set last, "min", "max" }   (no value when never set)
///   rate    { "kind": "rate", "samples", "trues", "rate": trues / samples (0..1) }  (no rate without samples)
///   trend   { "kind": "trend", "samples", "count", "min", "mean", "p50", "p90", "p95", "p99", "max" }
///           (only "count" when empty)
/// plus "replayable": false on a metric agents could not replay (SummaryInput::not_replayable_metrics). A name
/// listed there but absent from the snapshot (no agent ever recorded it) has only "samples": 0 and "replayable".

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/metrics/custom_metric.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::report {

struct CustomMetricRow {
    std::string name;
    /// nullopt: the metric is only known as not replayable (agents never recorded it), its kind is unknown.
    std::optional<metrics::CustomMetric> metric;
    bool replayable = true;
};

/// The rows of `snapshot.custom` and of `not_replayable` (sorted by name, merged: one row per name).
std::vector<CustomMetricRow> CustomMetricRows(const metrics::Snapshot& snapshot,
                                              const std::vector<std::string>& not_replayable);

/// "42", "20.25", "0.001": a metric's value with at most 3 decimals (the trend resolution), trailing zeros cut.
std::string FormatCustomValue(double v);

/// One metric's numbers; `secs` is the time they were counted in (counter "rate"), 0 gives rate 0.
nlohmann::json CustomMetricJson(const metrics::CustomMetric& m, double secs);
/// { name: CustomMetricJson + "replayable": false where it applies }, as --summary-json's "custom_metrics".
nlohmann::json CustomMetricsJson(const std::vector<CustomMetricRow>& rows, double secs);

/// The text summary's "custom metrics" section (nothing when `rows` is empty). Fits 100 columns.
void PrintCustomMetrics(std::ostream& out, const std::vector<CustomMetricRow>& rows, double secs);

/// What the text says under a metric agents could not replay.
inline constexpr std::string_view kNotReplayableText = "not replayable on agents (see docs/lua-api.md)";

}  // namespace lse::report
