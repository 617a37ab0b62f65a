#include "lse/coordinator/agent_table.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace lse::coordinator {

void PrintAgentTable(std::ostream& out, const std::vector<AgentReport>& agents, std::int64_t load_ns) {
    std::size_t id_w = 5, host_w = 4;
    for (const auto& a : agents) {
        id_w = std::max(id_w, a.id.size());
        host_w = std::max(host_w, a.host.size());
    }
    // With regions, a region column after the host (agents without one: "none"); without, the table as before.
    std::size_t region_w = 0;
    for (const auto& a : agents) {
        if (!a.region.empty()) region_w = std::max({region_w, std::size_t{6}, a.region.size()});
    }
    const std::size_t name_w = host_w;  // the host's own width
    auto host = [&](const std::string& name, const std::string& region) {
        if (region_w == 0) return name;
        return name + std::string(name_w - name.size() + 2, ' ') + region +
               std::string(region_w - std::min(region_w, region.size()), ' ');
    };
    if (region_w > 0) host_w += 2 + region_w;
    const double load_s = load_ns > 0 ? static_cast<double>(load_ns) / 1e9 : 0;
    char line[512];
    out << "\nagents\n";
    const std::string host_title = host("host", "region");
    std::snprintf(line, sizeof line, "  %-*s  %-*s  %8s  %7s  %10s  %9s  %8s  %9s  %9s  %s\n", static_cast<int>(id_w),
                  "agent", static_cast<int>(host_w), host_title.c_str(), "capacity", "share", "requests", "rps", "errors",
                  "planned", "lost", "state");
    out << line;
    for (const auto& a : agents) {
        const double rps = load_s > 0 ? static_cast<double>(a.total.total.requests) / load_s : 0;
        std::string state = AgentStateName(a.state);
        if (!a.rebalances.empty()) {
            char moved[96];
            std::snprintf(moved, sizeof moved, "; rebalanced %zu time%s, share now %.1f%%", a.rebalances.size(),
                          a.rebalances.size() == 1 ? "" : "s", a.share_now * 100);
            state += moved;
        }
        if (!a.final_received) state += " (no final totals: last known)";
        if (a.lost > 0) {
            // Named in the row, so whoever reads the table sees the loss, not only a smaller count.
            char lost[200];
            std::snprintf(lost, sizeof lost, "; lost at %.1f s: %lld arrivals never sent, ~%lld sent but unreported",
                          static_cast<double>(a.last_seen_ns) / 1e9,
                          static_cast<long long>(a.lost - a.unreported_estimate),
                          static_cast<long long>(a.unreported_estimate));
            state += lost;
        } else if (a.unreported_requests > 0) {
            char unreported[160];
            std::snprintf(unreported, sizeof unreported, "; stopped reporting at %.1f s: ~%lld requests unreported",
                          static_cast<double>(a.last_seen_ns) / 1e9, static_cast<long long>(a.unreported_requests));
            state += unreported;
        }
        std::snprintf(line, sizeof line, "  %-*s  %-*s  %8u  %6.1f%%  %10llu  %9.1f  %8llu  %9lld  %9lld  %s\n",
                      static_cast<int>(id_w), a.id.c_str(), static_cast<int>(host_w), host(a.host, a.region.empty() ? "none" : a.region).c_str(), a.capacity,
                      a.share * 100, static_cast<unsigned long long>(a.total.total.requests), rps,
                      static_cast<unsigned long long>(a.total.total.ErrorCount()), static_cast<long long>(a.planned),
                      static_cast<long long>(a.lost), state.c_str());
        out << line;
    }
    PrintRebalances(out, agents);
}

void PrintRebalances(std::ostream& out, const std::vector<AgentReport>& agents) {
    std::vector<const RebalanceEvent*> events;
    for (const auto& a : agents) {
        for (const auto& e : a.rebalances) events.push_back(&e);
    }
    if (events.empty()) return;
    std::stable_sort(events.begin(), events.end(),
                     [](const RebalanceEvent* x, const RebalanceEvent* y) { return x->at_ns < y->at_ns; });
    auto list = [](const std::vector<std::string>& ids) {
        std::string s;
        for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
        return s.empty() ? std::string("nobody") : s;
    };
    out << "\nrebalances (load generator health; --rebalance off keeps static shares)\n";
    char line[512];
    for (const RebalanceEvent* e : events) {
        std::snprintf(line, sizeof line, "  %7.1f s  %s -> %s  %s %.1f%% -> %.1f%%  %s\n",
                      static_cast<double>(e->at_ns) / 1e9, list(e->from).c_str(), list(e->to).c_str(),
                      e->agent.c_str(), e->share_before * 100, e->share_after * 100, e->why.c_str());
        out << line;
    }
}

}  // namespace lse::coordinator
