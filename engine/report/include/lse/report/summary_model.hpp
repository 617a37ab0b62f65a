#pragma once
/// @file
/// The summary's data, grouped from the flat stat-key maps of a Snapshot into scenarios, tasks,
/// request names, checks and lifecycle phases. The text summary and the JSON summary both
/// render this model, so they always agree. Built once at the end of a run (allocates).

#include <cstdint>
#include <string>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {

struct NamedStats {
    std::string task;  ///< empty when merged across tasks
    std::string name;  ///< request name, or the task name for task/lifecycle rows
    metrics::RequestStats stats;
};

struct CheckRow {
    std::string task;
    std::string name;
    metrics::CheckCounts counts;
};

struct ScenarioSummary {
    ScenarioInfo info;                        ///< name always set; duration_ns resolved (never 0 if the run had one)
    std::vector<NamedStats> tasks;            ///< T keys: iterations (requests), ok, failure reasons, durations
    std::vector<NamedStats> requests;         ///< load requests by name, merged across tasks
    std::vector<NamedStats> requests_by_task; ///< filled only with SummaryInput::requests_per_task
    std::vector<NamedStats> lifecycle;        ///< one row per lifecycle task: setup, on_start, on_stop, teardown
    std::vector<CheckRow> checks;             ///< by task, then name
    metrics::RequestStats load;               ///< all load requests of the scenario
    std::uint64_t iterations = 0;             ///< task iterations (sum of the T keys): one per started arrival
    std::uint64_t dropped = 0;                ///< arrivals dropped (S key)
};

/// Achieved arrivals per second over info.duration_ns, the number to compare with info.target_rps: task
/// iterations per second (a task may send several requests, or none), or requests per second when the
/// scenario has no task rows (URL mode, where one arrival is one request).
double AchievedRate(const ScenarioSummary& s);

/// Load requests per second over info.duration_ns.
double RequestRate(const ScenarioSummary& s);

struct SummaryModel {
    std::vector<ScenarioSummary> scenarios;
    /// Requests whose key is not a stat key (legacy plain names), shown on their own.
    std::vector<NamedStats> unscoped_requests;
};

SummaryModel BuildSummaryModel(const SummaryInput& in);

/// Replaces control characters (such as the stat-key separator 0x1f) with '?' so no raw
/// byte from a name reaches a terminal or a report.
std::string Printable(std::string_view name);

}  // namespace lse::report
