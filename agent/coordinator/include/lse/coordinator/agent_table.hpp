#pragma once
/// @file
/// The per-agent table printed after a distributed run's summary.

#include <cstdint>
#include <ostream>
#include <vector>

#include "lse/coordinator/coordinator.hpp"

namespace lse::coordinator {

/// One row per agent: id, host, capacity, share %, requests, rps (over load_ns), errors, planned and lost arrivals,
/// state; agents whose final totals never arrived are flagged ("last known"), and a loss is spelled out.
/// Then the rebalances (PrintRebalances).
void PrintAgentTable(std::ostream& out, const std::vector<AgentReport>& agents, std::int64_t load_ns);

/// Every health rebalance of the run, in time order: "   12.0 s  a2 -> a1  a2 50.0% -> 44.4%  saturated: lag p99
/// 23 ms" (when, from, to, the subject's share before and after, why); nothing when there was none.
void PrintRebalances(std::ostream& out, const std::vector<AgentReport>& agents);

}  // namespace lse::coordinator
