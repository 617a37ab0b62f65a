#include "generators_section.hpp"

#include <cstdint>
#include <cstdio>

#include "lse/html_report/html_escape.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::html_report::detail {
namespace {

using nlohmann::json;

constexpr const char* kDash = "–";

std::uint64_t Count(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

double Number(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string Printf(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string Lag(const json& g, const char* key) {
    const json lag = g.value("loop_lag_us", json::object());
    if (Count(lag, "count") == 0 || !lag.contains(key) || !lag[key].is_number()) return kDash;
    return report::FormatMicros(lag[key].get<std::int64_t>());
}

// "12 s to 40 s, 50 s to 55 s" from the periods; the interval count when there are none.
std::string Periods(const json& g) {
    std::string out;
    for (const json& p : g.value("saturated_periods", json::array())) {
        if (!out.empty()) out += ", ";
        out += report::SecondsText(static_cast<std::int64_t>(Number(p, "from_s") * 1000.0 + 0.5)) + " to " +
               report::SecondsText(static_cast<std::int64_t>(Number(p, "to_s") * 1000.0 + 0.5));
    }
    if (out.empty() && Count(g, "saturated_intervals") > 0) {
        out = std::to_string(Count(g, "saturated_intervals")) + " intervals";
    }
    return out;
}

void Cell(std::string* out, const std::string& text, const char* cls = nullptr) {
    *out += cls != nullptr ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
    *out += HtmlEscape(text);
    *out += "</td>";
}

}  // namespace

std::string GeneratorsSection(const json& generators, const std::string& warning) {
    if (!generators.is_object() || generators.empty()) return {};
    std::string out = "<section id=\"generators\">\n<h2>Load generators</h2>\n";
    if (!warning.empty()) {
        out += "<p class=\"warning\">Warning: " + HtmlEscape(warning) + "</p>\n";
    }
    out += "<table>\n<tr><th class=\"name\">Generator</th><th>Threads</th><th>Loop lag p99</th><th>Loop lag max</th>"
           "<th>CPU (process)</th><th>CPU (host)</th><th>Arrivals</th><th>Late arrivals</th><th>Open sockets</th>"
           "<th>Ports in use</th><th>Peak RSS</th><th>Saturated</th><th class=\"name\">When</th></tr>\n";
    for (const auto& [id, g] : generators.items()) {
        if (!g.is_object()) continue;
        const bool saturated = g.value("saturated", false);
        out += saturated ? "<tr class=\"fail\">" : "<tr>";
        Cell(&out, id, "name");
        Cell(&out, std::to_string(Count(g, "threads")));
        Cell(&out, Lag(g, "p99"));
        Cell(&out, Lag(g, "max"));
        Cell(&out, Printf("%.0f%%", Number(g, "process_cpu") * 100.0));
        Cell(&out, Printf("%.0f%%", Number(g, "host_cpu") * 100.0));
        Cell(&out, std::to_string(Count(g, "arrivals")));
        Cell(&out, std::to_string(Count(g, "late_arrivals")));
        Cell(&out, std::to_string(Count(g, "open_sockets")));
        const std::uint64_t range = Count(g, "ephemeral_port_range");
        Cell(&out, std::to_string(Count(g, "ephemeral_ports")) + (range > 0 ? " of " + std::to_string(range) : ""));
        Cell(&out, Printf("%.1f MiB", Number(g, "rss_bytes") / 1048576.0));
        Cell(&out, saturated ? Printf("%.1f s", Number(g, "saturated_s")) : std::string("no"), "result");
        Cell(&out, Periods(g), "name");
        out += "</tr>\n";
    }
    out += "</table>\n<p class=\"note\">Is lsengine itself the bottleneck? Loop lag: how late each worker's event loop "
           "ran its timers; CPU (process): the worst second, 100% = one core busy; CPU (host): all cores; late "
           "arrivals: arrivals the generator itself started more than 5 ms late. A generator is saturated in a "
           "second when its loop lag p99 exceeds 10 ms, or its CPU is above 90% while arrivals start late.</p>\n"
           "</section>\n";
    return out;
}

}  // namespace lse::html_report::detail
