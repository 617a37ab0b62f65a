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
void PrintAgentTable(std::ostream& out, const std::vector<AgentReport>& agents, std::int64_t load_ns);

}  // namespace lse::coordinator
