#include "lse/coordinator/arrival_count.hpp"

#include <functional>
#include <map>
#include <string>

#include "lse/metrics/stat_key.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::coordinator {

ArrivalCount CountArrivals(const metrics::Snapshot& s, const std::vector<AgentScenario>& scenarios) {
    std::vector<metrics::AddSummary::Row> rows;
    rows.reserve(s.by_name.size());
    for (const auto& [raw, stats] : s.by_name) rows.push_back({raw, stats.requests, stats.dropped});
    return CountArrivals(rows, scenarios);
}

ArrivalCount CountArrivals(const std::vector<metrics::AddSummary::Row>& rows,
                           const std::vector<AgentScenario>& scenarios) {
    std::map<std::string, ArrivalCount, std::less<>> iterations, requests;
    metrics::StatKey key;
    for (const metrics::AddSummary::Row& row : rows) {
        if (!metrics::ParseStatKey(row.name, &key)) continue;
        const bool lifecycle = thresholds::IsLifecycleTask(key.task);
        if (key.kind == metrics::StatKind::kTask && !lifecycle) {
            iterations[key.scenario].sent += static_cast<std::int64_t>(row.requests);
        } else if (key.kind == metrics::StatKind::kRequest && !lifecycle) {
            requests[key.scenario].sent += static_cast<std::int64_t>(row.requests);
        } else if (key.kind == metrics::StatKind::kScenario) {
            iterations[key.scenario].dropped += static_cast<std::int64_t>(row.dropped);
        }
    }
    ArrivalCount out;
    for (const AgentScenario& sc : scenarios) {
        if (!sc.profile) continue;
        const auto it = iterations.find(sc.name);
        const auto rq = requests.find(sc.name);
        if (it != iterations.end()) {
            // A scenario with tasks has task rows once any iteration ended; before that only its dropped count.
            out.sent += it->second.sent > 0 || rq == requests.end() ? it->second.sent : rq->second.sent;
            out.dropped += it->second.dropped;
        } else if (rq != requests.end()) {
            out.sent += rq->second.sent;
        }
    }
    return out;
}

}  // namespace lse::coordinator
