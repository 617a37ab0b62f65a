#include "lse/coordinator/rebalance_policy.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace lse::coordinator {

RebalancePolicy::RebalancePolicy(std::size_t agents, std::vector<std::string> regions, RebalancePolicyOptions options)
    : options_(options), regions_(std::move(regions)), agents_(agents), factors_(agents, 1.0) {
    regions_.resize(agents);  // missing regions: the one unnamed region
}

void RebalancePolicy::Observe(std::size_t agent, const metrics::GeneratorHealth* interval) {
    if (agent >= agents_.size()) return;
    Agent& a = agents_[agent];
    if (interval == nullptr) {
        a.saturated_streak = 0;
        a.healthy_streak = 0;
        a.has_headroom = false;
        return;
    }
    if (metrics::IsSaturated(*interval)) {
        ++a.saturated_streak;
        a.healthy_streak = 0;
        a.has_headroom = false;
        a.saturation = SaturationReason(*interval);
    } else {
        ++a.healthy_streak;
        a.saturated_streak = 0;
        a.has_headroom = metrics::CpuPerThread(*interval) < options_.headroom_cpu;
    }
}

bool RebalancePolicy::HeadroomInRegion(std::size_t agent, const std::vector<bool>& takes) const {
    for (std::size_t o = 0; o < agents_.size(); ++o) {
        if (o == agent || o >= takes.size() || !takes[o] || regions_[o] != regions_[agent]) continue;
        if (agents_[o].has_headroom) return true;
    }
    return false;
}

std::vector<FactorChange> RebalancePolicy::Decide(std::int64_t now_ns, const std::vector<bool>& takes) {
    std::vector<FactorChange> changes;
    for (std::size_t i = 0; i < agents_.size() && i < takes.size(); ++i) {
        if (!takes[i]) continue;
        Agent& a = agents_[i];
        if (a.stepped && now_ns - a.last_step_ns < options_.min_step_gap_ns) continue;
        double& f = factors_[i];
        FactorChange c{i, f, f, {}};
        if (a.saturated_streak >= options_.saturated_intervals && f > options_.min_factor &&
            HeadroomInRegion(i, takes)) {
            c.after = std::max(options_.min_factor, f * options_.step_down);
            c.why = "saturated: " + a.saturation;
            a.saturated_streak = 0;  // the next step needs intervals measured after this one took effect
        } else if (a.healthy_streak >= options_.healthy_intervals && f < 1.0) {
            c.after = f * options_.step_up;
            if (c.after > 1.0 - 1e-9) c.after = 1.0;  // 0.8 x 1.25 may land a hair under 1 in binary
            c.why = "recovered";
            a.healthy_streak = 0;
        } else {
            continue;
        }
        f = c.after;
        a.stepped = true;
        a.last_step_ns = now_ns;
        changes.push_back(std::move(c));
    }
    return changes;
}

std::string SaturationReason(const metrics::GeneratorHealth& interval) {
    char text[96];
    const std::int64_t lag_p99_us = interval.loop_lag_us.Count() > 0 ? interval.loop_lag_us.ValueAtPercentile(99) : 0;
    if (lag_p99_us > metrics::kSaturatedLagP99Us) {
        std::snprintf(text, sizeof text, "lag p99 %lld ms", static_cast<long long>((lag_p99_us + 500) / 1000));
    } else {
        const double per_thread = metrics::CpuPerThread(interval);
        const bool host = interval.host_cpu > per_thread;
        std::snprintf(text, sizeof text, "%s %.0f%% with %llu late arrival%s", host ? "host CPU" : "CPU per thread",
                      (host ? interval.host_cpu : per_thread) * 100,
                      static_cast<unsigned long long>(interval.late_arrivals),
                      interval.late_arrivals == 1 ? "" : "s");
    }
    return text;
}

std::vector<double> EffectiveWeights(const std::vector<double>& base, const std::vector<double>& factors,
                                     const std::vector<std::string>& regions) {
    static const std::string kNoRegion;
    auto region_of = [&](std::size_t i) -> const std::string& { return i < regions.size() ? regions[i] : kNoRegion; };
    std::vector<double> scaled(base.size());
    std::map<std::string, std::pair<double, double>> totals;  // region -> (base sum, scaled sum)
    for (std::size_t i = 0; i < base.size(); ++i) {
        const double f = i < factors.size() ? factors[i] : 1.0;
        scaled[i] = std::max(0.0, base[i]) * f;
        auto& [b, s] = totals[region_of(i)];
        b += std::max(0.0, base[i]);
        s += scaled[i];
    }
    std::vector<double> out(base.size());
    for (std::size_t i = 0; i < base.size(); ++i) {
        const auto& [b, s] = totals[region_of(i)];
        out[i] = s > 0 ? scaled[i] * b / s : std::max(0.0, base[i]);
    }
    return out;
}

}  // namespace lse::coordinator
