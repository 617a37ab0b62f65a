#pragma once
/// @file
/// The Collect phase's reading of the agents' results: the merged total, the per-agent reports, the arrival
/// accounting summed over agents, and what the summary must say about the broker (a restart that cost final
/// totals makes the run incomplete; one that cost nothing is a note). Pure: the caller reads the Coordinator and
/// the BrokerWatch and passes their values, so the rules are unit-tested without a broker.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/coordinator/coordinator.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::coordinator {

/// The agents' open-model arrivals summed (docs/protocol.md, "Loss accounting").
struct ArrivalTotals {
    bool known = false;  ///< some agent scenario has an arrival profile
    std::int64_t planned = 0;
    std::int64_t sent = 0;
    std::int64_t dropped = 0;
    std::int64_t lost = 0;
    std::int64_t unreported_estimate = 0;
    std::vector<std::string> lost_agents;  ///< agents with lost arrivals
};

struct AgentsResult {
    std::vector<AgentReport> reports;
    metrics::Snapshot total;
    ArrivalTotals arrivals;
    std::string broker_lost;          ///< why the totals are incomplete; empty = complete
    std::vector<std::string> notes;   ///< said under the summary (a broker restart that lost nothing)
};

/// What the Coordinator and the BrokerWatch said at the end of the run.
struct AgentsEnd {
    std::vector<AgentReport> reports;
    metrics::Snapshot total;
    std::vector<std::string> missing_finals;   ///< agent ids
    std::vector<std::string> broker_restarts;  ///< BrokerWatch::Restarts()
    std::string broker_lost;                   ///< BrokerWatch::Lost()
    bool arrivals_known = false;               ///< PlanAssembly::ArrivalsAccounted()
    std::vector<RegionGap> region_gaps;        ///< Coordinator::RegionGaps()
};

/// Logs "no final totals from a, b: their last known totals are used" when finals are missing. A region of
/// --region-weights that had no agent taking load for a while is a note: "region eu had no agent taking load from
/// 12.0 s to the end: its 30% of --region-weights went to the other regions, so the traffic mix was not the one
/// asked for".
AgentsResult SummarizeAgents(AgentsEnd end, const std::function<void(const std::string&)>& log);

}  // namespace lse::coordinator
