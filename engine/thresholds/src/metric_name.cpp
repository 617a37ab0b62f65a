#include "metric_name.hpp"

#include <cstdlib>

namespace lse::thresholds {
namespace {

constexpr std::string_view kServicePrefix = "service_";
constexpr std::string_view kGeneratorLagPrefix = "generator_lag_";

constexpr std::string_view kSuggestable[] = {
    "p50",         "p90",         "p95",         "p99",         "p99.9",        "min",         "max",
    "mean",        "avg",         "service_p50", "service_p90", "service_p95",  "service_p99", "service_p99.9",
    "service_min", "service_max", "service_mean", "error_rate", "errors",       "requests",    "rps",
    "checks",      "iterations",  "iteration_failures",         "dropped",
    "generator_saturated",        "generator_lag_p99",          "generator_lag_max"};

struct CountMetric {
    std::string_view name;
    Metric metric;
};
constexpr CountMetric kOtherMetrics[] = {
    {"error_rate", Metric::kErrorRate}, {"errors", Metric::kErrors},         {"requests", Metric::kRequests},
    {"rps", Metric::kRps},              {"checks", Metric::kChecks},         {"iterations", Metric::kIterations},
    {"iteration_failures", Metric::kIterationFailures},                      {"dropped", Metric::kDropped},
    {"generator_saturated", Metric::kGeneratorSaturated}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "p95", "p99.9", "p99.99": 'p', digits, optionally '.' and digits; value in (0, 100].
bool ParsePercentile(std::string_view text, double* out) {
    if (text.size() < 2 || text[0] != 'p') return false;
    std::string_view num = text.substr(1);
    std::size_t i = 0;
    while (i < num.size() && IsDigit(num[i])) ++i;
    if (i == 0 || i > 3) return false;
    if (i < num.size()) {
        if (num[i] != '.' || i + 1 == num.size()) return false;
        for (std::size_t j = i + 1; j < num.size(); ++j) {
            if (!IsDigit(num[j])) return false;
        }
    }
    const std::string copy(num);
    const double p = std::strtod(copy.c_str(), nullptr);
    if (!(p > 0 && p <= 100)) return false;
    *out = p;
    return true;
}

bool ParseLatencyStat(std::string_view text, MetricSpec* out) {
    if (text == "min") {
        out->stat = LatencyStat::kMin;
    } else if (text == "max") {
        out->stat = LatencyStat::kMax;
    } else if (text == "mean" || text == "avg") {
        out->stat = LatencyStat::kMean;
    } else if (ParsePercentile(text, &out->percentile)) {
        out->stat = LatencyStat::kPercentile;
    } else {
        return false;
    }
    out->metric = Metric::kLatency;
    return true;
}

}  // namespace

bool ParseMetricName(std::string_view text, MetricSpec* out) {
    MetricSpec spec;
    for (const CountMetric& m : kOtherMetrics) {
        if (text == m.name) {
            spec.metric = m.metric;
            spec.canonical = std::string(m.name);
            *out = std::move(spec);
            return true;
        }
    }
    std::string_view stat = text;
    // "generator_lag_p99", "generator_lag_max": the load generators' event-loop lag (no min or mean: a generator's
    // health is judged by how late its loop got, and the best moment says nothing).
    if (stat.starts_with(kGeneratorLagPrefix)) {
        stat.remove_prefix(kGeneratorLagPrefix.size());
        if (stat != "max" && !ParsePercentile(stat, &spec.percentile)) return false;
        spec.metric = Metric::kGeneratorLag;
        spec.stat = stat == "max" ? LatencyStat::kMax : LatencyStat::kPercentile;
        spec.canonical = std::string(text);
        *out = std::move(spec);
        return true;
    }
    if (stat.starts_with(kServicePrefix)) {
        spec.base = TimeBase::kService;
        stat.remove_prefix(kServicePrefix.size());
    }
    if (!ParseLatencyStat(stat, &spec)) return false;
    const std::string_view stat_name = stat == "avg" ? std::string_view("mean") : stat;
    spec.canonical = (spec.base == TimeBase::kService ? std::string(kServicePrefix) : std::string()) +
                     std::string(stat_name);
    *out = std::move(spec);
    return true;
}

std::span<const std::string_view> SuggestableMetricNames() { return kSuggestable; }

}  // namespace lse::thresholds
