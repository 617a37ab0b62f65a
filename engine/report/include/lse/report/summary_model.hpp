#pragma once
/// @file
/// The summary's data, grouped from the flat stat-key maps of a Snapshot into scenarios, tasks,
/// request names, checks and lifecycle phases. The text summary and the JSON summary both
/// render this model, so they always agree. Built once at the end of a run (allocates).

#include <cstdint>
#include <string>
#include <vector>

#include "lse/core/error_kind.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {

struct NamedStats {
    std::string task;  ///< empty when merged across tasks
    std::string name;  ///< request name, or the task name for task/lifecycle rows
    metrics::RequestStats stats;
    std::string group{};  ///< request rows: the group path they were made in ("checkout::payment"); empty: none
    std::string tags{};   ///< request rows: their tags, canonical (lse/metrics/tags.hpp); empty: none
};

/// How a request row is labelled in text: "GET /cart", or "checkout > GET /cart" for a grouped one; a tagged
/// one ends with its tags: "GET /cart {env=staging}".
std::string DisplayName(const NamedStats& row);

struct CheckRow {
    std::string task;
    std::string name;
    metrics::CheckCounts counts;
    std::string group{};  ///< the group() path the check was made in; empty: none
};

/// How a check row is labelled in text: "buy: status 200", or "buy: checkout > status 200" in a group.
std::string DisplayName(const CheckRow& row);

/// One group of failure messages (lse/metrics/error_groups.hpp) as reports show it.
struct ErrorRow {
    std::string scope;    ///< "request", "task" (an iteration) or "lifecycle" (setup, on_start, on_stop, teardown)
    std::string task;     ///< task or lifecycle phase
    std::string name;     ///< request name; empty for task and lifecycle rows
    ErrorKind kind = ErrorKind::kNone;
    std::string message;  ///< first line, cleaned; "file:line: message" for script errors
    std::uint64_t count = 0;
    /// When it was first seen, from the start of load (negative: while virtual users were getting ready);
    /// has_first_seen false when the run has no start (nothing ran) or the group no time.
    std::int64_t first_seen_ns = 0;
    bool has_first_seen = false;
};

struct ScenarioSummary {
    ScenarioInfo info;                        ///< name always set; duration_ns resolved (never 0 if the run had one)
    std::vector<NamedStats> tasks;            ///< T keys: iterations (requests), ok, failure reasons, durations
    std::vector<NamedStats> requests;         ///< load requests by name, merged across tasks
    /// Per group path (name = "checkout", "checkout::payment"): every load request made in it or in a group
    /// nested in it, what a group:NAME threshold measures. Sorted by path; empty when the script has no group().
    std::vector<NamedStats> groups;
    std::vector<NamedStats> requests_by_task; ///< filled only with SummaryInput::requests_per_task
    std::vector<NamedStats> lifecycle;        ///< one row per lifecycle task: setup, on_start, on_stop, teardown
    std::vector<CheckRow> checks;             ///< by task, then name
    metrics::RequestStats load;               ///< all load requests of the scenario
    std::uint64_t iterations = 0;             ///< task iterations (sum of the T keys): one per started arrival
    std::uint64_t dropped = 0;                ///< arrivals dropped (S key)
    /// Runs of each lifecycle hook (setup, on_start, on_stop, teardown), as their T rows count them; on_start's
    /// ok count is the number of virtual users that got ready.
    std::vector<NamedStats> hook_runs;
    std::vector<ErrorRow> errors;             ///< most frequent first
    std::uint64_t script_errors = 0;          ///< task iterations that failed with a script error
    /// Things worth a look that are not failures: a task with many request names (ids in URLs).
    std::vector<std::string> warnings;

    /// The on_start row of hook_runs, or null when the scenario has no on_start (or it never ran).
    const metrics::RequestStats* OnStartRuns() const noexcept;
};

/// Achieved arrivals per second over info.duration_ns, the number to compare with info.target_rps: task
/// iterations per second (a task may send several requests, or none), or requests per second when the
/// scenario has no task rows (URL mode, where one arrival is one request).
double AchievedRate(const ScenarioSummary& s);

/// "3 of 4 virtual users ready" facts of a scenario with on_start: false when it has none.
struct VusersReady {
    std::uint64_t ready = 0;
    std::uint64_t started = 0;
};
bool OnStartOutcome(const ScenarioSummary& s, VusersReady* out);

/// Load requests per second over info.duration_ns.
double RequestRate(const ScenarioSummary& s);

struct SummaryModel {
    std::vector<ScenarioSummary> scenarios;
    /// Requests whose key is not a stat key (legacy plain names), shown on their own.
    std::vector<NamedStats> unscoped_requests;
};

SummaryModel BuildSummaryModel(const SummaryInput& in);

/// Replaces control characters (such as the stat-key separator 0x1f) with '?' so no raw
/// byte from a name reaches a terminal or a report, and masks registered secret values
/// (lse::RedactSecretValues: -e/--env-file secrets).
std::string Printable(std::string_view name);

}  // namespace lse::report
