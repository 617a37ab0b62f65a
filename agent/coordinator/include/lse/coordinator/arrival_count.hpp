#pragma once
/// @file
/// How many open-model arrivals a snapshot shows started and dropped, for the loss accounting of docs/protocol.md
/// and the rate an agent probably kept up after its last report. The coordinator counts every interval of every
/// agent with it (Coordinator::OnMetrics), so bench/merge_benchmark.cpp calls it too.

#include <cstdint>
#include <vector>

#include "lse/coordinator/shares.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::coordinator {

/// Arrivals of the accounted (open-model, with a profile) scenarios: started ones are task iterations, or requests
/// for a scenario without tasks (URL mode); dropped ones live on the scenario's row.
struct ArrivalCount {
    std::int64_t sent = 0;
    std::int64_t dropped = 0;
};
ArrivalCount CountArrivals(const metrics::Snapshot& s, const std::vector<AgentScenario>& scenarios);
/// The same from the rows a fused merge read (metrics::Snapshot::AddEncoded): OnMetrics has no decoded interval.
ArrivalCount CountArrivals(const std::vector<metrics::AddSummary::Row>& rows,
                           const std::vector<AgentScenario>& scenarios);

}  // namespace lse::coordinator
