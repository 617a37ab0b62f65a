#include "lse/coordinator/shares.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

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

std::vector<protocol::VuSelection> MoveVusers(const AgentScenario& scenario,
                                              const std::vector<protocol::VuSelection>& initial,
                                              const std::vector<bool>& lost, const std::vector<double>& weights,
                                              const std::vector<std::string>& groups) {
    const size_t n = initial.size();
    const auto group_of = [&groups](size_t a) -> const std::string& {
        static const std::string kOne;
        return a < groups.size() ? groups[a] : kOne;
    };
    std::vector<std::vector<std::int64_t>> ids(n);
    // The orphans of each group, groups in the order of their first lost agent (deterministic).
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> orphans;
    // vu_ids is increasing, so every list built here is too; an id no initial selection names stays unhosted.
    for (const std::int64_t id : scenario.vu_ids) {
        for (size_t a = 0; a < n; ++a) {
            if (!initial[a].Contains(id)) continue;
            if (a < lost.size() && lost[a]) {
                auto it = std::find_if(orphans.begin(), orphans.end(),
                                       [&](const auto& g) { return g.first == group_of(a); });
                if (it == orphans.end()) it = orphans.insert(orphans.end(), {group_of(a), {}});
                it->second.push_back(id);
            } else {
                ids[a].push_back(id);
            }
            break;  // each id belongs to its first owner only: the result stays a partition
        }
    }
    std::vector<double> takers(n, 0.0);
    for (size_t a = 0; a < n && a < weights.size(); ++a) {
        if (!(a < lost.size() && lost[a])) takers[a] = std::max(0.0, weights[a]);
    }
    for (const auto& [group, lost_ids] : orphans) {
        // The group's own takers when it has any, else everyone's.
        std::vector<double> in_group(n, 0.0);
        double sum = 0;
        for (size_t a = 0; a < n; ++a) {
            if (group_of(a) == group) in_group[a] = takers[a];
            sum += in_group[a];
        }
        const std::vector<std::int64_t> counts =
            SplitCount(static_cast<std::int64_t>(lost_ids.size()), sum > 0 ? in_group : takers);
        size_t next = 0;
        for (size_t a = 0; a < n; ++a) {
            const auto take = static_cast<size_t>(counts[a]);
            ids[a].insert(ids[a].end(), lost_ids.begin() + static_cast<std::ptrdiff_t>(next),
                          lost_ids.begin() + static_cast<std::ptrdiff_t>(next + take));
            next += take;
        }
    }
    for (auto& list : ids) std::sort(list.begin(), list.end());
    std::vector<protocol::VuSelection> out(n);
    for (size_t a = 0; a < n; ++a) {
        if (ids[a].empty()) {
            out[a].kind = protocol::VuSelection::Kind::kNone;
        } else {
            out[a].kind = protocol::VuSelection::Kind::kList;
            out[a].ids = std::move(ids[a]);
        }
    }
    return out;
}

std::vector<std::vector<protocol::ScenarioShare>> ComputeShares(
    const std::vector<double>& capacities, const std::vector<AgentScenario>& scenarios,
    const std::vector<std::vector<protocol::ScenarioShare>>* initial) {
    const std::vector<sched::ShardSegment> slices = sched::ShardSegment::SplitByWeights(capacities);
    std::vector<std::vector<protocol::ScenarioShare>> out(capacities.size());
    for (size_t s = 0; s < scenarios.size(); ++s) {
        const AgentScenario& scenario = scenarios[s];
        const std::vector<std::int64_t> counts =
            SplitCount(static_cast<std::int64_t>(scenario.vu_ids.size()), capacities);
        std::vector<protocol::VuSelection> hosts(capacities.size());
        std::size_t next = 0;
        for (size_t a = 0; a < capacities.size(); ++a) {
            protocol::VuSelection& vusers = hosts[a];
            if (scenario.open_model && initial != nullptr && a < initial->size() && s < (*initial)[a].size()) {
                // A Rebalance: an open-model runner's pool is fixed at the Assignment, so the slice stays the
                // agent's own (a timed-out agent's identities are never handed out: it may still be running).
                vusers = (*initial)[a][s].vusers;
            } else if (capacities[a] <= 0 || counts[a] == 0) {
                vusers.kind = protocol::VuSelection::Kind::kNone;
            } else {
                vusers.kind = protocol::VuSelection::Kind::kList;
                vusers.ids.assign(scenario.vu_ids.begin() + static_cast<std::ptrdiff_t>(next),
                                  scenario.vu_ids.begin() + static_cast<std::ptrdiff_t>(next + counts[a]));
            }
            next += static_cast<std::size_t>(counts[a]);
        }
        // Open model: an agent without a virtual user cannot send arrivals (fewer VUs than agents), so the
        // arrivals are split among the agents that host some, by capacity.
        std::vector<sched::ShardSegment> own = slices;
        if (scenario.open_model) {
            std::vector<double> weights(capacities.size(), 0.0);
            bool any = false;
            for (size_t a = 0; a < capacities.size(); ++a) {
                if (capacities[a] > 0 && hosts[a].kind != protocol::VuSelection::Kind::kNone) {
                    weights[a] = capacities[a];
                    any = true;
                }
            }
            if (any && weights != capacities) own = sched::ShardSegment::SplitByWeights(weights);
        }
        for (size_t a = 0; a < capacities.size(); ++a) {
            protocol::ScenarioShare share;
            share.scenario = scenario.name;
            share.shard = own[a];
            share.vusers = std::move(hosts[a]);
            out[a].push_back(std::move(share));
        }
    }
    return out;
}

}  // namespace lse::coordinator
