#include "lse/report/region_summary.hpp"

#include <cstdio>

#include "lse/report/json_fields.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::report {
namespace {

double Seconds(std::int64_t ns) { return ns > 0 ? static_cast<double>(ns) / 1e9 : 0; }
double Rate(std::uint64_t n, double secs) { return secs > 0 ? static_cast<double>(n) / secs : 0; }

// The region's snapshot through the run's summary model: the same scenarios (names, durations) as the run.
SummaryModel RegionModel(const SummaryInput& in, const metrics::Snapshot& region) {
    SummaryInput r(region, in.duration_ns, in.target_rps, in.interrupted);
    r.scenarios = in.scenarios;
    return BuildSummaryModel(r);
}

std::string Cell(const std::string& s, std::size_t width) {
    if (s.size() < width) return s + std::string(width - s.size(), ' ');
    return s.substr(0, width - 4) + "... ";
}

std::string Right(const std::string& s, std::size_t width) {
    return s.size() >= width ? " " + s : std::string(width - s.size(), ' ') + s;
}

std::string Fmt(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string Latency(const metrics::Histogram& h, double p) {
    return h.Count() == 0 ? "-" : FormatMicros(h.ValueAtPercentile(p));
}

}  // namespace

std::vector<RegionRow> RegionRows(const SummaryInput& in) {
    std::vector<RegionRow> rows;
    for (const auto& [region, snapshot] : in.regions) {
        const SummaryModel model = RegionModel(in, snapshot);
        for (const ScenarioSummary& s : model.scenarios) {
            if (s.load.requests == 0 && s.requests.empty()) continue;  // the scenario ran elsewhere
            const double secs = Seconds(s.info.duration_ns);
            rows.push_back({region, s.info.name, "", s.load, Rate(s.load.requests, secs)});
            for (const NamedStats& r : s.requests) {
                rows.push_back({region, s.info.name, DisplayName(r), r.stats, Rate(r.stats.requests, secs)});
            }
        }
    }
    return rows;
}

void PrintRegions(std::ostream& out, const SummaryInput& in) {
    if (in.regions.empty()) return;
    constexpr std::size_t kName = 32;
    constexpr std::size_t kNum = 10;
    constexpr std::size_t kLat = 9;
    out << "\nregions (response time):\n  " << Cell("region / scenario / request", kName) << Right("requests", kNum)
        << Right("rps", kNum) << Right("errors", kNum) << Right("err %", 8) << Right("p50", kLat)
        << Right("p95", kLat) << Right("p99", kLat) << "\n";
    const double secs = Seconds(in.duration_ns);
    auto line = [&](const std::string& label, const metrics::RequestStats& s, double rps) {
        const std::uint64_t errors = s.ErrorCount();
        out << "  " << Cell(label, kName) << Right(std::to_string(s.requests), kNum) << Right(Fmt("%.1f", rps), kNum)
            << Right(std::to_string(errors), kNum)
            << Right(s.requests == 0 ? "-" : Fmt("%.2f%%", 100.0 * static_cast<double>(errors) /
                                                               static_cast<double>(s.requests)),
                     8)
            << Right(Latency(s.response_time_us, 50), kLat) << Right(Latency(s.response_time_us, 95), kLat)
            << Right(Latency(s.response_time_us, 99), kLat) << "\n";
    };
    const std::vector<RegionRow> rows = RegionRows(in);
    for (const auto& [region, snapshot] : in.regions) {
        line(region, snapshot.total, Rate(snapshot.total.requests, secs));
        for (const RegionRow& r : rows) {
            if (r.region != region) continue;
            line(r.request.empty() ? "  " + r.scenario : "    " + r.request, r.stats, r.rps);
        }
    }
}

nlohmann::json RegionsJson(const SummaryInput& in) {
    if (in.regions.empty()) return nullptr;
    nlohmann::json out = nlohmann::json::object();
    const double secs = Seconds(in.duration_ns);
    for (const auto& [region, snapshot] : in.regions) {
        nlohmann::json scenarios = nlohmann::json::array();
        const SummaryModel model = RegionModel(in, snapshot);
        for (const ScenarioSummary& s : model.scenarios) {
            if (s.load.requests == 0 && s.requests.empty()) continue;
            const double scenario_secs = Seconds(s.info.duration_ns);
            nlohmann::json requests = nlohmann::json::array();
            for (const NamedStats& r : s.requests) {
                nlohmann::json row = StatsJson(r.stats, scenario_secs);
                row["name"] = r.name;
                if (!r.group.empty()) row["group"] = r.group;
                if (!r.tags.empty()) row["tags"] = TagsJson(r.tags);
                requests.push_back(std::move(row));
            }
            scenarios.push_back(
                {{"name", s.info.name}, {"totals", StatsJson(s.load, scenario_secs)}, {"requests", std::move(requests)}});
        }
        out[region] = {{"totals", StatsJson(snapshot.total, secs)}, {"scenarios", std::move(scenarios)}};
    }
    return out;
}

}  // namespace lse::report
