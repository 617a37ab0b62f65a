#include "lse/coordinator/arrival_count.hpp"

#include <functional>
#include <map>
#include <string>

#include "lse/metrics/stat_key.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::coordinator {

ArrivalCount CountArrivals(const metrics::Snapshot& s, const std::vector<AgentScenario>& scenarios) {
    std::map<std::string, ArrivalCount, std::less<>> iterations, requests;
    metrics::StatKey key;
    for (const auto& [raw, stats] : s.by_name) {
        if (!metrics::ParseStatKey(raw, &key)) continue;
        const bool lifecycle = thresholds::IsLifecycleTask(key.task);
        if (key.kind == metrics::StatKind::kTask && !lifecycle) {
            iterations[key.scenario].sent += static_cast<std::int64_t>(stats.requests);
        } else if (key.kind == metrics::StatKind::kRequest && !lifecycle) {
            requests[key.scenario].sent += static_cast<std::int64_t>(stats.requests);
        } else if (key.kind == metrics::StatKind::kScenario) {
            iterations[key.scenario].dropped += static_cast<std::int64_t>(stats.dropped);
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
