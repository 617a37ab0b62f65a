#include "lse/report/ndjson_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/custom_metrics_report.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/json_fields.hpp"

namespace lse::report {
namespace {

using nlohmann::json;

double Secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

json AgentsJson(const std::vector<AgentStatus>& agents) {
    json out = json::array();
    for (const AgentStatus& a : agents) {
        out.push_back({{"id", a.id}, {"host", a.host}, {"state", a.state}, {"capacity", a.capacity},
                       {"share", a.share}});
    }
    return out;
}

// The run's totals of the script's own metrics (interval lines cannot give a trend's percentiles over the run),
// with "replayable": false on those agents could not replay. Absent when the script declared none.
void AddCustomMetricTotals(const SummaryInput& summary, json* end) {
    const std::vector<CustomMetricRow> rows = CustomMetricRows(summary.total, summary.not_replayable_metrics);
    if (rows.empty()) return;
    const double secs = summary.duration_ns > 0 ? Secs(summary.duration_ns) : 0;
    (*end)["custom_metrics"] = CustomMetricsJson(rows, secs);
}

}  // namespace

NdjsonWriter::NdjsonWriter(std::string path) : path_(std::move(path)) {
    out_.open(path_, std::ios::out | std::ios::trunc);
    if (!out_) throw SetupError("--out ndjson=" + path_ + ": cannot open for writing: " + std::strerror(errno));
}

void NdjsonWriter::WriteLine(const std::string& line) {
    // -e/--env-file secrets (issue 15): their JSON spellings are registered too, so the serialised line is searched.
    out_ << (HasSecretValues() ? RedactSecretValues(line) : line) << '\n';
    out_.flush();
}

void NdjsonWriter::OnStart(const RunDescription& run) {
    started_unix_ms_ = run.started_unix_ms;
    json scenarios = json::array();
    for (const ScenarioInfo& s : run.scenarios) {
        scenarios.push_back({{"name", s.name}, {"model", s.model}, {"target_rps", s.target_rps},
                             {"vusers", s.vusers}, {"duration_s", Secs(s.duration_ns)}});
    }
    WriteLine(json{{"type", "start"},
                   {"version", 1},
                   {"command", run.command},
                   {"script", run.script},
                   {"target", run.target},
                   {"total_s", Secs(run.total_ns)},
                   {"started_unix_ms", run.started_unix_ms},
                   {"distributed", run.distributed},
                   {"scenarios", std::move(scenarios)},
                   {"thresholds", run.thresholds}}
                  .dump(-1, ' ', false, json::error_handler_t::replace));
}

// One interval's statistics (its own histograms): "totals", "tasks", "requests", "dropped", "custom_metrics".
static void AddIntervalStats(const metrics::Snapshot& in, double secs, json* line) {
    json tasks = json::array();
    json requests = json::array();
    json dropped = json::object();
    metrics::StatKey key;
    for (const auto& [name, s] : in.by_name) {
        if (!metrics::ParseStatKey(name, &key)) continue;
        switch (key.kind) {
            case metrics::StatKind::kTask:
                tasks.push_back({{"scenario", key.scenario},
                                 {"task", key.task},
                                 {"iterations", s.requests},
                                 {"failed", s.requests - std::min(s.ok, s.requests)},
                                 {"rate", static_cast<double>(s.requests) / secs},
                                 {"duration_us", LatencyJson(s.service_time_us)}});
                break;
            case metrics::StatKind::kRequest: {
                json row = StatsJson(s, secs);
                row["scenario"] = key.scenario;
                row["task"] = key.task;
                row["name"] = key.name;
                if (!key.group.empty()) row["group"] = key.group;
                if (!key.tags.empty()) row["tags"] = TagsJson(key.tags);
                requests.push_back(std::move(row));
                break;
            }
            case metrics::StatKind::kScenario:
                if (s.dropped != 0) dropped[key.scenario] = s.dropped;
                break;
            case metrics::StatKind::kCheck: break;
        }
    }
    (*line)["totals"] = StatsJson(in.total, secs);
    (*line)["tasks"] = std::move(tasks);
    (*line)["requests"] = std::move(requests);
    (*line)["dropped"] = std::move(dropped);
    // The script's own metrics, that interval's samples only (a counter's "rate" is per second of the interval).
    if (!in.custom.empty()) (*line)["custom_metrics"] = CustomMetricsJson(CustomMetricRows(in, {}), secs);
}

void NdjsonWriter::OnInterval(const IntervalUpdate& u) {
    const metrics::Snapshot& in = u.interval;
    const double secs = in.HasInterval() ? Secs(in.end_ns - in.start_ns) : 1.0;
    json line = {{"type", "interval"},
                 {"elapsed_s", Secs(u.elapsed_ns)},
                 {"interval_s", secs},
                 {"time_unix_ms", started_unix_ms_ + u.elapsed_ns / 1'000'000},
                 {"phase", u.phase},
                 {"target_rps", u.target_rps},
                 {"active_vusers", u.active_vusers}};
    AddIntervalStats(in, secs, &line);
    if (!u.agents.empty()) line["agents"] = AgentsJson(u.agents);
    // The load generators' health in that interval (issue 16): absent when none reported in it.
    if (json generators = GeneratorsJson(in); !generators.empty()) line["generators"] = std::move(generators);
    WriteLine(line.dump(-1, ' ', false, json::error_handler_t::replace));
    if (u.regions == nullptr) return;
    // Then the same second per agent region, as lines of their own type: whoever sums "interval" lines still
    // counts every request once.
    for (const auto& [region, snapshot] : *u.regions) {
        json r = {{"type", "region_interval"},
                  {"region", region},
                  {"elapsed_s", Secs(u.elapsed_ns)},
                  {"interval_s", secs},
                  {"time_unix_ms", started_unix_ms_ + u.elapsed_ns / 1'000'000}};
        AddIntervalStats(snapshot, secs, &r);
        WriteLine(r.dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

void NdjsonWriter::OnEnd(const RunOutcome& outcome) {
    json verdicts = json::array();
    for (const thresholds::Verdict& v : outcome.summary.verdicts) {
        verdicts.push_back({{"expression", v.expression},
                            {"scenario", v.scenario},
                            {"passed", v.passed},
                            {"has_data", v.has_data},
                            {"actual_text", v.actual_text}});
    }
    // Failure messages, grouped per scenario, as in --summary-json.
    json errors = json::array();
    for (const ScenarioSummary& s : BuildSummaryModel(outcome.summary).scenarios) {
        for (json& e : ErrorRowsJson(s.errors)) {
            e["scenario"] = s.info.name;
            errors.push_back(std::move(e));
        }
    }
    json end = {{"type", "end"},
                {"exit_code", outcome.exit_code},
                {"stop_reason", outcome.stop_reason},
                {"fail_reasons", outcome.fail_reasons},
                {"complete", outcome.complete},
                {"interrupted", outcome.summary.interrupted},
                {"errors", std::move(errors)},
                {"thresholds", std::move(verdicts)},
                {"thresholds_passed", thresholds::AllPassed(outcome.summary.verdicts)}};
    AddCustomMetricTotals(outcome.summary, &end);
    // The generators over the whole run (worst gauges, saturated periods), as --summary-json has them.
    if (json generators = GeneratorsJson(outcome.summary.total); !generators.empty()) {
        end["generators"] = std::move(generators);
    }
    if (const std::string warning = SaturationWarning(outcome.summary.total); !warning.empty()) {
        end["saturation_warning"] = warning;
    }
    WriteLine(end.dump(-1, ' ', false, json::error_handler_t::replace));
    out_.close();
    if (out_.fail()) throw SetupError("--out ndjson=" + path_ + ": write failed: " + std::strerror(errno));
}

}  // namespace lse::report
