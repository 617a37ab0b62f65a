#include "lse/thresholds/generator_stats.hpp"

namespace lse::thresholds {

bool HasReport(const metrics::GeneratorHealth& h) noexcept { return h.intervals > 0; }

bool WasSaturated(const metrics::GeneratorHealth& h) noexcept {
    return h.saturated_intervals > 0 || !h.saturated.empty();
}

std::int64_t SaturatedMs(const metrics::GeneratorHealth& h) noexcept {
    std::int64_t ms = 0;
    for (const metrics::SaturatedPeriod& p : h.saturated) ms += p.to_ms - p.from_ms;
    return ms;
}

std::size_t ReportingGenerators(const metrics::Snapshot& snapshot) noexcept {
    std::size_t n = 0;
    for (const auto& [id, h] : snapshot.generators) n += HasReport(h) ? 1 : 0;
    return n;
}

std::vector<std::string> SaturatedGenerators(const metrics::Snapshot& snapshot) {
    std::vector<std::string> ids;  // the map is sorted by id already
    for (const auto& [id, h] : snapshot.generators) {
        if (WasSaturated(h)) ids.push_back(id);
    }
    return ids;
}

std::string GeneratorLabel(std::string_view id) {
    if (id == metrics::kLocalGenerator) return "this machine (local)";
    return "agent " + std::string(id);
}

}  // namespace lse::thresholds
