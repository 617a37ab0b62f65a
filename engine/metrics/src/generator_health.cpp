#include "lse/metrics/generator_health.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "generator health";

bool InRange(double v, double lo, double hi) noexcept { return std::isfinite(v) && v >= lo && v <= hi; }
}  // namespace

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
    // At least kMinLateArrivals too: at a low rate one arrival a host hiccup delayed is already 1%, and a healthy
    // generator on a busy shared host showed exactly that (1 late of 50 with the host at 96%).
    constexpr std::uint64_t kMinLateArrivals = 5;
    if (!cpu_high || interval.late_arrivals < kMinLateArrivals) return false;
    return static_cast<double>(interval.late_arrivals) >=
           kSaturatedLateShare * static_cast<double>(interval.arrivals);
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

void GeneratorHealth::AppendTo(std::string* out) const {
    ByteWriter w(out);
    w.U64(threads);
    w.U64(intervals);
    loop_lag_us.AppendTo(out);
    w.F64(process_cpu);
    w.F64(host_cpu);
    w.U64(arrivals);
    w.U64(late_arrivals);
    w.U64(open_sockets);
    w.U64(ephemeral_ports);
    w.U64(ephemeral_port_range);
    w.U64(rss_bytes);
    w.U64(saturated_intervals);
    w.U64(saturated.size());
    for (const SaturatedPeriod& p : saturated) {
        w.I64(p.from_ms);
        w.I64(p.to_ms);
    }
}

bool GeneratorHealth::DecodeFrom(std::string_view* in, GeneratorHealth* out, std::string* error) {
    ByteReader r(in);  // shares *in with the histogram decoder
    out->threads = r.U32("truncated threads");
    out->intervals = r.U64("truncated intervals");
    if (r.ok() && out->threads > kMaxGeneratorThreads) r.Fail("too many threads");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (!Histogram::DecodeFrom(in, &out->loop_lag_us, error)) return false;
    out->process_cpu = r.F64("truncated cpu");
    out->host_cpu = r.F64("truncated cpu");
    if (r.ok() && !InRange(out->process_cpu, 0, kMaxProcessCpu)) r.Fail("process cpu out of range");
    if (r.ok() && !InRange(out->host_cpu, 0, 1)) r.Fail("host cpu out of range");
    out->arrivals = r.U64("truncated arrivals");
    out->late_arrivals = r.U64("truncated arrivals");
    if (r.ok() && out->late_arrivals > out->arrivals) r.Fail("more late arrivals than arrivals");
    out->open_sockets = r.U32("truncated sockets");
    out->ephemeral_ports = r.U32("truncated ports");
    out->ephemeral_port_range = r.U32("truncated ports");
    if (r.ok() && (out->ephemeral_ports > kMaxPorts || out->ephemeral_port_range > kMaxPorts)) {
        r.Fail("port count out of range");
    }
    out->rss_bytes = r.U64("truncated rss");
    out->saturated_intervals = r.U64("truncated saturated intervals");
    if (r.ok() && out->saturated_intervals > out->intervals) r.Fail("more saturated intervals than intervals");
    const std::uint64_t periods = r.U64("truncated period count");
    if (r.ok() && periods > kMaxSaturatedPeriods) r.Fail("too many saturated periods");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    out->saturated.clear();
    std::int64_t previous_end = -1;
    for (std::uint64_t i = 0; i < periods; ++i) {
        SaturatedPeriod p;
        p.from_ms = r.I64("truncated period");
        p.to_ms = r.I64("truncated period");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (p.from_ms < 0 || p.to_ms <= p.from_ms) return wire::Fail(error, kWhat, "bad saturated period");
        // Touching periods are joined by AddSaturatedPeriod, so a valid list has a gap between any two.
        if (p.from_ms <= previous_end) return wire::Fail(error, kWhat, "saturated periods not sorted and apart");
        previous_end = p.to_ms;
        out->saturated.push_back(p);
    }
    return true;
}

bool IsValidGeneratorId(std::string_view id) noexcept {
    if (id.empty() || id.size() > kMaxGeneratorIdLength) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
    });
}

}  // namespace lse::metrics
