// Judging custom-metric thresholds on Snapshot::custom (see custom_threshold.hpp).

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "custom_threshold.hpp"

namespace lse::thresholds {
namespace {

using metrics::CustomMetric;
using metrics::CustomMetricKind;

std::string Printf(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

// Whole numbers as they are ("1200"), others with at most 3 decimals (trend values are exact to thousandths).
std::string NumberText(double v) {
    if (std::fabs(v) < 1e15 && v == std::trunc(v)) return Printf("%.0f", v);
    std::string s = Printf("%.3f", v);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

// The statistic a (non-empty) metric gives for t; for kRatio a percentage.
double Statistic(const Threshold& t, const CustomMetric& m, double duration_s) {
    switch (t.custom_stat) {
        case CustomStat::kPercentile: return m.Percentile(t.percentile);
        case CustomStat::kMin: return m.min;
        case CustomStat::kMax: return m.max;
        case CustomStat::kMean: return m.Mean();
        case CustomStat::kCount:
            return m.kind == CustomMetricKind::kCounter ? m.sum : static_cast<double>(m.count);
        case CustomStat::kPerSecond: return m.sum / duration_s;
        case CustomStat::kRatio: return 100.0 * m.Ratio();
        case CustomStat::kValue: return m.last;
    }
    return NAN;
}

// What a metric of another kind offers, for the mix-up message ("counter:x.count or counter:x.rate").
std::string ThresholdsOf(const std::string& name, CustomMetricKind kind) {
    const std::string k(metrics::CustomMetricKindName(kind));
    switch (kind) {
        case CustomMetricKind::kTrend: return k + ":" + name + ".p95 and the like";
        case CustomMetricKind::kCounter: return k + ":" + name + ".count or " + k + ":" + name + ".rate";
        case CustomMetricKind::kRate: return k + ":" + name + ".rate";
        case CustomMetricKind::kGauge: return k + ":" + name + ".value, .min or .max";
    }
    return "";
}

}  // namespace

Verdict EvaluateCustom(const Threshold& t, const metrics::Snapshot& total, double duration_s,
                       std::span<const std::string> not_replayable) {
    Verdict v;
    v.expression = t.expression;
    const std::string subject = t.Subject() + " = ";
    const std::string& name = t.custom_name;
    // Agents could not record it: a partial value (the coordinator's share, if any) must not pass for the run's.
    if (std::find(not_replayable.begin(), not_replayable.end(), name) != not_replayable.end()) {
        v.actual_text = subject + "not replayable in a distributed run (metric '" + name +
                        "' is fed from Lua values agents do not have)";
        return v;
    }
    const auto it = total.custom.find(name);
    if (it != total.custom.end() && it->second.kind != t.custom_kind) {
        const CustomMetricKind real = it->second.kind;
        v.actual_text = subject + "no data ('" + name + "' is a " + std::string(metrics::CustomMetricKindName(real)) +
                        ", not a " + std::string(metrics::CustomMetricKindName(t.custom_kind)) + ": use " +
                        ThresholdsOf(name, real) + ")";
        return v;
    }
    // A declared counter that nothing was added to is 0 (`counter:errors.count == 0` passes, as a user means it);
    // a trend, rate or gauge without a sample has no value to compare.
    const bool zero_counter = it != total.custom.end() && it->second.kind == CustomMetricKind::kCounter;
    if (it == total.custom.end() || (it->second.count == 0 && !zero_counter)) {
        v.actual_text = subject + "no data (metric '" + name + "' got no value)";
        return v;
    }
    const CustomMetric& m = it->second;
    if (t.custom_stat == CustomStat::kPerSecond && !(duration_s > 0)) {
        v.actual_text = subject + "no data (no load time to divide by)";
        return v;
    }
    v.has_data = true;
    v.actual = Statistic(t, m, duration_s);
    v.passed = Compare(v.actual, t.op, t.value);
    if (t.custom_stat == CustomStat::kRatio) {
        v.actual_text = subject + Printf("%.2f%%", v.actual) + " (" + std::to_string(m.trues) + "/" +
                        std::to_string(m.count) + ")";
    } else {
        v.actual_text = subject + NumberText(v.actual);
    }
    return v;
}

}  // namespace lse::thresholds
