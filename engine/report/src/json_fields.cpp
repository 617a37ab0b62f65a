#include "lse/report/json_fields.hpp"

#include <string>

#include "lse/core/error_kind.hpp"
#include "lse/core/redact.hpp"
#include "lse/metrics/tags.hpp"

namespace lse::report {

using nlohmann::json;

json LatencyJson(const metrics::Histogram& h) {
    json j = {{"count", h.Count()}};
    if (h.Count() == 0) return j;
    j["min"] = h.Min();
    j["mean"] = h.Mean();
    j["p50"] = h.ValueAtPercentile(50);
    j["p90"] = h.ValueAtPercentile(90);
    j["p95"] = h.ValueAtPercentile(95);
    j["p99"] = h.ValueAtPercentile(99);
    j["p99.9"] = h.ValueAtPercentile(99.9);
    j["max"] = h.Max();
    return j;
}

json ErrorsByKindJson(const metrics::RequestStats& s) {
    json j = json::object();
    for (int i = 1; i < kErrorKindCount; ++i) {
        const std::uint64_t n = s.ErrorsOf(static_cast<ErrorKind>(i));
        if (n != 0) j[std::string(ErrorKindName(static_cast<ErrorKind>(i)))] = n;
    }
    return j;
}

json TagsJson(std::string_view canonical) {
    json tags = json::object();
    for (auto& [k, v] : metrics::SplitTags(canonical)) tags[k] = std::move(v);
    return tags;
}

json StatsJson(const metrics::RequestStats& s, double secs) {
    json statuses = json::object();
    s.statuses.ForEachNonZero([&](int status, std::uint64_t n) { statuses[std::to_string(status)] = n; });
    if (s.statuses.Other() != 0) statuses["other"] = s.statuses.Other();
    json j = {{"requests", s.requests},
              {"ok", s.ok},
              {"errors", s.ErrorCount()},
              {"error_rate", s.ErrorRate()},
              {"rps", secs > 0 ? static_cast<double>(s.requests) / secs : 0.0},
              {"dropped", s.dropped},
              {"bytes_received", s.bytes_received},
              {"bytes_sent", s.bytes_sent},
              {"errors_by_kind", ErrorsByKindJson(s)},
              {"statuses", std::move(statuses)},
              {"service_time_us", LatencyJson(s.service_time_us)},
              {"response_time_us", LatencyJson(s.response_time_us)}};
    // Only when some body was decoded (issue 15): rows of runs that decode nothing are as before.
    if (s.bytes_decoded != 0) j["bytes_decoded"] = s.bytes_decoded;
    return j;
}

json ErrorRowsJson(const std::vector<ErrorRow>& rows) {
    json out = json::array();
    for (const ErrorRow& e : rows) {
        json j = {{"scope", e.scope},
                  {"task", e.task},
                  {"kind", std::string(ErrorKindName(e.kind))},
                  {"message", e.message},
                  {"count", e.count}};
        if (e.scope == "request") j["name"] = e.name;
        if (e.has_first_seen) j["first_seen_s"] = static_cast<double>(e.first_seen_ns) / 1e9;
        out.push_back(std::move(j));
    }
    return out;
}

nlohmann::json AgentIdentityJson(const AgentResult& a) {
    return {{"id", a.status.id},
            {"host", a.status.host},
            {"state", a.status.state},
            {"capacity", a.status.capacity},
            {"share", a.status.share},
            {"final_received", a.final_received},
            {"unreported_requests", {{"count", a.unreported_requests}, {"estimated", true}}}};
}

json RebalancesJson(const AgentResult& a) {
    json rebalances = json::array();
    for (const RebalanceRecord& r : a.rebalances) {
        rebalances.push_back({{"at_s", static_cast<double>(r.at_ns) / 1e9},
                              {"agent", r.agent},
                              {"from", r.from},
                              {"to", r.to},
                              {"share_before", r.share_before},
                              {"share_after", r.share_after},
                              {"why", r.why}});
    }
    return rebalances;
}

void RedactSecretStrings(json* j) {
    if (!HasSecretValues()) return;
    if (j->is_string()) {
        *j = RedactSecretValues(j->get_ref<const std::string&>());
    } else if (j->is_array()) {
        for (json& item : *j) RedactSecretStrings(&item);
    } else if (j->is_object()) {
        json out = json::object();
        for (auto it = j->begin(); it != j->end(); ++it) {
            RedactSecretStrings(&it.value());
            out[RedactSecretValues(it.key())] = std::move(it.value());
        }
        *j = std::move(out);
    }
}

}  // namespace lse::report
