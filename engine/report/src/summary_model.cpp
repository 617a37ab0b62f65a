#include "lse/report/summary_model.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "lse/core/redact.hpp"
#include "lse/metrics/error_groups.hpp"
#include "lse/metrics/tags.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::report {
namespace {

// Display order of lifecycle phases: the order they run in.
constexpr std::string_view kLifecycleOrder[] = {"setup", "on_start", "on_stop", "teardown"};

// Per-scenario accumulation keyed by name; std::map keeps rows sorted.
struct Grouped {
    std::map<std::string, metrics::RequestStats> tasks;
    std::map<std::string, metrics::RequestStats> requests;
    // (group, name, tags): rows made in a group or with tags; ungrouped untagged ones are in `requests`
    std::map<std::tuple<std::string, std::string, std::string>, metrics::RequestStats> grouped_requests;
    std::map<std::string, metrics::RequestStats> groups;  // group path -> its requests and its nested groups'
    using TaskRow = std::tuple<std::string, std::string, std::string, std::string>;  // task, name, group, tags
    std::map<TaskRow, metrics::RequestStats> requests_by_task;
    std::map<std::string, metrics::RequestStats> lifecycle;
    std::map<std::tuple<std::string, std::string, std::string>, metrics::CheckCounts> checks;  // task,group,name
    std::map<std::string, metrics::RequestStats> hook_runs;
    std::map<std::string, std::pair<std::size_t, std::string>> names_per_task;  // distinct names, an example
    std::set<std::string> capped_tasks;                                         // tasks with an "(other)" row
    std::vector<ErrorRow> errors;
    metrics::RequestStats load;
    std::uint64_t iterations = 0;
    std::uint64_t dropped = 0;
};

std::vector<NamedStats> Rows(std::map<std::string, metrics::RequestStats>& m) {
    std::vector<NamedStats> rows;
    rows.reserve(m.size());
    for (auto& [name, stats] : m) rows.push_back(NamedStats{"", name, std::move(stats)});
    return rows;
}

// Adds a grouped request row to its group and every group it is nested in ("a::b::c" -> a, a::b, a::b::c).
void AddToGroups(std::map<std::string, metrics::RequestStats>& groups, const std::string& path,
                 const metrics::RequestStats& stats) {
    for (std::size_t at = path.find(metrics::kGroupSeparator); at != std::string::npos;
         at = path.find(metrics::kGroupSeparator, at + metrics::kGroupSeparator.size())) {
        groups[path.substr(0, at)] += stats;
    }
    groups[path] += stats;
}

// Tags as the outputs show them: each key and value made printable (secrets redacted), still canonical.
std::string PrintableTags(std::string_view canonical) {
    if (canonical.empty()) return {};
    std::vector<metrics::Tag> pairs = metrics::SplitTags(canonical);
    for (auto& [k, v] : pairs) {
        k = Printable(k);
        v = Printable(v);
    }
    return metrics::CanonicalTags(std::move(pairs));
}

}  // namespace

std::string DisplayName(const NamedStats& row) {
    std::string name = row.group.empty() ? row.name : row.group + " > " + row.name;
    if (!row.tags.empty()) name += " " + metrics::TagsDisplay(row.tags);
    return name;
}

std::string DisplayName(const CheckRow& row) {
    return row.task + ": " + (row.group.empty() ? row.name : row.group + " > " + row.name);
}

