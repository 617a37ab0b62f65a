#pragma once
/// @file
/// How a distributed run's load is divided among agents: arrival slices weighted by capacity (exact:
/// they tile the whole grid), and for closed-model scenarios, which virtual users each agent hosts.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lse/protocol/messages.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::coordinator {

/// One scenario the agents run.
struct AgentScenario {
    std::string name;
    bool open_model = true;
    /// Virtual-user ids that have a plan (on_start succeeded), increasing.
    std::vector<std::int64_t> vu_ids;
    /// Open model: its load shape, so the coordinator can tell how many arrivals each agent's share history
    /// planned for it (loss accounting, docs/protocol.md); none = no accounting for this scenario.
    std::optional<sched::RateProfile> profile = std::nullopt;
};

/// Shares for `capacities.size()` agents; a capacity of 0 (a timed-out agent) gets an empty slice and no
/// virtual users. Arrivals are split by capacity. Virtual users are split into disjoint contiguous blocks
/// proportional to capacity (largest remainder), for both models: a closed-model VU loops on exactly one agent,
/// and an open-model agent rotates through its own block only, so no identity is active on two agents at once
/// and every identity is used (each agent's arrivals and VUs have the same proportion). An open-model agent with
/// no VU (fewer VUs than agents) gets no arrivals either. With `initial` (the shares of the Assignment, indexed
/// [agent][scenario], for a Rebalance or a re-assignment), open-model selections stay the initial ones; a
/// Rebalance then moves the timed-out agents' virtual users of both models with MoveVusers. Throws
/// lse::UsageError when every capacity is 0.
std::vector<std::vector<protocol::ScenarioShare>> ComputeShares(
    const std::vector<double>& capacities, const std::vector<AgentScenario>& scenarios,
    const std::vector<std::vector<protocol::ScenarioShare>>* initial = nullptr);

/// Takeover for one scenario (either model): which virtual users each agent hosts once the agents marked `lost`
/// are gone. Agents not lost keep their `initial` selection; the lost agents' ids (expanded against
/// `scenario.vu_ids`, increasing) are split into contiguous blocks proportional to `weights` (largest remainder;
/// weight 0 = takes none, lost agents must have weight 0) and added to the takers' selections. Exact and
/// deterministic: every id of an initial selection ends up in exactly one returned selection, unless no agent has
/// a positive weight (then the lost ids are hosted by nobody). Returned selections are kList (strictly increasing)
/// or kNone.
///
/// `groups` (optional, one label per agent: the agents' regions) keeps a lost agent's users in its group: its ids
/// go to the takers of its own group by their weights, and only when its group has no taker left to every taker.
/// So a region's virtual users stay in the region (its traffic comes from where the user asked) as long as one
/// agent of it still takes load. Empty: one group.
std::vector<protocol::VuSelection> MoveVusers(const AgentScenario& scenario,
                                              const std::vector<protocol::VuSelection>& initial,
                                              const std::vector<bool>& lost, const std::vector<double>& weights,
                                              const std::vector<std::string>& groups = {});

/// Splits `n` items into parts proportional to weights, exactly (largest remainder; ties to the lower index).
std::vector<std::int64_t> SplitCount(std::int64_t n, const std::vector<double>& weights);

}  // namespace lse::coordinator
