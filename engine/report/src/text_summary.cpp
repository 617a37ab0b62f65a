#include "lse/report/text_summary.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "lse/core/error_kind.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/units.hpp"
#include "lse/report/custom_metrics_report.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/region_summary.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::report {
namespace {

// Column widths, chosen so the widest table (latency: 2 + 30 + 10 + 6 * 9 = 96) fits 100 columns.
constexpr std::size_t kNameWidth = 30;
constexpr std::size_t kNumWidth = 10;
constexpr std::size_t kLatWidth = 9;

std::string Fmt(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

// Left-aligned name cell; long names are cut with "..." so the columns stay aligned.
std::string NameCell(const std::string& s, std::size_t width = kNameWidth) {
    if (s.size() < width) return s + std::string(width - s.size(), ' ');
    return s.substr(0, width - 4) + "... ";
}

std::string Right(const std::string& s, std::size_t width) {
    return s.size() >= width ? " " + s : std::string(width - s.size(), ' ') + s;
}

std::string Num(std::uint64_t n, std::size_t width = kNumWidth) { return Right(std::to_string(n), width); }

double Rate(std::uint64_t n, double secs) { return secs > 0 ? static_cast<double>(n) / secs : 0; }

double Seconds(std::int64_t ns) { return ns > 0 ? static_cast<double>(ns) / 1e9 : 0; }

std::string Percent(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? "-" : Fmt("%.2f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// "check=5, timeout=1" for every non-zero failure kind.
std::string ErrorBreakdown(const metrics::RequestStats& s) {
    std::string parts;
    for (int i = 1; i < kErrorKindCount; ++i) {
        const std::uint64_t n = s.ErrorsOf(static_cast<ErrorKind>(i));
        if (n == 0) continue;
        if (!parts.empty()) parts += ", ";
        parts += std::string(ErrorKindName(static_cast<ErrorKind>(i))) + "=" + std::to_string(n);
    }
    return parts;
}

std::string StatusBreakdown(const metrics::RequestStats& s) {
    std::string parts;
    s.statuses.ForEachNonZero([&](int status, std::uint64_t n) {
        if (!parts.empty()) parts += ", ";
        parts += std::to_string(status) + "=" + std::to_string(n);
    });
    if (s.statuses.Other() > 0) {
        parts += (parts.empty() ? "" : ", ") + std::string("other=") + std::to_string(s.statuses.Other());
    }
    return parts;
}

struct Percentile {
    const char* label;
    double p;
};
constexpr Percentile kLatencyColumns[] = {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}};

void PrintLatencyRow(std::ostream& out, const std::string& name, const char* kind, const metrics::Histogram& h) {
    out << "  " << NameCell(name) << NameCell(kind, kNumWidth);
    if (h.Count() == 0) {
        out << "(no responses)\n";
        return;
    }
    for (const Percentile& p : kLatencyColumns) out << Right(FormatMicros(h.ValueAtPercentile(p.p)), kLatWidth);
    out << Right(FormatMicros(h.Max()), kLatWidth) << "\n";
}

void PrintHeader(std::ostream& out, const ScenarioSummary& s) {
    const ScenarioInfo& info = s.info;
    out << "\n== " << info.name << " ==";
    std::string sep = "  ";
    if (!info.model.empty()) {
        out << sep << info.model << " model";
        sep = " | ";
    }
    // The target counts arrivals, and each arrival runs one task iteration that may send any number of
    // requests: compare iterations with it. URL mode has no tasks (one arrival = one request).
    const bool scripted = !s.tasks.empty();
    const double achieved = AchievedRate(s);
    if (info.target_rps > 0 && scripted) {  // "achieved 24.8 of 25.0 it/s (99.2%), 49.6 rps"
        out << sep << "achieved " << Fmt("%.1f", achieved) << " of " << Fmt("%.1f", info.target_rps) << " it/s ("
            << Fmt("%.1f", 100.0 * achieved / info.target_rps) << "%)";
    } else if (info.target_rps > 0) {
        out << sep << "target " << Fmt("%.1f", info.target_rps) << " rps, achieved " << Fmt("%.1f", achieved)
            << " rps (" << Fmt("%.1f", 100.0 * achieved / info.target_rps) << "%)";
    } else {
        out << sep << Fmt("%.1f", achieved) << (scripted ? " it/s" : " rps");
    }
    if (scripted) out << ", " << Fmt("%.1f", RequestRate(s)) << " rps";
    sep = " | ";
    if (info.vusers > 0) out << sep << info.vusers << " VUs";
    VusersReady ready;
    if (OnStartOutcome(s, &ready)) out << " (" << ready.ready << " of " << ready.started << " ready)";
    out << sep << FormatDurationNs(info.duration_ns) << sep << "dropped " << s.dropped << "\n";
}

void PrintTasks(std::ostream& out, const ScenarioSummary& s) {
    if (s.tasks.empty()) return;
    const double secs = Seconds(s.info.duration_ns);
    out << "\n  " << NameCell("task") << Right("iterations", 11) << Right("it/s", kNumWidth)
        << Right("ok", kNumWidth) << Right("failed", kNumWidth) << Right("p50", kLatWidth) << Right("p95", kLatWidth)
        << Right("p99", kLatWidth) << "\n";
    for (const NamedStats& t : s.tasks) {
        const metrics::RequestStats& it = t.stats;
        const metrics::Histogram& d = it.service_time_us;  // how long an iteration ran
        out << "  " << NameCell(t.name) << Num(it.requests, 11)
            << Right(Fmt("%.1f", Rate(it.requests, secs)), kNumWidth) << Num(it.ok)
            << Num(it.requests - std::min(it.ok, it.requests));
        if (d.Count() == 0) {
            out << Right("-", kLatWidth) << Right("-", kLatWidth) << Right("-", kLatWidth) << "\n";
        } else {
            out << Right(FormatMicros(d.ValueAtPercentile(50)), kLatWidth)
                << Right(FormatMicros(d.ValueAtPercentile(95)), kLatWidth)
                << Right(FormatMicros(d.ValueAtPercentile(99)), kLatWidth) << "\n";
        }
        const std::string reasons = ErrorBreakdown(it);
        if (!reasons.empty()) out << "    failed: " << reasons << "\n";
    }
    out << "  (p50/p95/p99: iteration duration)\n";
}

void PrintRequestRow(std::ostream& out, const std::string& name, const metrics::RequestStats& r, double secs,
                     bool details) {
    out << "  " << NameCell(name) << Num(r.requests) << Right(Fmt("%.1f", Rate(r.requests, secs)), kNumWidth)
        << Num(r.ok) << Num(r.ErrorCount()) << Right(Percent(r.ErrorCount(), r.requests), kNumWidth) << "\n";
    if (!details) return;
    const std::string statuses = StatusBreakdown(r);
    const std::string errors = ErrorBreakdown(r);
    out << "    status " << (statuses.empty() ? "none" : statuses);
    if (!errors.empty()) out << " | errors " << errors;
    out << "\n";
}

void PrintRequests(std::ostream& out, const ScenarioSummary& s) {
    if (s.requests.empty()) return;
    const double secs = Seconds(s.info.duration_ns);
    out << "\n  " << NameCell("request") << Right("count", kNumWidth) << Right("rps", kNumWidth)
        << Right("ok", kNumWidth) << Right("errors", kNumWidth) << Right("err%", kNumWidth) << "\n";
    for (const NamedStats& r : s.requests) PrintRequestRow(out, DisplayName(r), r.stats, secs, true);
    if (s.requests.size() > 1) PrintRequestRow(out, "all requests", s.load, secs, false);
    if (!s.requests_by_task.empty()) {
        out << "  by task:\n";
        for (const NamedStats& r : s.requests_by_task) {
            PrintRequestRow(out, r.task + ": " + DisplayName(r), r.stats, secs, false);
        }
    }
    if (!s.groups.empty()) {  // each group with the groups nested in it, as group:NAME thresholds read them
        out << "  by group:\n";
        for (const NamedStats& g : s.groups) PrintRequestRow(out, "group " + g.name, g.stats, secs, false);
    }

    out << "\n  " << NameCell("latency") << NameCell("", kNumWidth);
    for (const Percentile& p : kLatencyColumns) out << Right(p.label, kLatWidth);
    out << Right("max", kLatWidth) << "\n";
    for (const NamedStats& r : s.requests) {
        PrintLatencyRow(out, DisplayName(r), "service", r.stats.service_time_us);
        PrintLatencyRow(out, "", "response", r.stats.response_time_us);
    }
    if (s.requests.size() > 1) {
        PrintLatencyRow(out, "all requests", "service", s.load.service_time_us);
        PrintLatencyRow(out, "", "response", s.load.response_time_us);
    }
    for (const NamedStats& g : s.groups) {
        PrintLatencyRow(out, "group " + g.name, "service", g.stats.service_time_us);
        PrintLatencyRow(out, "", "response", g.stats.response_time_us);
    }
    out << "  (service: request sent -> response complete; response: intended start -> response complete,\n"
           "   corrected for coordinated omission)\n";
}

void PrintChecks(std::ostream& out, const ScenarioSummary& s) {
    if (s.checks.empty()) return;
    constexpr std::size_t kCheckWidth = 44;
    out << "\n  " << NameCell("check", kCheckWidth) << Right("passes", kNumWidth) << Right("fails", kNumWidth)
        << Right("pass%", kNumWidth) << "\n";
    for (const CheckRow& c : s.checks) {
        out << "  " << NameCell(DisplayName(c), kCheckWidth) << Num(c.counts.passes) << Num(c.counts.fails)
            << Right(Percent(c.counts.passes, c.counts.passes + c.counts.fails), kNumWidth) << "\n";
    }
}

void PrintLifecycle(std::ostream& out, const ScenarioSummary& s) {
    if (s.lifecycle.empty()) return;
    out << "\n  " << NameCell("lifecycle (not in the load)") << Right("requests", kNumWidth) << Right("ok", kNumWidth)
        << Right("errors", kNumWidth) << Right("p95", kNumWidth) << "\n";
    for (const NamedStats& l : s.lifecycle) {
        const metrics::Histogram& h = l.stats.response_time_us;
        out << "  " << NameCell(l.name) << Num(l.stats.requests) << Num(l.stats.ok) << Num(l.stats.ErrorCount())
            << Right(h.Count() == 0 ? "-" : FormatMicros(h.ValueAtPercentile(95)), kNumWidth) << "\n";
        const std::string errors = ErrorBreakdown(l.stats);
        if (!errors.empty()) out << "    errors " << errors << "\n";
    }
}

// "where" of an error group: "task 'buy'", "on_start", "GET /api (browse)".
std::string ErrorPlace(const ErrorRow& e) {
    if (e.scope == "request") return e.name + " (" + e.task + ")";
    if (e.scope == "lifecycle") return e.task;
    return "task " + e.task;
}

std::string FirstSeen(const ErrorRow& e) {
    if (!e.has_first_seen) return "-";
    if (e.first_seen_ns < 0) return "before load";
    return FormatDurationNs(e.first_seen_ns - e.first_seen_ns % kNsPerMs);
}

void PrintErrors(std::ostream& out, const ScenarioSummary& s) {
    if (s.errors.empty()) return;
    constexpr std::size_t kPlaceWidth = 56;
    out << "\n  " << NameCell("errors by message", kPlaceWidth) << Right("count", kNumWidth)
        << Right("first seen", 14) << "\n";
    for (const ErrorRow& e : s.errors) {
        out << "  " << NameCell(ErrorPlace(e) + ": " + std::string(ErrorKindName(e.kind)), kPlaceWidth)
            << Num(e.count) << Right(FirstSeen(e), 14) << "\n";
        out << "    " << e.message << "\n";
    }
}

void PrintThresholds(std::ostream& out, const std::vector<thresholds::Verdict>& verdicts, bool name_scenarios) {
    if (verdicts.empty()) return;
    std::size_t passed = 0;
    std::size_t width = 0;
    std::vector<std::string> labels;
    for (const thresholds::Verdict& v : verdicts) {
        passed += v.passed ? 1 : 0;
        labels.push_back(Printable(name_scenarios && !v.scenario.empty() ? v.scenario + ": " + v.expression
                                                                          : v.expression));
        width = std::max(width, labels.back().size());
    }
    width = std::min<std::size_t>(width + 2, 44);
    out << "\nthresholds: " << passed << " of " << verdicts.size() << " passed\n";
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        out << "  " << (verdicts[i].passed ? "\u2713 PASS  " : "\u2717 FAIL  ");
        const std::string& label = labels[i];
        out << (label.size() < width ? label + std::string(width - label.size(), ' ') : label + "  ")
            << Printable(verdicts[i].actual_text) << "\n";
    }
}

}  // namespace

std::string FormatMicros(std::int64_t us) { return FormatDurationNs(us * 1000); }

void PrintSummary(std::ostream& out, const SummaryInput& in) {
    const SummaryModel model = BuildSummaryModel(in);
    out << "\n" << (in.interrupted ? "Run interrupted" : in.stopped_early ? "Run stopped early" : "Run complete") << " after "
        << FormatDurationNs(in.duration_ns) << "\n";

    for (const ScenarioSummary& s : model.scenarios) {
        PrintHeader(out, s);
        PrintTasks(out, s);
        PrintRequests(out, s);
        PrintChecks(out, s);
        PrintLifecycle(out, s);
        PrintErrors(out, s);
        for (const std::string& w : s.warnings) out << "\n  warning: " << w << "\n";
    }
    if (!model.unscoped_requests.empty()) {
        ScenarioSummary other;
        other.info.name = "other requests";
        other.info.duration_ns = in.duration_ns;
        other.requests = model.unscoped_requests;
        for (const NamedStats& r : other.requests) other.load += r.stats;
        PrintRequests(out, other);
    }

    const double secs = Seconds(in.duration_ns);
    PrintCustomMetrics(out, CustomMetricRows(in.total, in.not_replayable_metrics), secs);

    const metrics::RequestStats& t = in.total.total;
    out << "\ntotal: " << t.requests << " requests, " << Fmt("%.1f", Rate(t.requests, secs)) << " rps, " << t.ok
        << " ok, " << t.ErrorCount() << " errors (" << Percent(t.ErrorCount(), t.requests) << "), " << t.dropped
        << " dropped, " << Fmt("%.2f", static_cast<double>(t.bytes_received) / 1048576.0) << " MiB received";
    // Compressed bodies a script (or an agent's extraction) decoded: what they came to. Lazy decoding, so bodies
    // nobody read are not in it; absent when nothing was decoded.
    if (t.bytes_decoded != 0) {
        out << " (decoded " << Fmt("%.2f", static_cast<double>(t.bytes_decoded) / 1048576.0) << " MiB)";
    }
    out << ", " << Fmt("%.2f", static_cast<double>(t.bytes_sent) / 1048576.0) << " MiB sent\n";
    if (t.requests > 0 && t.response_time_us.Count() > 0) {
        const metrics::Histogram& h = t.response_time_us;
        out << "       response p50 " << FormatMicros(h.ValueAtPercentile(50)) << ", p95 "
            << FormatMicros(h.ValueAtPercentile(95)) << ", p99 " << FormatMicros(h.ValueAtPercentile(99)) << ", max "
            << FormatMicros(h.Max()) << "\n";
    }
    if (in.arrivals.known) {
        const ArrivalAccounting& a = in.arrivals;
        out << "arrivals: " << a.planned << " planned = " << a.sent << " sent + " << a.dropped << " dropped + "
            << a.lost << " lost with agents\n";
        if (a.lost > 0) {
            std::string who;
            for (const std::string& id : a.lost_agents) who += (who.empty() ? "" : ", ") + id;
            out << "       lost with " << Printable(who) << ": " << (a.lost - a.unreported_estimate)
                << " never sent, ~" << a.unreported_estimate
                << " sent but unreported (estimated from the agent's last rate)\n";
        }
    }
    PrintRegions(out, in);
    // Was lsengine itself the bottleneck? Right above the verdicts, so the warning is read with them.
    PrintGeneratorTable(out, in.total);
    PrintThresholds(out, in.verdicts, model.scenarios.size() > 1);
}

}  // namespace lse::report
