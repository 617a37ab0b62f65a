#include "custom_metrics_section.hpp"

#include <cstdint>
#include <cstdio>

#include "lse/html_report/html_escape.hpp"
#include "lse/report/custom_metrics_report.hpp"

namespace lse::html_report::detail {
namespace {

using nlohmann::json;

constexpr const char* kDash = "–";
// Numeric columns after Metric, Kind, Samples, Value; each read from the metric's JSON key of the same name.
constexpr const char* kNumberColumns[] = {"min", "mean", "p50", "p90", "p95", "p99", "max"};

std::string NumberText(const json& m, const char* key) {
    const auto it = m.find(key);
    if (it == m.end() || !it->is_number()) return kDash;
    return report::FormatCustomValue(it->get<double>());
}

std::uint64_t Samples(const json& m) {
    const auto it = m.find("samples");
    return it != m.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The kind's headline: a counter's total and rate, a gauge's value, a rate's share of trues.
std::string ValueText(const json& m, const std::string& kind) {
    if (kind == "counter") return NumberText(m, "count") + " (" + NumberText(m, "rate") + "/s)";
    if (kind == "gauge") return m.contains("value") ? NumberText(m, "value") : "never set";
    if (kind == "rate") {
        if (!m.contains("rate")) return "no samples";
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f%%", m["rate"].is_number() ? m["rate"].get<double>() * 100.0 : 0.0);
        const auto trues = m.find("trues");
        return std::string(buf) + " (" +
               (trues != m.end() && trues->is_number_unsigned() ? std::to_string(trues->get<std::uint64_t>())
                                                                : std::string("?")) +
               " of " + std::to_string(Samples(m)) + ")";
    }
    return kDash;  // a trend's numbers are in their own columns
}

void Cell(std::string* out, const std::string& text, const char* cls = nullptr) {
    *out += cls != nullptr ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
    *out += HtmlEscape(text);
    *out += "</td>";
}

}  // namespace

std::string CustomMetricsSection(const json& custom_metrics) {
    if (!custom_metrics.is_object() || custom_metrics.empty()) return {};
    std::string out =
        "<section id=\"custom-metrics\">\n<h2>Custom metrics</h2>\n<table>\n<tr><th class=\"name\">Metric</th>"
        "<th class=\"name\">Kind</th><th>Samples</th><th>Value</th>";
    for (const char* c : kNumberColumns) out += std::string("<th>") + c + "</th>";
    out += "<th class=\"name\">Note</th></tr>\n";
    for (const auto& [name, m] : custom_metrics.items()) {
        if (!m.is_object()) continue;
        const std::string kind = m.contains("kind") && m["kind"].is_string() ? m["kind"].get<std::string>() : "?";
        const bool replayable = m.value("replayable", true);
        out += replayable ? "<tr>" : "<tr class=\"fail\">";
        Cell(&out, name, "name");
        Cell(&out, kind, "name");
        Cell(&out, std::to_string(Samples(m)));
        Cell(&out, ValueText(m, kind));
        for (const char* c : kNumberColumns) Cell(&out, NumberText(m, c));
        Cell(&out, replayable ? "" : std::string(report::kNotReplayableText), "name result");
        out += "</tr>\n";
    }
    out += "</table>\n<p class=\"note\">Run totals of the script's lsengine.metrics (all scenarios). Counter: total "
           "and per second of the load; gauge: the value set last (min, max); rate: the share of true samples; "
           "trend: percentiles of the values added.</p>\n</section>\n";
    return out;
}

}  // namespace lse::html_report::detail
