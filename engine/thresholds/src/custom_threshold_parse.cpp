// Parsing "kind:NAME.stat op value" for custom metrics (grammar in threshold.hpp, docs/thresholds.md).

#include <cstdlib>
#include <vector>

#include "custom_threshold.hpp"
#include "lse/core/did_you_mean.hpp"
#include "lse/core/units.hpp"
#include "metric_name.hpp"

namespace lse::thresholds {
namespace {

using metrics::CustomMetricKind;

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct NamedStat {
    std::string_view name;
    CustomStat stat;
};

// The statistics each kind has, in the order messages list them. Trend percentiles (pNN) are parsed apart.
constexpr NamedStat kTrendStats[] = {{"min", CustomStat::kMin},   {"max", CustomStat::kMax},
                                     {"mean", CustomStat::kMean}, {"avg", CustomStat::kMean},
                                     {"med", CustomStat::kPercentile}, {"count", CustomStat::kCount}};
constexpr NamedStat kCounterStats[] = {{"count", CustomStat::kCount}, {"rate", CustomStat::kPerSecond}};
constexpr NamedStat kRateStats[] = {{"rate", CustomStat::kRatio}};
constexpr NamedStat kGaugeStats[] = {{"value", CustomStat::kValue}, {"min", CustomStat::kMin},
                                     {"max", CustomStat::kMax}};

std::span<const NamedStat> StatsOf(CustomMetricKind kind) {
    switch (kind) {
        case CustomMetricKind::kTrend: return kTrendStats;
        case CustomMetricKind::kCounter: return kCounterStats;
        case CustomMetricKind::kRate: return kRateStats;
        case CustomMetricKind::kGauge: return kGaugeStats;
    }
    return {};
}

std::string_view StatList(CustomMetricKind kind) {
    switch (kind) {
        case CustomMetricKind::kTrend: return "pNN, min, max, mean (avg), med and count";
        case CustomMetricKind::kCounter: return "count (the sum of the values added) and rate (per second)";
        case CustomMetricKind::kRate: return "rate (a percentage)";
        case CustomMetricKind::kGauge: return "value (the last one set), min and max";
    }
    return "";
}

std::string_view Example(CustomMetricKind kind) {
    switch (kind) {
        case CustomMetricKind::kTrend: return "trend:cart_value.p95 < 300";
        case CustomMetricKind::kCounter: return "counter:orders.count > 100";
        case CustomMetricKind::kRate: return "rate:cache_hit.rate > 95%";
        case CustomMetricKind::kGauge: return "gauge:queue_depth.max < 50";
    }
    return "";
}

// "p95", "p99.9": the request percentile spelling, read by the request metric parser.
bool ParseTrendPercentile(std::string_view text, double* percentile) {
    MetricSpec spec;
    if (!ParseMetricName(text, &spec)) return false;
    if (spec.metric != Metric::kLatency || spec.base != TimeBase::kResponse) return false;
    if (spec.stat != LatencyStat::kPercentile) return false;
    *percentile = spec.percentile;
    return true;
}

bool ParseStat(CustomMetricKind kind, std::string_view text, Threshold* t) {
    if (kind == CustomMetricKind::kTrend && ParseTrendPercentile(text, &t->percentile)) {
        t->custom_stat = CustomStat::kPercentile;
        t->metric_name = std::string(text);
        return true;
    }
    for (const NamedStat& s : StatsOf(kind)) {
        if (s.name != text) continue;
        t->custom_stat = s.stat;
        t->metric_name = text == "avg" ? std::string("mean") : std::string(text);
        if (text == "med") t->percentile = 50;
        return true;
    }
    return false;
}

std::string UnknownStat(CustomMetricKind kind, std::string_view name, std::string_view text) {
    const std::string kind_name(metrics::CustomMetricKindName(kind));
    std::string out = kind_name + " '" + std::string(name) + "' has no statistic '" + std::string(text) + "'";
    // A statistic of another kind (gauge:x.mean) is a mix-up of kinds, not a typo: list what this kind has
    // rather than suggest a look-alike ("min").
    bool other_kind = false;
    for (CustomMetricKind k : {CustomMetricKind::kCounter, CustomMetricKind::kGauge, CustomMetricKind::kRate,
                               CustomMetricKind::kTrend}) {
        Threshold scratch;
        other_kind = other_kind || ParseStat(k, text, &scratch);
    }
    std::string hint;
    if (!other_kind) {
        std::vector<std::string> candidates;
        for (const NamedStat& s : StatsOf(kind)) candidates.emplace_back(s.name);
        if (kind == CustomMetricKind::kTrend) candidates.insert(candidates.end(), {"p50", "p90", "p95", "p99"});
        hint = DidYouMeanSuffix(text, candidates);
    }
    return out + (hint.empty() ? " (a " + kind_name + " has " + std::string(StatList(kind)) + ")" : hint);
}

// A plain decimal with an optional leading '-' ("12", "-1.5", ".5"): no exponent, inf or nan.
bool ParseSignedDecimal(std::string_view s, double* out) {
    const std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
    bool any = false;
    bool dot = false;
    for (char c : digits) {
        if (IsDigit(c)) {
            any = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (!any) return false;
    *out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
}

}  // namespace

bool IsCustomSubject(std::string_view subject) noexcept {
    const std::size_t colon = subject.find(':');
    CustomMetricKind kind = CustomMetricKind::kTrend;
    // Trimmed like a scenario prefix is: "rate :x" must not be scenario "rate", whose Subject() "rate:x..."
    // would then read as a custom metric.
    return colon != std::string_view::npos && metrics::ParseCustomMetricKind(Trim(subject.substr(0, colon)), &kind);
}

bool ParseCustomSubject(std::string_view scenario, std::string_view subject, Threshold* t, std::string* error) {
    const std::size_t colon = subject.find(':');
    CustomMetricKind kind = CustomMetricKind::kTrend;
    metrics::ParseCustomMetricKind(Trim(subject.substr(0, colon)), &kind);
    const std::string kind_name(metrics::CustomMetricKindName(kind));
    if (!scenario.empty()) {
        *error = "custom metrics belong to the whole run, not to a scenario: drop '" + std::string(scenario) +
                 ":' (write " + std::string(subject) + ")";
        return false;
    }
    const std::string_view rest = Trim(subject.substr(colon + 1));
    const std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos || Trim(rest.substr(dot + 1)).empty()) {
        *error = "expected '" + kind_name + ":NAME.statistic' (e.g. " + std::string(Example(kind)) + ")";
        return false;
    }
    const std::string_view name = Trim(rest.substr(0, dot));
    const std::string_view stat = Trim(rest.substr(dot + 1));
    if (name.empty()) {
        *error = "empty metric name after '" + kind_name + ":'";
        return false;
    }
    if (!metrics::IsValidCustomMetricName(name)) {
        *error = "bad metric name '" + std::string(name) +
                 "' (custom metric names are letters, digits and '_', not starting with a digit, at most " +
                 std::to_string(metrics::kMaxCustomMetricNameLength) + " bytes; they take no [request] or task)";
        return false;
    }
    t->metric = Metric::kCustom;
    t->custom_kind = kind;
    t->custom_name = std::string(name);
    if (!ParseStat(kind, stat, t)) {
        *error = UnknownStat(kind, name, stat);
        return false;
    }
    return true;
}

bool ParseCustomValue(std::string_view rhs, Threshold* t, std::string* error) {
    t->value_text = std::string(rhs);
    std::size_t num_len = rhs.starts_with('-') ? 1 : 0;
    while (num_len < rhs.size() && (IsDigit(rhs[num_len]) || rhs[num_len] == '.')) ++num_len;
    const std::string_view number = rhs.substr(0, num_len);
    const std::string_view suffix = Trim(rhs.substr(num_len));
    double plain = 0;
    if (number.empty() || number == "-") {
        *error = "expected a number after '" + std::string(OpText(t->op)) + "', got '" + std::string(rhs) + "'";
        return false;
    }
    if (!ParseSignedDecimal(number, &plain)) {
        *error = "bad number '" + std::string(rhs) + "'";
        return false;
    }
    if (t->custom_stat == CustomStat::kRatio) {
        const std::string subject = t->Subject();
        if (suffix != "%") {
            *error = suffix.empty() ? "'" + subject + "' is a percentage: missing '%' (did you mean " +
                                          std::string(rhs) + "%?)"
                                    : "'" + subject + "' is a percentage (e.g. 95%, 99.5%), got '" +
                                          std::string(rhs) + "'";
            return false;
        }
        if (plain < 0 || plain > 100) {
            *error = "percentage outside 0%..100% ('" + std::string(rhs) + "')";
            return false;
        }
        t->value = plain;
        return true;
    }
    if (suffix == "k" || suffix == "K") {
        plain *= 1e3;
    } else if (suffix == "M") {
        plain *= 1e6;
    } else if (!suffix.empty()) {
        std::int64_t ns = 0;
        std::string ignored;
        const bool unit = suffix == "%" || TryParseDurationNs(rhs, 0, &ns, &ignored);
        *error = unit ? "custom metrics have no unit: '" + t->Subject() + "' is compared with a plain number (write " +
                            std::string(number) + ", not " + std::string(rhs) + ")"
                      : "'" + t->Subject() + "' is compared with a plain number (e.g. 300, 2.5k), got '" +
                            std::string(rhs) + "'";
        return false;
    }
    t->value = plain;
    return true;
}

}  // namespace lse::thresholds
