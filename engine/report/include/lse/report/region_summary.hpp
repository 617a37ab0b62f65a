#pragma once
/// @file
/// A distributed run's results per agent region (`lsengine-agent --region`, SummaryInput::regions): the rows the
/// text summary's "regions" table and the summary JSON's "regions" object show. Each region's snapshot goes
/// through the same summary model as the whole run, so a region's numbers mean what the run's do.

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "lse/metrics/request_stats.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {

/// One row: a region's load requests of one scenario (`request` empty), or of one request name in it.
struct RegionRow {
    std::string region;
    std::string scenario;
    std::string request;  ///< DisplayName of the request row; empty: the scenario's load in the region
    metrics::RequestStats stats;
    double rps = 0;       ///< stats.requests per second of the scenario's load phase
};

/// Every region (sorted by name), each scenario it ran, then that scenario's request names. Empty without regions.
std::vector<RegionRow> RegionRows(const SummaryInput& in);

/// "regions:" and one line per row (requests, rps, errors, error rate, p50/p95/p99 response time); nothing
/// without regions.
void PrintRegions(std::ostream& out, const SummaryInput& in);

/// { region: { "totals": Stats, "scenarios": [ { "name", "totals": Stats, "requests": [ { "name", ...Stats } ] } ] } }
/// (Stats as in lse/report/json_fields.hpp). Null without regions.
nlohmann::json RegionsJson(const SummaryInput& in);

}  // namespace lse::report
