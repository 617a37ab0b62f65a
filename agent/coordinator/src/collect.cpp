#include "lse/coordinator/collect.hpp"

#include <cstdio>
#include <utility>

namespace lse::coordinator {
namespace {

std::string Joined(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string Seconds(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string GapNote(const RegionGap& g) {
    char part[16];
    std::snprintf(part, sizeof part, "%.0f%%", g.weight * 100);
    return "region " + g.region + " had no agent taking load from " + Seconds(g.from_ns) + " to " +
           (g.to_ns < 0 ? std::string("the end") : Seconds(g.to_ns)) + ": its " + part +
           " of --region-weights went to the other regions, so the traffic mix was not the one asked for";
}

ArrivalTotals SumArrivals(const std::vector<AgentReport>& reports, bool known) {
    ArrivalTotals a;
    a.known = known;
    for (const AgentReport& r : reports) {
        a.planned += r.planned;
        a.sent += r.sent;
        a.dropped += r.dropped;
        a.lost += r.lost;
        a.unreported_estimate += r.unreported_estimate;
        if (r.lost > 0) a.lost_agents.push_back(r.id);
    }
    return a;
}

}  // namespace

AgentsResult SummarizeAgents(AgentsEnd end, const std::function<void(const std::string&)>& log) {
    AgentsResult out;
    out.broker_lost = std::move(end.broker_lost);
    if (!end.missing_finals.empty()) {
        const std::string list = Joined(end.missing_finals, ", ");
        if (log) log("no final totals from " + list + ": their last known totals are used");
        // A restarted broker can drop what an agent sent while it was away: then the totals are not complete.
        if (!end.broker_restarts.empty() && out.broker_lost.empty()) {
            out.broker_lost = "the NATS broker " + end.broker_restarts.front() +
                              " and was restarted, but no final totals came from " + list;
        }
    }
    if (!end.broker_restarts.empty() && out.broker_lost.empty()) {
        out.notes.push_back("the NATS broker died and was restarted (" + Joined(end.broker_restarts, "; ") +
                            "); every agent's final totals arrived, so the totals are complete");
    }
    for (const RegionGap& g : end.region_gaps) out.notes.push_back(GapNote(g));
    out.arrivals = SumArrivals(end.reports, end.arrivals_known);
    out.reports = std::move(end.reports);
    out.total = std::move(end.total);
    return out;
}

}  // namespace lse::coordinator
