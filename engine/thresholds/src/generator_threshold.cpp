// Judging generator_saturated and generator_lag_* on Snapshot::generators (see generator_threshold.hpp).

#include "generator_threshold.hpp"

#include <cmath>

#include "lse/core/units.hpp"
#include "lse/thresholds/generator_stats.hpp"

namespace lse::thresholds {
namespace {

// Names listed in an actual_text, so a verdict line stays one line with a thousand agents.
constexpr std::size_t kNamesShown = 5;

std::string NameList(const std::vector<std::string>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size() && i < kNamesShown; ++i) out += (i == 0 ? "" : ", ") + ids[i];
    if (ids.size() > kNamesShown) out += ", +" + std::to_string(ids.size() - kNamesShown) + " more";
    return out;
}

}  // namespace

bool IsGeneratorMetric(Metric metric) noexcept {
    return metric == Metric::kGeneratorSaturated || metric == Metric::kGeneratorLag;
}

Verdict EvaluateGenerator(const Threshold& t, const metrics::Snapshot& total) {
    Verdict v;
    v.expression = t.expression;
    const std::string subject = t.Subject() + " = ";
    if (ReportingGenerators(total) == 0) {
        v.actual_text = subject + "no data (no load generator reported its health)";
        return v;
    }
    if (t.metric == Metric::kGeneratorSaturated) {
        const std::vector<std::string> saturated = SaturatedGenerators(total);
        v.has_data = true;
        v.actual = static_cast<double>(saturated.size());
        v.actual_text = subject + std::to_string(saturated.size());
        if (!saturated.empty()) v.actual_text += " (" + NameList(saturated) + ")";
    } else {
        // The worst generator decides: one overloaded agent is enough to distort the results.
        double worst_us = -1;
        std::string worst_id;
        for (const auto& [id, h] : total.generators) {
            if (!HasReport(h) || h.loop_lag_us.Count() == 0) continue;
            const double us = t.stat == LatencyStat::kMax ? static_cast<double>(h.loop_lag_us.Max())
                                                          : static_cast<double>(h.loop_lag_us.ValueAtPercentile(t.percentile));
            if (us > worst_us) {
                worst_us = us;
                worst_id = id;
            }
        }
        if (worst_us < 0) {
            v.actual_text = subject + "no data (no event-loop lag was measured)";
            return v;
        }
        v.has_data = true;
        v.actual = worst_us * 1000.0;
        v.actual_text = subject + FormatDurationNs(std::llround(v.actual));
        if (total.generators.size() > 1) v.actual_text += " (" + worst_id + ")";
    }
    v.passed = Compare(v.actual, t.op, t.value);
    return v;
}

}  // namespace lse::thresholds
