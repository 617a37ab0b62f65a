#include "lse/report/custom_metrics_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "lse/report/summary_model.hpp"

namespace lse::report {
namespace {

using metrics::CustomMetric;
using metrics::CustomMetricKind;
using nlohmann::json;

// Text columns, the request table's widths (text_summary.cpp) so the section lines up with the tables above it.
constexpr std::size_t kNameWidth = 30;
constexpr std::size_t kKindWidth = 10;

std::string Cell(const std::string& s, std::size_t width) {
    if (s.size() < width) return s + std::string(width - s.size(), ' ');
    return s.substr(0, width - 4) + "... ";
}

std::string PercentText(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", fraction * 100.0);
    return buf;
}

// The trend percentiles every output shows, in this order (thresholds read any pNN).
struct TrendPoint {
    const char* key;
    double p;
};
constexpr TrendPoint kTrendPoints[] = {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}};

// "total 42, 4.2/s" and friends: what the text shows of one metric, one or two lines without the indent.
std::vector<std::string> ValueLines(const CustomMetric& m, double secs) {
    if (m.count == 0 && m.kind != CustomMetricKind::kCounter) return {"count 0 (no samples)"};
    switch (m.kind) {
        case CustomMetricKind::kCounter:
            return {"total " + FormatCustomValue(m.sum) + ", " + FormatCustomValue(secs > 0 ? m.sum / secs : 0) + "/s"};
        case CustomMetricKind::kGauge:
            return {"value " + FormatCustomValue(m.last) + ", min " + FormatCustomValue(m.min) + ", max " +
                    FormatCustomValue(m.max)};
        case CustomMetricKind::kRate:
            return {PercentText(m.Ratio()) + " (" + std::to_string(m.trues) + " of " + std::to_string(m.count) + ")"};
        case CustomMetricKind::kTrend: {
            std::string points;
            for (const TrendPoint& t : kTrendPoints) {
                points += (points.empty() ? "" : ", ") + std::string(t.key) + " ";
                points += FormatCustomValue(m.Percentile(t.p));
            }
            return {"count " + std::to_string(m.count) + ", min " + FormatCustomValue(m.min) + ", mean " +
                        FormatCustomValue(m.Mean()) + ", max " + FormatCustomValue(m.max),
                    points};
        }
    }
    return {};
}

}  // namespace

std::vector<CustomMetricRow> CustomMetricRows(const metrics::Snapshot& snapshot,
                                              const std::vector<std::string>& not_replayable) {
    std::map<std::string, CustomMetricRow, std::less<>> rows;
    for (const auto& [name, metric] : snapshot.custom) rows[name] = CustomMetricRow{name, metric, true};
    for (const std::string& name : not_replayable) {
        CustomMetricRow& row = rows[name];
        row.name = name;
        row.replayable = false;
    }
    std::vector<CustomMetricRow> out;
    out.reserve(rows.size());
    for (auto& [name, row] : rows) out.push_back(std::move(row));
    return out;
}

std::string FormatCustomValue(double v) {
    if (!std::isfinite(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

json CustomMetricJson(const CustomMetric& m, double secs) {
    json j = {{"kind", std::string(metrics::CustomMetricKindName(m.kind))}, {"samples", m.count}};
    switch (m.kind) {
        case CustomMetricKind::kCounter:
            j["count"] = m.sum;
            j["rate"] = secs > 0 ? m.sum / secs : 0.0;
            break;
        case CustomMetricKind::kGauge:
            if (m.count == 0) break;
            j["value"] = m.last;
            j["min"] = m.min;
            j["max"] = m.max;
            break;
        case CustomMetricKind::kRate:
            j["trues"] = m.trues;
            if (m.count != 0) j["rate"] = m.Ratio();
            break;
        case CustomMetricKind::kTrend:
            j["count"] = m.count;
            if (m.count == 0) break;
            j["min"] = m.min;
            j["mean"] = m.Mean();
            for (const TrendPoint& t : kTrendPoints) j[t.key] = m.Percentile(t.p);
            j["max"] = m.max;
            break;
    }
    return j;
}

json CustomMetricsJson(const std::vector<CustomMetricRow>& rows, double secs) {
    json out = json::object();
    for (const CustomMetricRow& row : rows) {
        json j = row.metric ? CustomMetricJson(*row.metric, secs) : json{{"samples", 0}};
        if (!row.replayable) j["replayable"] = false;
        out[row.name] = std::move(j);
    }
    return out;
}

void PrintCustomMetrics(std::ostream& out, const std::vector<CustomMetricRow>& rows, double secs) {
    if (rows.empty()) return;
    out << "\n  " << Cell("custom metric", kNameWidth) << Cell("kind", kKindWidth) << "values\n";
    const std::string continuation(2 + kNameWidth + kKindWidth, ' ');
    for (const CustomMetricRow& row : rows) {
        out << "  " << Cell(Printable(row.name), kNameWidth);
        if (!row.metric) {
            out << Cell("?", kKindWidth) << "no samples\n";
        } else {
            const std::vector<std::string> lines = ValueLines(*row.metric, secs);
            out << Cell(std::string(metrics::CustomMetricKindName(row.metric->kind)), kKindWidth);
            for (std::size_t i = 0; i < lines.size(); ++i) out << (i == 0 ? "" : continuation) << lines[i] << "\n";
        }
        if (!row.replayable) out << "    " << kNotReplayableText << "\n";
    }
}

}  // namespace lse::report
