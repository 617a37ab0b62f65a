#pragma once
/// @file
/// How a distributed run's load is divided among agents: arrival slices weighted by capacity (exact:
/// they tile the whole grid), and for closed-model scenarios, which virtual users each agent hosts.

#include <cstdint>
#include <string>
#include <vector>

#include "lse/protocol/messages.hpp"

namespace lse::coordinator {

/// One scenario the agents run.
struct AgentScenario {
    std::string name;
    bool open_model = true;
    /// Virtual-user ids that have a plan (on_start succeeded), increasing.
    std::vector<std::int64_t> vu_ids;
};

/// Shares for `capacities.size()` agents; a capacity of 0 (a timed-out agent) gets an empty slice and no
/// virtual users. Open model: every agent may use every virtual user's identity (kAll; the pool is per agent),
/// arrivals are split by capacity. Closed model: virtual users are split into contiguous blocks proportional to
/// capacity (largest remainder), since each one loops on exactly one agent. Throws lse::UsageError when every
/// capacity is 0.
std::vector<std::vector<protocol::ScenarioShare>> ComputeShares(const std::vector<double>& capacities,
                                                                 const std::vector<AgentScenario>& scenarios);

/// Splits `n` items into parts proportional to weights, exactly (largest remainder; ties to the lower index).
std::vector<std::int64_t> SplitCount(std::int64_t n, const std::vector<double>& weights);

}  // namespace lse::coordinator
