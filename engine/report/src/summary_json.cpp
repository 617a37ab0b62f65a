#include "lse/report/summary_json.hpp"

#include <algorithm>

#include "lse/report/custom_metrics_report.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/json_fields.hpp"
#include "lse/report/region_summary.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::report {
namespace {

using nlohmann::json;

double Seconds(std::int64_t ns) { return ns > 0 ? static_cast<double>(ns) / 1e9 : 0; }
double Rate(std::uint64_t n, double secs) { return secs > 0 ? static_cast<double>(n) / secs : 0; }
double Fraction(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
}

// The shared field shapes (json_fields.hpp), so --summary-json and --out ndjson always agree.
json Latency(const metrics::Histogram& h) { return LatencyJson(h); }
json ErrorsByKind(const metrics::RequestStats& s) { return ErrorsByKindJson(s); }
json Stats(const metrics::RequestStats& s, double secs) { return StatsJson(s, secs); }

json Scenario(const ScenarioSummary& s) {
    const double secs = Seconds(s.info.duration_ns);
    json tasks = json::array();
    for (const NamedStats& t : s.tasks) {
        tasks.push_back({{"name", t.name},
                         {"iterations", t.stats.requests},
                         {"ok", t.stats.ok},
                         {"failed", t.stats.requests - std::min(t.stats.ok, t.stats.requests)},
                         {"rate", Rate(t.stats.requests, secs)},
                         {"failures", ErrorsByKind(t.stats)},
                         {"duration_us", Latency(t.stats.service_time_us)},
                         // From the intended start: includes the wait for a virtual user (open model).
                         {"response_time_us", Latency(t.stats.response_time_us)}});
    }
    json requests = json::array();
    for (const NamedStats& r : s.requests) {
        json row = Stats(r.stats, secs);
        row["name"] = r.name;
        if (!r.group.empty()) row["group"] = r.group;  // only on grouped rows: ungrouped output is unchanged
        if (!r.tags.empty()) row["tags"] = TagsJson(r.tags);  // likewise only on tagged rows
        requests.push_back(std::move(row));
    }
    json lifecycle = json::array();
    for (const NamedStats& l : s.lifecycle) {
        json row = Stats(l.stats, secs);
        row["task"] = l.name;
        lifecycle.push_back(std::move(row));
    }
    json checks = json::array();
    for (const CheckRow& c : s.checks) {
        json row = {{"task", c.task},
                    {"name", c.name},
                    {"passes", c.counts.passes},
                    {"fails", c.counts.fails},
                    {"pass_rate", Fraction(c.counts.passes, c.counts.passes + c.counts.fails)}};
        if (!c.group.empty()) row["group"] = c.group;  // only on checks made in group()
        checks.push_back(std::move(row));
    }
    json j = {{"name", s.info.name},
              {"model", s.info.model},
              {"target_rps", s.info.target_rps},
              {"achieved_rps", AchievedRate(s)},
              {"iterations", s.iterations},
              {"vusers", s.info.vusers},
              {"duration_s", secs},
              {"dropped", s.dropped},
              {"tasks", std::move(tasks)},
              {"requests", std::move(requests)},
              {"lifecycle", std::move(lifecycle)},
              {"checks", std::move(checks)},
              {"errors", ErrorRowsJson(s.errors)},
              {"script_errors", s.script_errors},
              {"warnings", s.warnings},
              {"totals", Stats(s.load, secs)}};
    VusersReady ready;
    if (OnStartOutcome(s, &ready)) {
        j["vusers_ready"] = ready.ready;
        j["vusers_started"] = ready.started;
    }
    if (!s.requests_by_task.empty()) {
        json by_task = json::array();
        for (const NamedStats& r : s.requests_by_task) {
            json row = Stats(r.stats, secs);
            row["task"] = r.task;
            row["name"] = r.name;
            if (!r.group.empty()) row["group"] = r.group;
            if (!r.tags.empty()) row["tags"] = TagsJson(r.tags);
            by_task.push_back(std::move(row));
        }
        j["requests_by_task"] = std::move(by_task);
    }
    if (!s.groups.empty()) {  // a group's row: its requests and those of the groups nested in it
        json groups = json::array();
        for (const NamedStats& g : s.groups) {
            json row = Stats(g.stats, secs);
            row["name"] = g.name;
            groups.push_back(std::move(row));
        }
        j["groups"] = std::move(groups);
    }
    return j;
}

}  // namespace

json SummaryJson(const SummaryInput& in) {
    const SummaryModel model = BuildSummaryModel(in);
    const double secs = Seconds(in.duration_ns);
    json scenarios = json::array();
    for (const ScenarioSummary& s : model.scenarios) scenarios.push_back(Scenario(s));
    json verdicts = json::array();
    for (const thresholds::Verdict& v : in.verdicts) {
        verdicts.push_back({{"expression", v.expression},
                            {"scenario", v.scenario},
                            {"passed", v.passed},
                            {"has_data", v.has_data},
                            {"actual", v.actual},
                            {"actual_text", v.actual_text}});
    }
    json out = {{"version", kSummaryJsonVersion},
                {"interrupted", in.interrupted},
                {"duration_s", secs},
                {"scenarios", std::move(scenarios)},
                {"totals", Stats(in.total.total, secs)},
                {"thresholds", std::move(verdicts)},
                {"thresholds_passed", thresholds::AllPassed(in.verdicts)}};
    if (in.arrivals.known) {
        const ArrivalAccounting& a = in.arrivals;
        out["arrivals"] = {{"planned", a.planned},
                           {"sent", a.sent},
                           {"dropped", a.dropped},
                           {"lost", a.lost},
                           {"unreported", {{"count", a.unreported_estimate}, {"estimated", true}}},
                           {"lost_agents", a.lost_agents}};
    }
    if (!model.unscoped_requests.empty()) {
        json other = json::array();
        for (const NamedStats& r : model.unscoped_requests) {
            json row = Stats(r.stats, secs);
            row["name"] = r.name;
            other.push_back(std::move(row));
        }
        out["other_requests"] = std::move(other);
    }
    // The script's own metrics (lsengine.metrics.*): only present when it declared some.
    const std::vector<CustomMetricRow> custom = CustomMetricRows(in.total, in.not_replayable_metrics);
    if (!custom.empty()) out["custom_metrics"] = CustomMetricsJson(custom, secs);
    if (!in.regions.empty()) out["regions"] = RegionsJson(in);
    // The load generators' own health (issue 16), and the sentence saying the results may understate the target.
    out["generators"] = GeneratorsJson(in.total);
    if (const std::string warning = SaturationWarning(in.total); !warning.empty()) out["saturation_warning"] = warning;
    return out;
}

}  // namespace lse::report