std::string Printable(std::string_view name) {
    std::string out = RedactSecretValues(name);  // -e/--env-file secrets (issue 15): every name and message
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

const metrics::RequestStats* ScenarioSummary::OnStartRuns() const noexcept {
    for (const NamedStats& h : hook_runs) {
        if (h.task == "on_start") return &h.stats;
    }
    return nullptr;
}

bool OnStartOutcome(const ScenarioSummary& s, VusersReady* out) {
    const metrics::RequestStats* runs = s.OnStartRuns();
    if (runs == nullptr) return false;
    out->ready = runs->ok;
    out->started = runs->requests;
    return true;
}

double AchievedRate(const ScenarioSummary& s) {
    const double secs = static_cast<double>(s.info.duration_ns) / 1e9;
    if (secs <= 0) return 0;
    return static_cast<double>(s.tasks.empty() ? s.load.requests : s.iterations) / secs;
}

double RequestRate(const ScenarioSummary& s) {
    const double secs = static_cast<double>(s.info.duration_ns) / 1e9;
    return secs > 0 ? static_cast<double>(s.load.requests) / secs : 0;
}

SummaryModel BuildSummaryModel(const SummaryInput& in) {
    SummaryModel model;
    std::map<std::string, Grouped> groups;
    metrics::StatKey key;
    for (const auto& [raw, stats] : in.total.by_name) {
        if (!metrics::ParseStatKey(raw, &key)) {
            model.unscoped_requests.push_back(NamedStats{"", Printable(raw), stats});
            continue;
        }
        key.scenario = Printable(key.scenario);
        key.task = Printable(key.task);
        key.name = Printable(key.name);
        key.group = Printable(key.group);
        key.tags = PrintableTags(key.tags);
        Grouped& g = groups[key.scenario];
        switch (key.kind) {
            case metrics::StatKind::kRequest:
                if (thresholds::IsLifecycleTask(key.task)) {
                    g.lifecycle[key.task] += stats;
                } else {
                    auto& [count, example] = g.names_per_task[key.task];
                    if (key.name == metrics::kOtherRequestName) {
                        g.capped_tasks.insert(key.task);
                    } else if (++count == 1 || example.empty()) {
                        example = key.name;
                    }
                    if (key.group.empty() && key.tags.empty()) {
                        g.requests[key.name] += stats;
                    } else {
                        g.grouped_requests[{key.group, key.name, key.tags}] += stats;
                        if (!key.group.empty()) AddToGroups(g.groups, key.group, stats);
                    }
                    g.load += stats;
                    if (in.requests_per_task) g.requests_by_task[{key.task, key.name, key.group, key.tags}] += stats;
                }
                break;
            case metrics::StatKind::kTask:
                if (thresholds::IsLifecycleTask(key.task)) {
                    g.hook_runs[key.task] += stats;
                } else {
                    g.tasks[key.task] += stats;
                    g.iterations += stats.requests;
                }
                break;
            case metrics::StatKind::kScenario:
                g.dropped += stats.dropped;
                break;
            default:
                break;
        }
    }
    for (const auto& [raw, sample] : in.total.errors) {
        metrics::ErrorKey ek;
        if (!metrics::ParseErrorKey(raw, &ek) || !metrics::ParseStatKey(ek.row, &key)) continue;
        ErrorRow row;
        row.task = Printable(key.task);
        if (key.kind == metrics::StatKind::kRequest) {
            row.scope = "request";
            row.name = Printable(key.name);
        } else {
            row.scope = thresholds::IsLifecycleTask(key.task) ? "lifecycle" : "task";
        }
        row.kind = ek.kind;
        row.message = Printable(ek.message);
        row.count = sample.count;
        if (sample.first_seen_ns != 0 && in.total.start_ns > 0) {
            row.first_seen_ns = sample.first_seen_ns - in.total.start_ns;
            row.has_first_seen = true;
        }
        groups[Printable(key.scenario)].errors.push_back(std::move(row));
    }
    for (const auto& [raw, counts] : in.total.checks) {
        if (!metrics::ParseStatKey(raw, &key)) continue;
        groups[Printable(key.scenario)].checks[{Printable(key.task), Printable(key.group), Printable(key.name)}] +=
            counts;
    }

    // Listed scenarios first, in the caller's order; then the rest, sorted.
    std::vector<ScenarioInfo> order = in.scenarios;
    std::set<std::string> listed;
    for (const ScenarioInfo& s : order) listed.insert(s.name);
    for (const auto& [name, g] : groups) {
        if (listed.count(name) != 0) continue;
        ScenarioInfo info;
        info.name = name;
        order.push_back(std::move(info));
    }
    // URL mode passes no scenario list: the run-level target belongs to its only scenario.
    if (in.scenarios.empty() && order.size() == 1) order[0].target_rps = in.target_rps;

    for (ScenarioInfo& info : order) {
        ScenarioSummary s;
        // Rates divide by the time load really ran: a scenario's planned length, cut short by an interrupted
        // (or aborted) run, never the plan of a run that did not happen.
        if (info.duration_ns <= 0 || (in.duration_ns > 0 && in.duration_ns < info.duration_ns)) {
            info.duration_ns = in.duration_ns;
        }
        s.info = info;
        auto it = groups.find(info.name);
        if (it != groups.end()) {
            Grouped& g = it->second;
            s.tasks = Rows(g.tasks);
            for (auto& row : s.tasks) row.task = row.name;
            s.requests = Rows(g.requests);
            // Grouped rows after the ungrouped ones, by group then name.
            for (auto& [gnt, stats] : g.grouped_requests) {
                s.requests.push_back(
                    NamedStats{"", std::get<1>(gnt), std::move(stats), std::get<0>(gnt), std::get<2>(gnt)});
            }
            s.groups = Rows(g.groups);
            for (auto& [tng, stats] : g.requests_by_task) {
                s.requests_by_task.push_back(NamedStats{std::get<0>(tng), std::get<1>(tng), std::move(stats),
                                                        std::get<2>(tng), std::get<3>(tng)});
            }
            for (std::string_view phase : kLifecycleOrder) {
                auto l = g.lifecycle.find(std::string(phase));
                if (l != g.lifecycle.end()) {
                    s.lifecycle.push_back(NamedStats{l->first, l->first, std::move(l->second)});
                }
            }
            // By task; within a task the ungrouped checks first (the order they had before groups), then by group.
            for (auto& [tgn, counts] : g.checks) {
                s.checks.push_back(CheckRow{std::get<0>(tgn), std::get<2>(tgn), counts, std::get<1>(tgn)});
            }
            for (std::string_view phase : kLifecycleOrder) {
                auto h = g.hook_runs.find(std::string(phase));
                if (h != g.hook_runs.end()) s.hook_runs.push_back(NamedStats{h->first, h->first, std::move(h->second)});
            }
            for (const auto& [task, names] : g.names_per_task) {
                const bool capped = g.capped_tasks.count(task) != 0;
                if (names.first >= metrics::kManyRequestNames || capped) {
                    s.warnings.push_back(metrics::ManyRequestNamesWarning(task, names.first, names.second, capped));
                }
            }
            s.errors = std::move(g.errors);
            std::stable_sort(s.errors.begin(), s.errors.end(),
                             [](const ErrorRow& a, const ErrorRow& b) { return a.count > b.count; });
            for (const NamedStats& t : s.tasks) s.script_errors += t.stats.ErrorsOf(ErrorKind::kScript);
            s.load = std::move(g.load);
            s.iterations = g.iterations;
            s.dropped = g.dropped;
        }
        model.scenarios.push_back(std::move(s));
    }
    return model;
}

}  // namespace lse::report
