#include "lse/coordinator/shares.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lse/core/errors.hpp"
#include "lse/sched/shard.hpp"

namespace lse::coordinator {

std::vector<std::int64_t> SplitCount(std::int64_t n, const std::vector<double>& weights) {
    const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
    std::vector<std::int64_t> out(weights.size(), 0);
    if (sum <= 0 || n <= 0) return out;
    std::vector<std::pair<double, size_t>> remainders;
    std::int64_t given = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        const double exact = static_cast<double>(n) * weights[i] / sum;
        out[i] = static_cast<std::int64_t>(std::floor(exact));
        given += out[i];
        remainders.push_back({exact - static_cast<double>(out[i]), i});
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t k = 0; given < n && k < remainders.size(); ++k) {
        if (weights[remainders[k].second] <= 0) continue;
        ++out[remainders[k].second];
        ++given;
    }
    return out;
}

std::vector<std::vector<protocol::ScenarioShare>> ComputeShares(const std::vector<double>& capacities,
                                                                 const std::vector<AgentScenario>& scenarios) {
    const std::vector<sched::ShardSegment> slices = sched::ShardSegment::SplitByWeights(capacities);
    std::vector<std::vector<protocol::ScenarioShare>> out(capacities.size());
    for (const AgentScenario& s : scenarios) {
        const std::vector<std::int64_t> counts = SplitCount(static_cast<std::int64_t>(s.vu_ids.size()), capacities);
        std::size_t next = 0;
        for (size_t a = 0; a < capacities.size(); ++a) {
            protocol::ScenarioShare share;
            share.scenario = s.name;
            share.shard = slices[a];
            if (capacities[a] <= 0) {
                share.vusers.kind = protocol::VuSelection::Kind::kNone;
            } else if (s.open_model) {
                share.vusers.kind = protocol::VuSelection::Kind::kAll;
            } else if (counts[a] == 0) {
                share.vusers.kind = protocol::VuSelection::Kind::kNone;
            } else {
                share.vusers.kind = protocol::VuSelection::Kind::kList;
                share.vusers.ids.assign(s.vu_ids.begin() + static_cast<std::ptrdiff_t>(next),
                                        s.vu_ids.begin() + static_cast<std::ptrdiff_t>(next + counts[a]));
            }
            if (!s.open_model) next += static_cast<std::size_t>(counts[a]);
            out[a].push_back(std::move(share));
        }
    }
    return out;
}

}  // namespace lse::coordinator
