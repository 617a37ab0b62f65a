#pragma once
/// @file
/// The HTML report's time series: one compact row of numbers per interval (never a Snapshot), so a
/// long run costs a few hundred bytes a second. Beyond kMaxRows rows, neighbouring rows are merged
/// pairwise and later intervals are grouped the same way, so memory and the report's size stay bounded
/// whatever the run's length (a merged row shows rates averaged over its time, counts summed and the
/// WORST of its percentiles, so a spike never disappears).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/core/error_kind.hpp"
#include "lse/report/run_observer.hpp"

namespace lse::html_report {

/// Percentiles charted per interval, in this order.
inline constexpr std::array<double, 5> kTimelinePercentiles = {50, 90, 95, 99, 100};
inline constexpr std::array<const char*, 5> kTimelinePercentileNames = {"p50", "p90", "p95", "p99", "max"};
/// Status classes charted per interval: 2xx, 3xx, 4xx, 5xx.
inline constexpr int kStatusClassCount = 4;

struct TimelineRow {
    static constexpr std::int64_t kNoSamples = -1;

    double elapsed_s = 0;     ///< end of the row's time, from the start of load
    double length_s = 0;      ///< time the row covers (weights rates when rows merge)
    double target_rps = 0;
    double achieved_rps = 0;  ///< completed requests per second
    /// Task iterations per second (all tasks): what target_rps (arrivals) compares with in scripted runs,
    /// where an iteration may send any number of requests.
    double iterations_per_s = 0;
    int active_vusers = 0;
    std::array<std::int64_t, kTimelinePercentiles.size()> service_us{};   ///< kNoSamples when none
    std::array<std::int64_t, kTimelinePercentiles.size()> response_us{};  ///< CO-corrected; kNoSamples when none
    std::array<std::uint64_t, kErrorKindCount> errors{};                  ///< by ErrorKind; slot kNone unused
    std::array<std::uint64_t, kStatusClassCount> statuses{};              ///< 2xx, 3xx, 4xx, 5xx
    std::vector<double> task_iterations_per_s;  ///< by Timeline task index; shorter: later tasks were 0
    /// Event-loop lag p99 of each load generator (Snapshot::generators), by Timeline generator index; kNoSamples
    /// (or a shorter vector) when that generator sent no lag sample in the row's time.
    std::vector<std::int64_t> generator_lag_p99_us;
};

class Timeline {
public:
    static constexpr std::size_t kMaxRows = 4096;
    /// Tasks beyond this many get no series of their own (their table row still shows them).
    static constexpr std::size_t kMaxTasks = 32;
    /// Generators beyond this many share one more series, "other generators (worst)": a run with 1000 agents
    /// keeps a readable chart and a bounded timeline, and a lagging generator still shows.
    static constexpr std::size_t kMaxGenerators = 32;

    /// Adds one interval. Task series are keyed by the T stat keys of the interval snapshot.
    void Append(const report::IntervalUpdate& update);

    /// Rows so far, the interval still being grouped (after merging) included.
    std::vector<TimelineRow> Rows() const;
    /// Display names of the task series, by index ("task", or "scenario: task" when scenarios differ).
    std::vector<std::string> TaskNames() const;
    /// Display names of the loop-lag series, by index: generator ids, then "other generators (worst)" when there
    /// were more than kMaxGenerators.
    std::vector<std::string> GeneratorNames() const;
    /// Intervals per row: 1 until the run outgrew kMaxRows, then a power of two.
    std::size_t IntervalsPerRow() const noexcept { return intervals_per_row_; }

    /// Column-wise JSON for the charts: {"t": [...], "target_rps": [...], "achieved_rps": [...] (requests/s),
    /// "iterations_per_s": [...], "has_tasks": bool, "vusers": [...], "service_ms": {"p50": [...], ...}, "response_ms": {...}, "errors": {kind: [...]}
    /// (kinds seen at least once), "statuses": {"2xx": [...], ...}, "tasks": [{"name", "iterations_per_s"}],
    /// "generators": [{"name", "loop_lag_p99_ms"}], "saturated_lag_p99_ms": the IsSaturated lag limit,
    /// "intervals_per_row": n}. Latencies without samples are null
    /// (a gap in the chart).
    nlohmann::json ToJson() const;

private:
    TimelineRow RowOf(const report::IntervalUpdate& update);
    std::size_t TaskIndex(const std::string& scenario, const std::string& task);
    std::size_t GeneratorIndex(const std::string& id);

    std::vector<TimelineRow> rows_;
    TimelineRow pending_;  ///< intervals grouped into the next row once the run outgrew kMaxRows
    std::size_t pending_intervals_ = 0;
    std::size_t intervals_per_row_ = 1;
    bool has_tasks_ = false;
    double last_elapsed_s_ = 0;
    std::map<std::string, std::size_t, std::less<>> task_index_;  ///< by "scenario\x1ftask"
    std::vector<std::string> task_scenarios_;  ///< by task index, printable
    std::vector<std::string> task_tasks_;      ///< by task index, printable
    std::map<std::string, std::size_t, std::less<>> generator_index_;
    std::vector<std::string> generator_ids_;  ///< by generator index, printable
    bool other_generators_ = false;           ///< some generator got the shared index kMaxGenerators
};

/// Merges `later` into `earlier` (see the file comment for how each number combines).
void MergeRows(TimelineRow* earlier, const TimelineRow& later);

}  // namespace lse::html_report
