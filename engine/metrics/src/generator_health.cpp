#include "lse/metrics/generator_health.hpp"

#include <algorithm>
#include <limits>

namespace lse::metrics {

GeneratorHealth& GeneratorHealth::operator+=(const GeneratorHealth& other) {
    threads = std::max(threads, other.threads);
    intervals += other.intervals;
    loop_lag_us += other.loop_lag_us;
    process_cpu = std::max(process_cpu, other.process_cpu);
    host_cpu = std::max(host_cpu, other.host_cpu);
    arrivals += other.arrivals;
    late_arrivals += other.late_arrivals;
    open_sockets = std::max(open_sockets, other.open_sockets);
    ephemeral_ports = std::max(ephemeral_ports, other.ephemeral_ports);
    ephemeral_port_range = std::max(ephemeral_port_range, other.ephemeral_port_range);
    rss_bytes = std::max(rss_bytes, other.rss_bytes);
    saturated_intervals += other.saturated_intervals;
    for (const SaturatedPeriod& p : other.saturated) AddSaturatedPeriod(&saturated, p);
    return *this;
}

void GeneratorHealth::Reset() noexcept {
    threads = 0;
    intervals = 0;
    loop_lag_us.Reset();
    process_cpu = 0;
    host_cpu = 0;
    arrivals = 0;
    late_arrivals = 0;
    open_sockets = 0;
    ephemeral_ports = 0;
    ephemeral_port_range = 0;
    rss_bytes = 0;
    saturated_intervals = 0;
    saturated.clear();
}

double CpuPerThread(const GeneratorHealth& h) noexcept {
    return h.threads == 0 ? 0.0 : h.process_cpu / static_cast<double>(h.threads);
}

bool IsSaturated(const GeneratorHealth& interval) noexcept {
    if (interval.loop_lag_us.Count() > 0 && interval.loop_lag_us.ValueAtPercentile(99) > kSaturatedLagP99Us) {
        return true;
    }
    const bool cpu_high = CpuPerThread(interval) > kSaturatedCpu || interval.host_cpu > kSaturatedCpu;
    return cpu_high && interval.late_arrivals > 0;
}

void AddSaturatedPeriod(std::vector<SaturatedPeriod>* periods, SaturatedPeriod period) {
    if (period.to_ms <= period.from_ms) return;
    auto& v = *periods;
    // Insert in order, then join every neighbour it touches or overlaps.
    auto it = std::lower_bound(v.begin(), v.end(), period,
                               [](const SaturatedPeriod& a, const SaturatedPeriod& b) { return a.from_ms < b.from_ms; });
    it = v.insert(it, period);
    std::size_t i = static_cast<std::size_t>(it - v.begin());
    if (i > 0 && v[i - 1].to_ms >= v[i].from_ms) {
        v[i - 1].to_ms = std::max(v[i - 1].to_ms, v[i].to_ms);
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        --i;
    }
    while (i + 1 < v.size() && v[i].to_ms >= v[i + 1].from_ms) {
        v[i].to_ms = std::max(v[i].to_ms, v[i + 1].to_ms);
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
    while (v.size() > kMaxSaturatedPeriods) {
        // Join the two periods with the smallest gap: the list stays bounded and still covers every period.
        std::size_t best = 0;
        std::int64_t best_gap = std::numeric_limits<std::int64_t>::max();
        for (std::size_t k = 0; k + 1 < v.size(); ++k) {
            const std::int64_t gap = v[k + 1].from_ms - v[k].to_ms;
            if (gap < best_gap) {
                best_gap = gap;
                best = k;
            }
        }
        v[best].to_ms = v[best + 1].to_ms;
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(best + 1));
    }
}

}  // namespace lse::metrics
