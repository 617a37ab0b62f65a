#pragma once
/// @file
/// `--out ndjson=FILE`: one JSON object per line, flushed as it is written, so a run can be tailed or
/// plotted while it goes and a crash keeps everything up to the last second. Schema (docs/outputs.md):
///   {"type":"start", "version":1, "command", "script", "target", "total_s", "started_unix_ms",
///    "scenarios":[{"name","model","target_rps","vusers","duration_s"}], "thresholds":[...]}
///   {"type":"interval", "elapsed_s", "interval_s", "time_unix_ms", "phase", "target_rps", "active_vusers",
///    "totals": Stats, "tasks":[{"scenario","task","iterations","failed","rate","duration_us": Latency}],
///    "requests":[{"scenario","task","name", ...Stats}], "dropped":{"<scenario>": n}, "agents":[...]}
///   {"type":"region_interval", "region", "elapsed_s", "interval_s", "time_unix_ms", "totals", "tasks", "requests",
///    "dropped"}: distributed runs whose agents have --region, after each interval line, one per region (that
///    second's requests of the region's agents only; issue 16)
///   {"type":"end", "exit_code", "stop_reason", "thresholds":[{"expression","scenario","passed","actual_text"}],
///    "thresholds_passed"}
/// Stats and Latency as in json_fields.hpp, computed from that interval's own histograms (never cumulative).
/// A script with lsengine.metrics adds "custom_metrics": { name: CustomMetric } (custom_metrics_report.hpp) to each
/// interval line (that interval's samples) and to the end line (the run's totals, with "replayable": false where
/// agents could not replay a metric).
/// The load generators' health (issue 16) adds "generators": { id: Generator } (generator_health_report.hpp) to each
/// interval line (that interval's health; only generators that reported in it) and to the end line (the run's), and
/// the end line carries "saturation_warning" when a generator was saturated. Absent when no generator reported.

#include <fstream>
#include <string>

#include "lse/report/run_observer.hpp"

namespace lse::report {

class NdjsonWriter : public RunObserver {
public:
    /// Opens (truncates) `path` now, so a bad path fails before load starts: lse::SetupError naming it.
    explicit NdjsonWriter(std::string path);
    void OnStart(const RunDescription& run) override;
    void OnInterval(const IntervalUpdate& update) override;
    void OnEnd(const RunOutcome& outcome) override;  ///< throws lse::SetupError when the file cannot be written

private:
    void WriteLine(const std::string& line);

    std::string path_;
    std::ofstream out_;
    std::int64_t started_unix_ms_ = 0;
};

}  // namespace lse::report
