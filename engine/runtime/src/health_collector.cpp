#include "lse/runtime/health_collector.hpp"

#include <algorithm>
#include <limits>

#include "lse/core/clock.hpp"

namespace lse::runtime {

HealthCollector::HealthCollector(std::string generator_id, int threads, std::string proc_root)
    : id_(std::move(generator_id)),
      threads_(static_cast<std::uint32_t>(std::clamp<int>(threads, 0, static_cast<int>(metrics::kMaxGeneratorThreads)))),
      sampler_(std::move(proc_root)) {}

void HealthCollector::Begin(std::int64_t started_ns, std::int64_t now_ns) {
    started_ns_ = started_ns;
    sampler_.Begin(now_ns);
}

void HealthCollector::AddThread(const metrics::Snapshot& published) noexcept {
    const auto it = published.generators.find(id_);
    if (it == published.generators.end()) return;
    const std::uint64_t sum = std::uint64_t{open_sockets_} + it->second.open_sockets;
    open_sockets_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
}

void HealthCollector::Finish(metrics::Snapshot* interval, std::int64_t now_ns) {
    metrics::GeneratorHealth& h = interval->generators[id_];
    h.threads = threads_;
    h.intervals = 1;
    h.open_sockets = open_sockets_;
    open_sockets_ = 0;
    sampler_.Sample(now_ns, &h);
    // What the threads published is one interval: no verdict or period of their own to keep.
    h.saturated_intervals = 0;
    h.saturated.clear();
    if (!metrics::IsSaturated(h)) return;
    h.saturated_intervals = 1;
    const std::int64_t from_ms = std::max<std::int64_t>(0, (interval->start_ns - started_ns_) / kNsPerMs);
    const std::int64_t to_ms = std::max(from_ms + 1, (interval->end_ns - started_ns_ + kNsPerMs - 1) / kNsPerMs);
    metrics::AddSaturatedPeriod(&h.saturated, metrics::SaturatedPeriod{from_ms, to_ms});
}

}  // namespace lse::runtime
