#include "custom_families.hpp"
#include "number_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>
#include <vector>

#include "lse/metrics/custom_metric.hpp"

namespace lse::prometheus::detail {
namespace {

using metrics::CustomMetric;
using metrics::CustomMetricKind;

constexpr std::string_view kPrefix = "lsengine_custom_";

// Trend quantiles: the summary percentiles, plus 0 and 1 (the exact min and max, as the summary type allows).
struct Quantile {
    std::string_view label;
    double percentile;
};
constexpr Quantile kQuantiles[] = {{"0", 0}, {"0.5", 50}, {"0.9", 90}, {"0.95", 95}, {"0.99", 99}, {"1", 100}};

// The family (and sample) name of a metric: its name under the prefix, "_total" for the counting kinds.
std::string FamilyName(std::string_view name, CustomMetricKind kind) {
    std::string family(kPrefix);
    family += name;
    if (kind == CustomMetricKind::kCounter || kind == CustomMetricKind::kRate) family += "_total";
    return family;
}

// Every sample name a metric's family writes (a summary adds _sum and _count).
std::vector<std::string> SeriesNames(const std::string& family, CustomMetricKind kind) {
    if (kind != CustomMetricKind::kTrend) return {family};
    return {family, family + "_sum", family + "_count"};
}

void Sample(std::string* out, const std::string& name, std::string_view labels, double value) {
    *out += name;
    *out += labels;
    *out += ' ';
    AppendNumber(out, value);
    *out += '\n';
}

void Family(std::string* out, const std::string& family, const std::string& name, const CustomMetric& m) {
    const auto header = [&](std::string_view type, std::string_view help) {
        *out += "# HELP " + family + " Script metric '" + name + "' (lsengine.metrics." +
                std::string(metrics::CustomMetricKindName(m.kind)) + "): " + std::string(help) + "\n# TYPE " +
                family + " " + std::string(type) + "\n";
    };
    switch (m.kind) {
        case CustomMetricKind::kCounter:
            header("counter", "total of the values added.");
            Sample(out, family, "", m.sum);
            break;
        case CustomMetricKind::kGauge:
            header("gauge", "the value set last.");
            if (m.count != 0) Sample(out, family, "", m.last);  // never set: no sample rather than a made-up 0
            break;
        case CustomMetricKind::kRate:
            header("counter", "samples added, by result (true: non-zero).");
            Sample(out, family, "{result=\"true\"}", static_cast<double>(m.trues));
            Sample(out, family, "{result=\"false\"}", static_cast<double>(m.count - std::min(m.trues, m.count)));
            break;
        case CustomMetricKind::kTrend: {
            header("summary", "values added; quantiles over the whole run (0: min, 1: max).");
            for (const Quantile& q : kQuantiles) {
                const double v = m.count == 0 ? std::nan("") : m.Percentile(q.percentile);
                Sample(out, family, "{quantile=\"" + std::string(q.label) + "\"}", v);
            }
            Sample(out, family + "_sum", "", m.sum);
            *out += family + "_count ";
            AppendUint(out, m.count);
            *out += '\n';
            break;
        }
    }
}

}  // namespace

std::string RenderCustomMetricFamilies(const metrics::Snapshot& snapshot) {
    std::string out;
    std::set<std::string, std::less<>> taken;  // sample names written so far
    for (const auto& [name, metric] : snapshot.custom) {
        if (!metrics::IsValidCustomMetricName(name)) continue;  // only a foreign snapshot could hold one
        const std::string family = FamilyName(name, metric.kind);
        const std::vector<std::string> series = SeriesNames(family, metric.kind);
        std::string clash;
        for (const std::string& s : series) {
            if (taken.count(s) != 0) clash = s;
        }
        if (!clash.empty()) {
            out += "# lsengine: custom metric '" + name + "' is not exported: its series " + clash +
                   " is another custom metric's\n";
            continue;
        }
        taken.insert(series.begin(), series.end());
        Family(&out, family, name, metric);
    }
    return out;
}

}  // namespace lse::prometheus::detail
