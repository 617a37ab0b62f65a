#pragma once
/// @file
/// The JSON shapes every machine-readable output shares (--summary-json, --out ndjson), so one field means
/// the same thing everywhere. Times are integer microseconds, rates fractions 0..1.
///   Latency = { "count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max" }   ({"count": 0} if empty)
///   Stats   = { "requests", "ok", "errors", "error_rate", "rps", "dropped", "bytes_received", "bytes_sent",
///               "errors_by_kind": {kind: n}, "statuses": {"200": n, "other": n},
///               "service_time_us": Latency, "response_time_us": Latency }
///   Tags    = { key: value }, on request rows made with tags (and only on them)
///   Error   = { "scope": "request"|"task"|"lifecycle", "task", "name" (requests only), "kind", "message",
///               "count", "first_seen_s" (from the start of load; negative: before it; absent: unknown) }

#include <nlohmann/json.hpp>

#include "lse/metrics/histogram.hpp"
#include "lse/metrics/request_stats.hpp"
#include "lse/report/run_observer.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::report {

nlohmann::json LatencyJson(const metrics::Histogram& h);
/// Non-zero error counts by kind name ("timeout": 3).
nlohmann::json ErrorsByKindJson(const metrics::RequestStats& s);
/// `secs` is the time the counts were made in (for "rps"); 0 gives rps 0.
nlohmann::json StatsJson(const metrics::RequestStats& s, double secs);
/// A request row's tags (canonical, lse/metrics/tags.hpp) as { "env": "staging" }.
nlohmann::json TagsJson(std::string_view canonical);
/// Error groups of one scenario, most frequent first.
nlohmann::json ErrorRowsJson(const std::vector<ErrorRow>& rows);
/// Who an agent is and whether its totals are whole: { "id", "host", "state", "capacity", "share",
/// "final_received", "unreported_requests": { "count", "estimated": true } }; --summary-json and the HTML report
/// add their own fields to it.
nlohmann::json AgentIdentityJson(const AgentResult& a);
/// The share moves an agent was the subject of, in order: [ { "at_s", "agent", "from": [ids], "to": [ids],
/// "share_before", "share_after", "why" } ] (--summary-json's agents[].rebalances; the HTML report's too).
nlohmann::json RebalancesJson(const AgentResult& a);

/// Masks registered secret values (lse::RedactSecretValues: -e/--env-file secrets) in every string and object key
/// of `j`, before a JSON output is written. Nothing to do (and no copy) when none is registered.
void RedactSecretStrings(nlohmann::json* j);

}  // namespace lse::report
