#include "lse/thresholds/evaluate.hpp"

#include <cmath>
#include <cstdio>

#include "custom_threshold.hpp"
#include "generator_threshold.hpp"
#include "lse/core/units.hpp"
#include "lse/thresholds/scope_stats.hpp"

namespace lse::thresholds {
namespace {

std::string Printf(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

std::string Count(std::uint64_t n) { return std::to_string(n); }

// "0.52% (52/10000)": the fraction shows how much data the percentage rests on.
std::string PercentText(double percent, std::uint64_t part, std::uint64_t whole) {
    return Printf("%.2f%%", percent) + " (" + Count(part) + "/" + Count(whole) + ")";
}

double Percent(std::uint64_t part, std::uint64_t whole) {
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// The latency statistic in microseconds, as the histogram reports it.
double LatencyMicros(const Threshold& t, const metrics::Histogram& h) {
    switch (t.stat) {
        case LatencyStat::kMin: return static_cast<double>(h.Min());
        case LatencyStat::kMax: return static_cast<double>(h.Max());
        case LatencyStat::kMean: return h.Mean();
        default: return static_cast<double>(h.ValueAtPercentile(t.percentile));
    }
}

// Fills actual/actual_text/has_data; the comparison is made by the caller.
void Measure(const Threshold& t, const metrics::Snapshot& snap, const Scope& scope, double duration_s, Verdict* v) {
    const auto set = [v](double actual, std::string text) {
        v->has_data = true;
        v->actual = actual;
        v->actual_text = std::move(text);
    };
    switch (t.metric) {
        case Metric::kLatency: {
            const metrics::RequestStats rs = RequestsIn(snap, scope);
            const metrics::Histogram& h = t.base == TimeBase::kService ? rs.service_time_us : rs.response_time_us;
            if (h.Count() == 0) return;
            const double ns = LatencyMicros(t, h) * 1000.0;
            set(ns, FormatDurationNs(std::llround(ns)));
            return;
        }
        case Metric::kErrorRate: {
            const metrics::RequestStats rs = RequestsIn(snap, scope);
            if (rs.requests == 0) return;
            set(Percent(rs.ErrorCount(), rs.requests), PercentText(Percent(rs.ErrorCount(), rs.requests),
                                                                   rs.ErrorCount(), rs.requests));
            return;
        }
        case Metric::kErrors: {
            const std::uint64_t n = RequestsIn(snap, scope).ErrorCount();
            set(static_cast<double>(n), Count(n));
            return;
        }
        case Metric::kRequests: {
            const std::uint64_t n = RequestsIn(snap, scope).requests;
            set(static_cast<double>(n), Count(n));
            return;
        }
        case Metric::kRps: {
            if (!(duration_s > 0)) return;
            const double rps = static_cast<double>(RequestsIn(snap, scope).requests) / duration_s;
            set(rps, Printf("%.1f", rps));
            return;
        }
        case Metric::kChecks: {
            const metrics::CheckCounts c = ChecksIn(snap, scope);
            const std::uint64_t all = c.passes + c.fails;
            if (all == 0) return;
            set(Percent(c.passes, all), PercentText(Percent(c.passes, all), c.passes, all));
            return;
        }
        case Metric::kIterations: {
            const std::uint64_t n = IterationsIn(snap, scope).requests;
            set(static_cast<double>(n), Count(n));
            return;
        }
        case Metric::kIterationFailures: {
            const metrics::RequestStats it = IterationsIn(snap, scope);
            if (it.requests == 0) return;
            const std::uint64_t failed = it.requests - std::min(it.ok, it.requests);
            set(Percent(failed, it.requests), PercentText(Percent(failed, it.requests), failed, it.requests));
            return;
        }
        case Metric::kDropped: {
            const std::uint64_t n = DroppedIn(snap, scope.scenario);
            set(static_cast<double>(n), Count(n));
            return;
        }
        default:
            return;
    }
}

// Tags are given at run time too: a threshold on a tag no request had says so.
std::string NoDataText(const Threshold& threshold, const metrics::Snapshot& total, const Scope& scope) {
    if (!threshold.tag_key.empty() && RequestsIn(total, scope).requests == 0) {
        return "no data (no request had tag " + threshold.tag_key + "=" + threshold.tag_value + ")";
    }
    return "no data";
}

}  // namespace

Verdict Evaluate(const Threshold& threshold, const metrics::Snapshot& total, std::string_view scenario,
                 double duration_s, std::span<const std::string> not_replayable_metrics) {
    if (NeedsRegions(threshold)) return Evaluate(threshold, total, RegionSnapshots{}, scenario, duration_s);
    if (threshold.metric == Metric::kCustom) {
        return EvaluateCustom(threshold, total, duration_s, not_replayable_metrics);
    }
    if (IsGeneratorMetric(threshold.metric)) return EvaluateGenerator(threshold, total);
    Verdict v;
    v.expression = threshold.expression;
    v.scenario = threshold.scenario.empty() ? std::string(scenario) : threshold.scenario;
    const Scope scope{v.scenario, threshold.task, threshold.request, threshold.group, threshold.tag_key,
                      threshold.tag_value};
    Measure(threshold, total, scope, duration_s, &v);
    v.passed = v.has_data && Compare(v.actual, threshold.op, threshold.value);
    // Groups are named at run time (group("checkout", fn)), so a misspelt one is only known now: say which.
    const bool checks = threshold.metric == Metric::kChecks;
    const bool unknown_group =
        !v.has_data && !threshold.group.empty() && (checks || RequestsIn(total, scope).requests == 0);
    v.actual_text = threshold.Subject() + " = " +
                    (v.has_data ? v.actual_text
                     : unknown_group ? "no data (no " + std::string(checks ? "check" : "request") +
                                           " was made in group '" + threshold.group + "')"
                                     : NoDataText(threshold, total, scope));
    return v;
}

bool NeedsRegions(const Threshold& threshold) noexcept { return !threshold.region.empty() || threshold.per_region; }

Verdict Evaluate(const Threshold& threshold, const metrics::Snapshot& total, const RegionSnapshots& regions,
                 std::string_view scenario, double duration_s, std::span<const std::string> not_replayable_metrics) {
    if (!NeedsRegions(threshold)) return Evaluate(threshold, total, scenario, duration_s, not_replayable_metrics);
    // Each region is judged by the same threshold without its region parts, on that region's snapshot only.
    Threshold plain = threshold;
    plain.region.clear();
    plain.per_region = false;
    auto no_data = [&](const std::string& why) {
        Verdict v;
        v.expression = threshold.expression;
        v.scenario = threshold.scenario.empty() ? std::string(scenario) : threshold.scenario;
        v.actual_text = threshold.Subject() + (threshold.per_region ? " per region" : "") + " = no data (" + why + ")";
        return v;
    };
    if (regions.empty()) return no_data("no agent has a --region");
    if (!threshold.region.empty()) {
        const auto it = regions.find(threshold.region);
        if (it == regions.end()) return no_data("no agent in region '" + threshold.region + "'");
        Verdict v = Evaluate(plain, it->second, scenario, duration_s, not_replayable_metrics);
        v.expression = threshold.expression;
        v.actual_text = "region:" + threshold.region + "." + v.actual_text;
        return v;
    }
    Verdict out;
    out.expression = threshold.expression;
    out.passed = true;
    out.has_data = true;
    out.actual_text = threshold.Subject() + " per region:";
    bool first = true;
    for (const auto& [name, snap] : regions) {
        Verdict v = Evaluate(plain, snap, scenario, duration_s, not_replayable_metrics);
        out.scenario = v.scenario;
        // "p95 = 41ms" -> "far = 41ms": the subject is said once, before the list.
        const std::size_t eq = v.actual_text.find(" = ");
        out.actual_text += std::string(first ? " " : ", ") + name +
                           (eq == std::string::npos ? " = " + v.actual_text : v.actual_text.substr(eq)) +
                           (v.passed ? "" : " (fails)");
        first = false;
        if (out.passed) out.actual = v.actual;  // the first failing region's value stays
        out.passed = out.passed && v.passed;
        out.has_data = out.has_data && v.has_data;
    }
    return out;
}

bool AllPassed(const std::vector<Verdict>& verdicts) noexcept {
    for (const Verdict& v : verdicts) {
        if (!v.passed) return false;
    }
    return true;
}

}  // namespace lse::thresholds
