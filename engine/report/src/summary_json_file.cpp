#include "lse/report/summary_json_file.hpp"

#include "lse/report/json_fields.hpp"
#include "lse/report/output_file.hpp"
#include "lse/report/summary_json.hpp"

namespace lse::report {

using nlohmann::json;

SummaryJsonFile::SummaryJsonFile(std::string path) : path_(std::move(path)) {
    CheckWritablePath(path_, "--summary-json");
}

void SummaryJsonFile::OnEnd(const RunOutcome& outcome) {
    json j = SummaryJson(outcome.summary);
    j["exit_code"] = outcome.exit_code;
    j["stop_reason"] = outcome.stop_reason;
    j["fail_reasons"] = outcome.fail_reasons;
    j["complete"] = outcome.complete;
    j["notes"] = outcome.notes;
    json config = json::object();
    for (const auto& [k, v] : run_.config) config[k] = v;
    j["run"] = {{"command", run_.command},
                {"script", run_.script},
                {"target", run_.target},
                {"started_unix_ms", run_.started_unix_ms},
                {"distributed", run_.distributed},
                {"config", std::move(config)}};
    if (!outcome.agents.empty()) {
        const double secs = static_cast<double>(outcome.summary.duration_ns) / 1e9;
        json agents = json::array();
        for (const AgentResult& a : outcome.agents) {
            json agent = AgentIdentityJson(a);
            agent["arrivals"] = {{"planned", a.planned},
                                 {"sent", a.sent},
                                 {"dropped", a.dropped},
                                 {"lost", a.lost},
                                 {"unreported", {{"count", a.unreported_estimate}, {"estimated", true}}}};
            agent["last_seen_s"] = static_cast<double>(a.last_seen_ns) / 1e9;
            agent["totals"] = StatsJson(a.total.total, secs);
            agent["share_now"] = a.share_now;
            agent["rebalances"] = RebalancesJson(a);
            agents.push_back(std::move(agent));
        }
        j["agents"] = std::move(agents);
    }
    RedactSecretStrings(&j);  // -e/--env-file secrets (issue 15)
    WriteFileAtomically(path_, j.dump(2, ' ', false, json::error_handler_t::replace) + "\n", "--summary-json");
}

}  // namespace lse::report
