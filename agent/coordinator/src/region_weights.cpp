#include "lse/coordinator/region_weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "lse/core/errors.hpp"
#include "lse/protocol/subjects.hpp"

namespace lse::coordinator {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

double ParseWeight(std::string_view text, std::string_view item) {
    const std::string copy(text);
    char* end = nullptr;
    const double value = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value <= 0) {
        throw UsageError("--region-weights: '" + std::string(item) + "': the weight must be a number > 0");
    }
    return value;
}

}  // namespace

std::vector<RegionWeight> ParseRegionWeights(std::string_view text) {
    std::vector<RegionWeight> out;
    std::set<std::string, std::less<>> seen;
    if (Trim(text).empty()) throw UsageError("--region-weights: empty (expected e.g. us=60,eu=30,asia=10)");
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view item = Trim(text.substr(0, comma));
        if (item.empty()) throw UsageError("--region-weights: an empty item (expected e.g. us=60,eu=30,asia=10)");
        const std::size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            throw UsageError("--region-weights: '" + std::string(item) + "': expected region=weight");
        }
        RegionWeight w;
        w.region = std::string(Trim(item.substr(0, eq)));
        std::string why;
        if (!protocol::IsValidId(w.region, &why)) {
            throw UsageError("--region-weights: '" + std::string(item) + "': bad region name: " + why);
        }
        w.weight = ParseWeight(Trim(item.substr(eq + 1)), item);
        if (!seen.insert(w.region).second) {
            throw UsageError("--region-weights: region '" + w.region + "' is listed twice");
        }
        out.push_back(std::move(w));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

void CheckRegionWeights(const std::vector<RegionWeight>& weights, const std::vector<protocol::Register>& agents) {
    if (weights.empty()) return;
    std::set<std::string, std::less<>> listed;
    for (const RegionWeight& w : weights) listed.insert(w.region);
    std::string unlisted;
    std::set<std::string, std::less<>> present;
    for (const protocol::Register& a : agents) {
        present.insert(a.region);
        if (listed.count(a.region) != 0) continue;
        unlisted += (unlisted.empty() ? "" : ", ") + a.agent_id + " (" +
                    (a.region.empty() ? std::string("no --region") : "region '" + a.region + "'") + ")";
    }
    if (!unlisted.empty()) {
        throw UsageError("--region-weights: every agent's region must be listed; not listed: " + unlisted);
    }
    std::string empty;
    for (const RegionWeight& w : weights) {
        if (present.count(w.region) == 0) empty += (empty.empty() ? "'" : ", '") + w.region + "'";
    }
    if (!empty.empty()) {
        std::string have;
        for (const std::string& r : present) have += (have.empty() ? "" : ", ") + r;
        throw UsageError("--region-weights: no agent of the run is in region " + empty + " (the agents' regions: " +
                         have + ")");
    }
}

std::vector<double> RegionWeights(const std::vector<double>& capacities, const std::vector<std::string>& regions,
                                  const std::vector<RegionWeight>& weights) {
    if (weights.empty()) return capacities;
    std::map<std::string_view, double> region_capacity;
    for (std::size_t i = 0; i < capacities.size() && i < regions.size(); ++i) {
        region_capacity[regions[i]] += std::max(0.0, capacities[i]);
    }
    std::vector<double> out(capacities.size(), 0.0);
    for (std::size_t i = 0; i < capacities.size() && i < regions.size(); ++i) {
        const double total = region_capacity[regions[i]];
        if (total <= 0 || capacities[i] <= 0) continue;
        for (const RegionWeight& w : weights) {
            if (w.region == regions[i]) out[i] = w.weight * capacities[i] / total;
        }
    }
    return out;
}

std::string RegionOf(const protocol::Register& agent) {
    return agent.region.empty() ? std::string(kNoRegion) : agent.region;
}

}  // namespace lse::coordinator
