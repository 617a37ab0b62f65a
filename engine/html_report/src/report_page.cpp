#include "report_page.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <vector>

#include "lse/html_report/html_escape.hpp"
#include "lse/report/json_fields.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/text_summary.hpp"
#include "custom_metrics_section.hpp"
#include "generators_section.hpp"
#include "uplot_assets.hpp"

namespace lse::html_report::detail {
namespace {

using nlohmann::json;

// Chart containers, in display order; the script fills each one that has data.
constexpr const char* kChartIds[] = {"chart-rps", "chart-service", "chart-response", "chart-errors",
                                     "chart-statuses", "chart-tasks", "chart-loop-lag"};

constexpr std::string_view kPageCss = R"css(
:root { --fg: #1d2733; --muted: #5b6675; --line: #d8dee6; --bg-alt: #f5f7fa; --pass: #1e7d3a; --fail: #b42318; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto;
       padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.verdict { display: inline-block; font-weight: 700; font-size: 20px; padding: 6px 18px; border-radius: 6px;
           color: #fff; margin: 4px 0 12px; }
.verdict.pass { background: var(--pass); }
.verdict.fail { background: var(--fail); }
.verdict small { font-weight: 400; font-size: 14px; margin-left: 10px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
p.facts { color: var(--muted); margin: 4px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
td.name, th.name { text-align: left; word-break: break-all; max-width: 420px; }
tr.fail td.result { color: var(--fail); font-weight: 700; }
tr.pass td.result { color: var(--pass); font-weight: 700; }
.chart { margin: 8px 0 20px; min-height: 40px; }
.chart.empty { color: var(--muted); }
.note { color: var(--muted); }
.warning { color: var(--fail); font-weight: 600; }
/* The agents table has many columns: ids and states keep their words (not a letter a line), and the table scrolls
   sideways on a narrow window instead of squeezing them. */
.scroll { overflow-x: auto; }
#agents td.name, #agents th.name { word-break: normal; }
)css";

std::string Fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
    return buf;
}

std::string Percent(double fraction) { return Fixed(fraction * 100.0, 2) + "%"; }

std::string Seconds(double s) {
    if (s < 120) return Fixed(s, 1) + "s";
    const auto total = static_cast<std::int64_t>(s + 0.5);
    char buf[64];
    if (total < 3600) {
        std::snprintf(buf, sizeof(buf), "%" PRId64 "m%02" PRId64 "s", total / 60, total % 60);
    } else {
        std::snprintf(buf, sizeof(buf), "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", total / 3600,
                      (total / 60) % 60, total % 60);
    }
    return buf;
}

std::string UtcTime(std::int64_t unix_ms) {
    if (unix_ms <= 0) return "unknown";
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    if (gmtime_r(&secs, &tm) == nullptr) return "unknown";
    char buf[64];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string Str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
double Num(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}
std::uint64_t Count(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return 0;
    return it->is_number_unsigned() ? it->get<std::uint64_t>()
                                    : static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
}

// One cell of a Latency object ({"count": 0} when empty), e.g. "12.3ms".
std::string LatencyCell(const json& latency, const char* percentile) {
    if (!latency.is_object() || Count(latency, "count") == 0) return "–";
    const auto it = latency.find(percentile);
    if (it == latency.end() || !it->is_number()) return "–";
    return report::FormatMicros(it->get<std::int64_t>());
}

// "connect: 3, timeout: 1" from {"connect": 3, "timeout": 1}; "" when empty.
std::string CountsText(const json& counts) {
    std::string out;
    if (!counts.is_object()) return out;
    for (const auto& [key, value] : counts.items()) {
        if (!out.empty()) out += ", ";
        out += key + ": " + (value.is_number() ? std::to_string(value.get<std::uint64_t>()) : std::string("?"));
    }
    return out;
}

constexpr const char* kLatencyColumns[] = {"p50", "p95", "p99", "max"};

// The page is built by appending; every user-controlled string goes through Text()/Cell().
class Page {
public:
    void Raw(std::string_view html) { out_ += html; }
    void Text(std::string_view text) { out_ += HtmlEscape(text); }
    void Cell(std::string_view text, const char* cls = nullptr) {
        out_ += cls != nullptr ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
        Text(text);
        out_ += "</td>";
    }
    void NameCell(std::string_view text) { Cell(text, "name"); }
    void Fact(std::string_view label, std::string_view value) {
        out_ += "<dt>";
        Text(label);
        out_ += "</dt><dd>";
        Text(value);
        out_ += "</dd>";
    }
    void LatencyCells(const json& latency) {
        for (const char* p : kLatencyColumns) Cell(LatencyCell(latency, p));
    }
    std::string Take() { return std::move(out_); }

private:
    std::string out_;
};

bool Passed(const json& summary, const report::RunOutcome& outcome) {
    return outcome.exit_code == 0 && summary.value("thresholds_passed", true);
}

void Header(Page& page, const report::RunDescription& run, const json& summary, const report::RunOutcome& outcome) {
    const bool passed = Passed(summary, outcome);
    const json& verdicts = summary.at("thresholds");
    std::size_t failed = 0;
    for (const json& v : verdicts) failed += v.value("passed", false) ? 0 : 1;
    std::string detail;
    if (!verdicts.empty()) {
        detail = failed == 0 ? "all " + std::to_string(verdicts.size()) + " thresholds passed"
                             : std::to_string(failed) + " of " + std::to_string(verdicts.size()) + " thresholds failed";
    }
    if (!outcome.stop_reason.empty()) detail += (detail.empty() ? "" : "; ") + outcome.stop_reason;
    for (const std::string& reason : outcome.fail_reasons) {
        if (reason != outcome.stop_reason) detail += (detail.empty() ? "" : "; ") + reason;
    }

    page.Raw("<header>\n<h1>lsengine report");
    if (!run.script.empty()) {
        page.Raw(": ");
        page.Text(run.script);
    }
    page.Raw("</h1>\n<div class=\"verdict ");
    page.Raw(passed ? "pass\">PASS" : "fail\">FAIL");
    if (!detail.empty()) {
        page.Raw("<small>");
        page.Text(detail);
        page.Raw("</small>");
    }
    page.Raw("</div>\n<dl class=\"facts\">");
    page.Fact("Command", run.command.empty() ? "run" : run.command);
    page.Fact("Scenario file", run.script.empty() ? "(none: URL mode)" : run.script);
    page.Fact("Target", run.target.empty() ? "(set by the scenario)" : run.target);
    page.Fact("Started", UtcTime(run.started_unix_ms));
    std::string duration = Seconds(Num(summary, "duration_s"));
    if (run.total_ns > 0) duration += " (planned " + Seconds(static_cast<double>(run.total_ns) / 1e9) + ")";
    page.Fact("Duration", duration);
    std::string mode = run.distributed ? "distributed" : "single node";
    if (!outcome.agents.empty()) mode += ", " + std::to_string(outcome.agents.size()) + " agents";
    page.Fact("Mode", mode);
    page.Fact("Stop reason", outcome.stop_reason.empty() ? "ran to the end" : outcome.stop_reason);
    page.Fact("Exit code", std::to_string(outcome.exit_code));
    page.Raw("</dl>\n");
    // A saturated load generator puts every number below in doubt: say so where the verdict is read.
    if (const std::string warning = Str(summary, "saturation_warning"); !warning.empty()) {
        page.Raw("<p class=\"warning\" id=\"saturation-warning\">Warning: ");
        page.Text(warning);
        page.Raw(" (see <a href=\"#generators\">Load generators</a>)</p>\n");
    }
    page.Raw("</header>\n");
}

void Charts(Page& page, const Timeline& timeline) {
    page.Raw("<section id=\"charts\">\n<h2>Over time</h2>\n");
    if (timeline.IntervalsPerRow() > 1) {
        page.Raw("<p class=\"note\">Each point covers " + std::to_string(timeline.IntervalsPerRow()) +
                 " intervals: rates are averaged, counts summed, latencies show the worst interval.</p>\n");
    }
    page.Raw("<noscript><p class=\"note\">Charts need JavaScript; the tables below do not.</p></noscript>\n");
    for (const char* id : kChartIds) page.Raw(std::string("<div class=\"chart\" id=\"") + id + "\"></div>\n");
    page.Raw("</section>\n");
}

void StatsHeader(Page& page, const char* first) {
    page.Raw(std::string("<tr><th class=\"name\" rowspan=\"2\">") + first +
             "</th><th rowspan=\"2\">Requests</th><th rowspan=\"2\">OK</th><th rowspan=\"2\">Errors</th>"
             "<th rowspan=\"2\">Error %</th><th rowspan=\"2\">rps</th><th rowspan=\"2\" class=\"name\">Errors by "
             "kind</th><th rowspan=\"2\" class=\"name\">Statuses</th><th colspan=\"4\">Service time</th>"
             "<th colspan=\"4\">Response time (CO-corrected)</th></tr>\n<tr>");
    for (int i = 0; i < 2; ++i) {
        for (const char* p : kLatencyColumns) page.Raw(std::string("<th>") + p + "</th>");
    }
    page.Raw("</tr>\n");
}

void StatsCells(Page& page, const json& s) {
    page.Cell(std::to_string(Count(s, "requests")));
    page.Cell(std::to_string(Count(s, "ok")));
    page.Cell(std::to_string(Count(s, "errors")));
    page.Cell(Percent(Num(s, "error_rate")));
    page.Cell(Fixed(Num(s, "rps"), 1));
    page.NameCell(CountsText(s.value("errors_by_kind", json::object())));
    page.NameCell(CountsText(s.value("statuses", json::object())));
    page.LatencyCells(s.value("service_time_us", json::object()));
    page.LatencyCells(s.value("response_time_us", json::object()));
}

void StatsTable(Page& page, const json& rows, const char* first, const char* name_key) {
    page.Raw("<table>\n");
    StatsHeader(page, first);
    for (const json& r : rows) {
        page.Raw("<tr>");
        page.NameCell(Str(r, name_key));
        StatsCells(page, r);
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n");
}

void TasksTable(Page& page, const json& tasks) {
    page.Raw("<h3>Tasks</h3>\n<table>\n<tr><th class=\"name\" rowspan=\"2\">Task</th><th rowspan=\"2\">Iterations"
             "</th><th rowspan=\"2\">OK</th><th rowspan=\"2\">Failed</th><th rowspan=\"2\">Error %</th>"
             "<th rowspan=\"2\">Iterations/s</th><th rowspan=\"2\" class=\"name\">Failures</th>"
             "<th colspan=\"4\">Iteration duration</th></tr>\n<tr>");
    for (const char* p : kLatencyColumns) page.Raw(std::string("<th>") + p + "</th>");
    page.Raw("</tr>\n");
    for (const json& t : tasks) {
        const std::uint64_t iterations = Count(t, "iterations");
        const std::uint64_t failed = Count(t, "failed");
        page.Raw("<tr>");
        page.NameCell(Str(t, "name"));
        page.Cell(std::to_string(iterations));
        page.Cell(std::to_string(Count(t, "ok")));
        page.Cell(std::to_string(failed));
        page.Cell(Percent(iterations == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(iterations)));
        page.Cell(Fixed(Num(t, "rate"), 1));
        page.NameCell(CountsText(t.value("failures", json::object())));
        page.LatencyCells(t.value("duration_us", json::object()));
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n");
}

void ChecksTable(Page& page, const json& checks) {
    page.Raw("<h3>Checks</h3>\n<table>\n<tr><th class=\"name\">Task</th><th class=\"name\">Check</th>"
             "<th>Passes</th><th>Fails</th><th>Pass %</th></tr>\n");
    for (const json& c : checks) {
        page.Raw(Count(c, "fails") == 0 ? "<tr class=\"pass\">" : "<tr class=\"fail\">");
        page.NameCell(Str(c, "task"));
        // A check made in group() is labelled with its group, as requests are ("checkout > status 200").
        page.NameCell(c.contains("group") ? Str(c, "group") + " > " + Str(c, "name") : Str(c, "name"));
        page.Cell(std::to_string(Count(c, "passes")));
        page.Cell(std::to_string(Count(c, "fails")), "result");
        page.Cell(Percent(Num(c, "pass_rate")));
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n");
}

void ErrorsTable(Page& page, const json& errors) {
    page.Raw("<h3>Errors by message</h3>\n<table>\n<tr><th class=\"name\">Where</th><th class=\"name\">Kind</th>"
             "<th class=\"name\">Message</th><th>Count</th><th>First seen</th></tr>\n");
    for (const json& e : errors) {
        page.Raw("<tr class=\"fail\">");
        const std::string scope = Str(e, "scope");
        page.NameCell(scope == "request" ? Str(e, "name") + " (" + Str(e, "task") + ")"
                                         : (scope == "task" ? "task " : "") + Str(e, "task"));
        page.NameCell(Str(e, "kind"));
        page.NameCell(Str(e, "message"));
        page.Cell(std::to_string(Count(e, "count")), "result");
        if (!e.contains("first_seen_s")) {
            page.Cell("-");
        } else {
            const double at = Num(e, "first_seen_s");
            page.Cell(at < 0 ? "before load" : Seconds(at));
        }
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n");
}

void Scenario(Page& page, const json& s) {
    page.Raw("<section class=\"scenario\">\n<h2>Scenario ");
    page.Text(Str(s, "name"));
    page.Raw("</h2>\n<p class=\"facts\">");
    std::string facts;
    const auto add = [&](const std::string& f) { facts += (facts.empty() ? "" : " · ") + f; };
    if (!Str(s, "model").empty()) add(Str(s, "model") + " model");
    // Target and achieved count arrivals: task iterations in a scripted run, requests in URL mode.
    const char* unit = s.value("tasks", json::array()).empty() ? " rps" : " iterations/s";
    if (Num(s, "target_rps") > 0) add("target " + Fixed(Num(s, "target_rps"), 1) + unit);
    add("achieved " + Fixed(Num(s, "achieved_rps"), 1) + unit);
    if (s.contains("iterations")) add(std::to_string(Count(s, "iterations")) + " iterations");
    add(Fixed(Num(s.value("totals", json::object()), "rps"), 1) + " requests/s");
    if (Num(s, "vusers") > 0) add(std::to_string(static_cast<long long>(Num(s, "vusers"))) + " virtual users");
    if (s.contains("vusers_ready")) {
        add(std::to_string(Count(s, "vusers_ready")) + " of " + std::to_string(Count(s, "vusers_started")) +
            " virtual users ready");
    }
    if (Count(s, "script_errors") > 0) add(std::to_string(Count(s, "script_errors")) + " iterations failed with script errors");
    add(Seconds(Num(s, "duration_s")));
    add(std::to_string(Count(s, "dropped")) + " dropped arrivals");
    page.Text(facts);
    page.Raw("</p>\n");
    for (const json& w : s.value("warnings", json::array())) {
        page.Raw("<p class=\"note\">Warning: ");
        page.Text(w.is_string() ? w.get<std::string>() : std::string());
        page.Raw("</p>\n");
    }
    if (!s.value("tasks", json::array()).empty()) TasksTable(page, s["tasks"]);
    page.Raw("<h3>Requests</h3>\n");
    json requests = s.value("requests", json::array());
    // A request made in group() is labelled with its group, as in the text summary ("checkout > GET /cart"), and
    // one made with tags ends with them ("GET /cart {env=staging}").
    const auto grouped_name = [](json& r) {
        if (r.contains("group")) r["name"] = Str(r, "group") + " > " + Str(r, "name");
        if (r.contains("tags") && r["tags"].is_object() && !r["tags"].empty()) {
            std::string tags;
            for (const auto& [k, v] : r["tags"].items()) {
                tags += (tags.empty() ? "{" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
            }
            r["name"] = Str(r, "name") + " " + tags + "}";
        }
    };
    for (json& r : requests) grouped_name(r);
    json total = s.value("totals", json::object());
    total["name"] = "All requests";
    requests.push_back(std::move(total));
    StatsTable(page, requests, "Request", "name");
    if (s.contains("requests_by_task")) {
        page.Raw("<h3>Requests by task</h3>\n");
        json by_task = s["requests_by_task"];
        for (json& r : by_task) {
            grouped_name(r);
            r["name"] = Str(r, "task") + ": " + Str(r, "name");
        }
        StatsTable(page, by_task, "Task: request", "name");
    }
    if (s.contains("groups")) {  // each group with its nested groups: what group:NAME thresholds measure
        page.Raw("<h3>Groups</h3>\n");
        StatsTable(page, s["groups"], "Group", "name");
    }
    if (!s.value("checks", json::array()).empty()) ChecksTable(page, s["checks"]);
    if (!s.value("errors", json::array()).empty()) ErrorsTable(page, s["errors"]);
    if (!s.value("lifecycle", json::array()).empty()) {
        page.Raw("<h3>Lifecycle (outside the load)</h3>\n");
        StatsTable(page, s["lifecycle"], "Phase", "task");
    }
    page.Raw("</section>\n");
}

void Thresholds(Page& page, const report::RunDescription& run, const json& verdicts) {
    if (verdicts.empty() && run.thresholds.empty()) return;
    page.Raw("<section id=\"thresholds\">\n<h2>Thresholds</h2>\n<table>\n<tr><th class=\"name\">Threshold (limit)"
             "</th><th class=\"name\">Scenario</th><th class=\"name\">Actual</th><th>Result</th></tr>\n");
    for (const json& v : verdicts) {
        const bool passed = v.value("passed", false);
        page.Raw(passed ? "<tr class=\"pass\">" : "<tr class=\"fail\">");
        page.NameCell(Str(v, "expression"));
        page.NameCell(Str(v, "scenario").empty() ? "(whole run)" : Str(v, "scenario"));
        page.NameCell(Str(v, "actual_text"));
        page.Cell(passed ? "PASS" : (v.value("has_data", true) ? "FAIL" : "FAIL (no data)"), "result");
        page.Raw("</tr>\n");
    }
    if (verdicts.empty()) {
        // Declared but never evaluated (the run ended before its summary): show them, marked as such.
        for (const std::string& t : run.thresholds) {
            page.Raw("<tr class=\"fail\">");
            page.NameCell(t);
            page.NameCell("");
            page.NameCell("not evaluated");
            page.Cell("–", "result");
            page.Raw("</tr>\n");
        }
    }
    page.Raw("</table>\n</section>\n");
}

json AgentsJson(const report::RunOutcome& outcome, double duration_s) {
    json agents = json::array();
    for (const report::AgentResult& a : outcome.agents) {
        const metrics::RequestStats& t = a.total.total;
        const auto latency = [](const metrics::Histogram& h) {
            json j = {{"count", h.Count()}};
            if (h.Count() == 0) return j;
            j["p50"] = h.ValueAtPercentile(50);
            j["p95"] = h.ValueAtPercentile(95);
            j["p99"] = h.ValueAtPercentile(99);
            j["max"] = h.Max();
            return j;
        };
        json agent = report::AgentIdentityJson(a);
        agent["requests"] = t.requests;
        agent["errors"] = t.ErrorCount();
        agent["error_rate"] = t.ErrorRate();
        agent["rps"] = duration_s > 0 ? static_cast<double>(t.requests) / duration_s : 0.0;
        agent["dropped"] = t.dropped;
        agent["planned"] = a.planned;
        agent["lost"] = a.lost;
        agent["unreported_estimate"] = a.unreported_estimate;
        agent["response_time_us"] = latency(t.response_time_us);
        agent["share_now"] = a.share_now;
        agent["rebalances"] = report::RebalancesJson(a);  // as --summary-json writes them
        agents.push_back(std::move(agent));
    }
    return agents;
}

// "a1, a2" from ["a1", "a2"]; "nobody" when empty (a move whose other side had no agent left).
std::string IdList(const json& ids) {
    std::string out;
    if (ids.is_array()) {
        for (const json& id : ids) {
            if (id.is_string()) out += (out.empty() ? "" : ", ") + id.get<std::string>();
        }
    }
    return out.empty() ? "nobody" : out;
}

// Every share move of the run (each agent's "rebalances", the moves it was the subject of), in time order.
void Rebalances(Page& page, const json& agents) {
    std::vector<json> events;
    for (const json& a : agents) {
        for (const json& e : a.value("rebalances", json::array())) events.push_back(e);
    }
    if (events.empty()) return;
    std::stable_sort(events.begin(), events.end(),
                     [](const json& x, const json& y) { return Num(x, "at_s") < Num(y, "at_s"); });
    page.Raw("<h3 id=\"rebalances\">Rebalances</h3>\n<table>\n<tr><th>When</th><th class=\"name\">Agent</th>"
             "<th>Share before</th><th>Share after</th><th class=\"name\">From</th><th class=\"name\">To</th>"
             "<th class=\"name\">Why</th></tr>\n");
    for (const json& e : events) {
        page.Raw("<tr>");
        page.Cell(Seconds(Num(e, "at_s")));
        page.NameCell(Str(e, "agent"));
        page.Cell(Percent(Num(e, "share_before")));
        page.Cell(Percent(Num(e, "share_after")));
        page.NameCell(IdList(e.value("from", json::array())));
        page.NameCell(IdList(e.value("to", json::array())));
        page.NameCell(Str(e, "why"));
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n<p class=\"note\">The coordinator moves share of the arrivals away from an agent whose load "
             "generator is saturated, to agents with headroom, a step at a time, and back once it recovers (--rebalance "
             "off keeps the initial shares). When: from the start of load; shares are the agent's part of the "
             "arrivals; from: agents whose share went down, to: agents whose share went up.</p>\n");
}

void Agents(Page& page, const json& agents) {
    if (agents.empty()) return;
    page.Raw("<section id=\"agents\">\n<h2>Agents</h2>\n<div class=\"scroll\"><table>\n<tr><th class=\"name\">Agent</th>"
             "<th class=\"name\">Host</th><th class=\"name\">State</th><th>Capacity</th><th>Share</th>"
             "<th>Share now</th><th>Rebalances</th>"
             "<th>Requests</th><th>Errors</th><th>Error %</th><th>rps</th><th>Dropped</th>"
             "<th>Planned arrivals</th><th>Lost arrivals</th><th>Sent, unreported (est.)</th>"
             "<th>p50</th><th>p95</th><th>p99</th><th>max</th><th class=\"name\">Final metrics</th></tr>\n");
    for (const json& a : agents) {
        page.Raw("<tr>");
        page.NameCell(Str(a, "id"));
        page.NameCell(Str(a, "host"));
        page.NameCell(Str(a, "state"));
        page.Cell(std::to_string(Count(a, "capacity")));
        page.Cell(Percent(Num(a, "share")));
        page.Cell(Percent(Num(a, "share_now")));
        page.Cell(std::to_string(a.value("rebalances", json::array()).size()));
        page.Cell(std::to_string(Count(a, "requests")));
        page.Cell(std::to_string(Count(a, "errors")));
        page.Cell(Percent(Num(a, "error_rate")));
        page.Cell(Fixed(Num(a, "rps"), 1));
        page.Cell(std::to_string(Count(a, "dropped")));
        page.Cell(std::to_string(Count(a, "planned")));
        page.Cell(std::to_string(Count(a, "lost")));
        page.Cell(Count(a, "unreported_estimate") > 0 ? "~" + std::to_string(Count(a, "unreported_estimate")) : "0");
        page.LatencyCells(a["response_time_us"]);
        page.NameCell(a.value("final_received", false) ? "received" : "missing (lost before the end)");
        page.Raw("</tr>\n");
    }
    page.Raw("</table></div>\n<p class=\"note\">Latencies are response times (CO-corrected). Arrivals (task iterations): "
             "planned = sent + dropped + lost; lost arrivals were planned for an agent whose final totals never came, "
             "and about \"unreported\" of them were sent before it died (estimated from its last rate). Share: of the "
             "arrivals at the start; share now: in the last assignment.</p>\n");
    Rebalances(page, agents);
    page.Raw("</section>\n");
}

// Agents with --region (issue 16): each region's totals, then its scenarios and requests, from the summary JSON's
// "regions" (so the numbers are --summary-json's).
void Regions(Page& page, const json& regions) {
    if (!regions.is_object() || regions.empty()) return;
    json rows = json::array();
    for (const auto& [region, r] : regions.items()) {
        json total = r.value("totals", json::object());
        total["name"] = region;
        rows.push_back(std::move(total));
        for (const json& s : r.value("scenarios", json::array())) {
            json scenario = s.value("totals", json::object());
            scenario["name"] = region + " / " + Str(s, "name");
            rows.push_back(std::move(scenario));
            for (json request : s.value("requests", json::array())) {
                request["name"] = region + " / " + Str(s, "name") + " / " + Str(request, "name");
                rows.push_back(std::move(request));
            }
        }
    }
    page.Raw("<section id=\"regions\">\n<h2>Regions</h2>\n");
    StatsTable(page, rows, "Region / scenario / request", "name");
    page.Raw("<p class=\"note\">Each region's rows count the requests of the agents started with that --region "
             "only.</p>\n</section>\n");
}

void Configuration(Page& page, const report::RunDescription& run) {
    if (run.config.empty()) return;
    page.Raw("<section id=\"configuration\">\n<h2>Configuration</h2>\n<table>\n<tr><th class=\"name\">Setting</th>"
             "<th class=\"name\">Value</th></tr>\n");
    for (const auto& [key, value] : run.config) {
        page.Raw("<tr>");
        page.NameCell(key);
        page.NameCell(value);
        page.Raw("</tr>\n");
    }
    page.Raw("</table>\n</section>\n");
}

}  // namespace

std::string RenderReportPage(const report::RunDescription& run, const Timeline& timeline,
                             const report::RunOutcome& outcome) {
    json summary = report::SummaryJson(outcome.summary);
    const double duration_s = Num(summary, "duration_s");
    json agents = AgentsJson(outcome, duration_s);
    const bool passed = Passed(summary, outcome);

    Page page;
    page.Raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    page.Text(std::string(passed ? "PASS" : "FAIL") + " · lsengine report" +
              (run.script.empty() ? std::string() : " · " + run.script));
    page.Raw("</title>\n<style>\n");
    page.Raw(UplotCss());
    page.Raw("\n</style>\n<style>");
    page.Raw(kPageCss);
    page.Raw("</style>\n</head>\n<body data-charts-drawn=\"0\">\n");
    Header(page, run, summary, outcome);
    Charts(page, timeline);
    for (const json& s : summary["scenarios"]) Scenario(page, s);
    if (summary.contains("other_requests")) {
        page.Raw("<section>\n<h2>Other requests</h2>\n");
        StatsTable(page, summary["other_requests"], "Request", "name");
        page.Raw("</section>\n");
    }
    if (summary.contains("custom_metrics")) page.Raw(CustomMetricsSection(summary["custom_metrics"]));
    page.Raw("<section id=\"totals\">\n<h2>Run totals</h2>\n");
    json totals = summary["totals"];
    totals["name"] = "All requests";
    StatsTable(page, json::array({totals}), "", "name");
    page.Raw("</section>\n");
    if (summary.contains("regions")) Regions(page, summary["regions"]);
    Thresholds(page, run, summary["thresholds"]);
    page.Raw(GeneratorsSection(summary.value("generators", json::object()), Str(summary, "saturation_warning")));
    Agents(page, agents);
    Configuration(page, run);

    const json data = {{"run",
                        {{"command", run.command},
                         {"script", run.script},
                         {"target", run.target},
                         {"started_unix_ms", run.started_unix_ms},
                         {"planned_duration_s", static_cast<double>(run.total_ns) / 1e9},
                         {"distributed", run.distributed},
                         {"exit_code", outcome.exit_code},
                         {"stop_reason", outcome.stop_reason},
                         {"verdict", passed ? "PASS" : "FAIL"}}},
                       {"timeline", timeline.ToJson()},
                       {"summary", std::move(summary)},
                       {"agents", std::move(agents)}};
    page.Raw("<script type=\"application/json\" id=\"lse-data\">");
    page.Raw(JsonForScript(data));
    page.Raw("</script>\n<script>\n");
    page.Raw(UplotJs());
    page.Raw("\n</script>\n<script>\n");
    page.Raw(ChartScript());
    page.Raw("\n</script>\n</body>\n</html>\n");
    return page.Take();
}

}  // namespace lse::html_report::detail
