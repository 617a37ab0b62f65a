#include "lse/report/text_summary.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "lse/core/error_kind.hpp"
#include "lse/core/units.hpp"

namespace lse::report {
namespace {

std::string Fmt(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string Pad(const std::string& s, size_t width, bool right) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

struct Percentiles {
    const char* label;
    double p;
};
constexpr Percentiles kPercentiles[] = {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}};

void PrintLatencyRow(std::ostream& out, const std::string& name, const char* kind, const metrics::Histogram& h) {
    out << "  " << Pad(name, 28, false) << Pad(kind, 10, false);
    if (h.Count() == 0) {
        out << "  (no responses)\n";
        return;
    }
    for (const auto& p : kPercentiles) out << Pad(FormatMicros(h.ValueAtPercentile(p.p)), 10, true);
    out << Pad(FormatMicros(h.Max()), 10, true) << Pad(FormatMicros(static_cast<std::int64_t>(h.Mean())), 10, true)
        << "\n";
}

std::string ErrorBreakdown(const metrics::RequestStats& s) {
    std::string parts;
    for (int i = 1; i < kErrorKindCount; ++i) {
        const auto kind = static_cast<ErrorKind>(i);
        const std::uint64_t n = s.ErrorsOf(kind);
        if (n == 0) continue;
        if (!parts.empty()) parts += ", ";
        parts += std::string(ErrorKindName(kind)) + "=" + std::to_string(n);
    }
    return parts;
}

std::string StatusBreakdown(const metrics::RequestStats& s) {
    std::string parts;
    s.statuses.ForEachNonZero([&](int status, std::uint64_t n) {
        if (!parts.empty()) parts += ", ";
        parts += std::to_string(status) + "=" + std::to_string(n);
    });
    if (s.statuses.Other() > 0) parts += (parts.empty() ? "" : ", ") + std::string("other=") +
                                         std::to_string(s.statuses.Other());
    return parts;
}

}  // namespace

std::string FormatMicros(std::int64_t us) { return FormatDurationNs(us * 1000); }

void PrintSummary(std::ostream& out, const SummaryInput& in) {
    const double secs = in.duration_ns > 0 ? in.duration_ns / 1e9 : 1.0;
    const metrics::RequestStats& t = in.total.total;

    out << "\n" << (in.interrupted ? "Run interrupted" : "Run complete") << " after "
        << FormatDurationNs(in.duration_ns) << "\n\n";

    // Throughput table: one row per request name, then the total.
    out << "  " << Pad("name", 28, false) << Pad("requests", 10, true) << Pad("rps", 10, true)
        << Pad("ok", 10, true) << Pad("errors", 10, true) << Pad("err%", 8, true) << Pad("dropped", 10, true) << "\n";
    auto row = [&](const std::string& name, const metrics::RequestStats& s) {
        out << "  " << Pad(name, 28, false) << Pad(std::to_string(s.requests), 10, true)
            << Pad(Fmt("%.1f", s.requests / secs), 10, true) << Pad(std::to_string(s.ok), 10, true)
            << Pad(std::to_string(s.ErrorCount()), 10, true) << Pad(Fmt("%.2f", s.ErrorRate() * 100), 8, true)
            << Pad(std::to_string(s.dropped), 10, true) << "\n";
    };
    for (const auto& [name, s] : in.total.by_name) row(name, s);
    if (in.total.by_name.size() != 1) row("TOTAL", t);
    if (in.target_rps > 0) {
        out << "  target " << Fmt("%.1f", in.target_rps) << " rps, achieved " << Fmt("%.1f", t.requests / secs)
            << " rps (" << Fmt("%.1f", in.target_rps > 0 ? 100.0 * (t.requests / secs) / in.target_rps : 0)
            << "%)\n";
    }

    // Errors and statuses, only when there is something to say.
    bool any_detail = false;
    for (const auto& [name, s] : in.total.by_name) {
        const std::string errors = ErrorBreakdown(s);
        const std::string statuses = StatusBreakdown(s);
        if (!any_detail) out << "\n";
        any_detail = true;
        out << "  " << name << ": status " << (statuses.empty() ? "none" : statuses);
        if (!errors.empty()) out << " | errors " << errors;
        out << "\n";
    }

    // Latency: service time (sent -> done) and response time (intended start -> done).
    out << "\n  " << Pad("latency", 28, false) << Pad("", 10, false);
    for (const auto& p : kPercentiles) out << Pad(p.label, 10, true);
    out << Pad("max", 10, true) << Pad("mean", 10, true) << "\n";
    for (const auto& [name, s] : in.total.by_name) {
        PrintLatencyRow(out, name, "service", s.service_time_us);
        PrintLatencyRow(out, name, "response", s.response_time_us);
    }
    out << "  (service: request sent -> response complete; response: intended start -> response complete,\n"
           "   corrected for coordinated omission)\n";
    const std::uint64_t bytes_in = t.bytes_received;
    out << "\n  data: " << Fmt("%.2f", bytes_in / 1048576.0) << " MiB received, "
        << Fmt("%.2f", t.bytes_sent / 1048576.0) << " MiB sent\n";
}

}  // namespace lse::report
