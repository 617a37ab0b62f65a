#pragma once
/// @file
/// Traffic mix by region (`lsengine run --region-weights us=60,eu=30,asia=10`): the load is split between the
/// regions first, by these weights, and within a region by the agents' capacities. The result is the weight
/// vector ComputeShares splits by, so arrivals and virtual users follow the mix exactly (ShardSegment's split).
/// Pure functions: parsing, the check against the agents that registered, and the weights.

#include <string>
#include <string_view>
#include <vector>

#include "lse/protocol/messages.hpp"

namespace lse::coordinator {

/// What per-region results call the agents that registered without `--region` (when another agent has one).
inline constexpr std::string_view kNoRegion = "none";

/// One `name=weight` of --region-weights.
struct RegionWeight {
    std::string region;
    double weight = 0;  ///< > 0; only the proportions matter (60/30/10 = 6/3/1)
    bool operator==(const RegionWeight&) const = default;
};

/// Parses `us=60,eu=30,asia=10` (order kept). Throws lse::UsageError naming --region-weights and the bad part: an
/// empty list or item, a missing '=', a region name that is not a valid id (like --region: one subject
/// token, no '.', '*', '>' or spaces), a weight that is not a finite number > 0, a region listed twice.
std::vector<RegionWeight> ParseRegionWeights(std::string_view text);

/// The agents of the run against the weights: throws lse::UsageError naming the agents whose region is not listed
/// (or who have none), and the listed regions no agent is in. No weights: nothing to check.
void CheckRegionWeights(const std::vector<RegionWeight>& weights, const std::vector<protocol::Register>& agents);

/// The weight of every agent: its region's weight times its share of the region's capacity (capacities[i] /
/// the sum over its region). A region whose capacities are all 0 (its agents timed out or finished) gets
/// nothing and the others share the load in their proportions (ShardSegment::SplitByWeights normalises); an
/// agent whose region is not listed gets 0. No weights: the capacities as they are (today's split).
/// `capacities` may already carry per-agent factors (rebalancing within a region).
std::vector<double> RegionWeights(const std::vector<double>& capacities, const std::vector<std::string>& regions,
                                  const std::vector<RegionWeight>& weights);

/// The region an agent's results count under: its own, or kNoRegion.
std::string RegionOf(const protocol::Register& agent);

}  // namespace lse::coordinator
