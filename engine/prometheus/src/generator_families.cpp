#include "generator_families.hpp"
#include "number_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <string_view>

#include "lse/thresholds/generator_stats.hpp"

namespace lse::prometheus::detail {
namespace {

using metrics::GeneratorHealth;

constexpr std::array<std::string_view, kBucketBoundsUs.size()> kBucketLabels = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

void Header(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
    *out += "# HELP ";
    *out += name;
    *out += ' ';
    *out += help;
    *out += "\n# TYPE ";
    *out += name;
    *out += ' ';
    *out += type;
    *out += '\n';
}

// name{generator="id"[,le="x"]} value
void Series(std::string* out, std::string_view name, const std::string& id, std::string_view le) {
    *out += name;
    *out += "{generator=\"";
    *out += id;
    *out += '"';
    if (!le.empty()) {
        *out += ",le=\"";
        *out += le;
        *out += '"';
    }
    *out += "} ";
}

// Label values are escaped once; ids that only differ in replaced bytes share a series (the first one's values).
template <typename Entry>
std::vector<std::pair<std::string, const Entry*>> Escaped(const std::map<std::string, Entry, std::less<>>& by_id,
                                                          const std::function<bool(const Entry&)>& keep) {
    std::vector<std::pair<std::string, const Entry*>> out;
    std::set<std::string, std::less<>> seen;  // a thousand agents: no quadratic search
    for (const auto& [id, e] : by_id) {
        if (!keep(e)) continue;
        std::string escaped = EscapeLabelValue(id);
        if (!seen.insert(escaped).second) continue;
        out.emplace_back(std::move(escaped), &e);
    }
    return out;
}

// One gauge family over the latest gauges; `value` returns nullopt-like NaN to leave a generator out.
void GaugeFamily(std::string* out, std::string_view name, std::string_view help,
                 const std::vector<std::pair<std::string, const GeneratorGauges*>>& gauges,
                 const std::function<double(const GeneratorGauges&)>& value) {
    Header(out, name, "gauge", help);
    for (const auto& [id, g] : gauges) {
        const double v = value(*g);
        if (std::isnan(v)) continue;
        Series(out, name, id, {});
        AppendNumber(out, v);
        *out += '\n';
    }
}

void CounterFamily(std::string* out, std::string_view name, std::string_view help,
                   const std::vector<std::pair<std::string, const GeneratorHealth*>>& totals,
                   std::uint64_t GeneratorHealth::*field) {
    Header(out, name, "counter", help);
    for (const auto& [id, h] : totals) {
        Series(out, name, id, {});
        AppendUint(out, h->*field);
        *out += '\n';
    }
}

void LagHistogram(std::string* out, const std::vector<std::pair<std::string, const GeneratorHealth*>>& totals) {
    constexpr std::string_view kName = "lsengine_generator_loop_lag_seconds";
    Header(out, kName, "histogram", "Event-loop lag of the generator's worker threads: how late their timers ran.");
    for (const auto& [id, h] : totals) {
        // Cumulative counts per bound in one pass (a counter is at or below a bound once its lowest value is).
        std::array<std::uint64_t, kBucketBoundsUs.size()> first_at{};
        h->loop_lag_us.ForEachBucket([&](std::int64_t lowest_us, std::int64_t, std::uint64_t n) {
            const auto it = std::lower_bound(kBucketBoundsUs.begin(), kBucketBoundsUs.end(), lowest_us);
            if (it != kBucketBoundsUs.end()) first_at[static_cast<std::size_t>(it - kBucketBoundsUs.begin())] += n;
        });
        const std::uint64_t count = h->loop_lag_us.Count();
        std::uint64_t running = 0;
        for (std::size_t b = 0; b < kBucketBoundsUs.size(); ++b) {
            running += first_at[b];
            Series(out, std::string(kName) + "_bucket", id, kBucketLabels[b]);
            AppendUint(out, std::min(running, count));
            *out += '\n';
        }
        Series(out, std::string(kName) + "_bucket", id, "+Inf");
        AppendUint(out, count);
        *out += '\n';
        Series(out, std::string(kName) + "_sum", id, {});
        AppendNumber(out, static_cast<double>(h->loop_lag_us.Sum()) / 1e6);
        *out += '\n';
        Series(out, std::string(kName) + "_count", id, {});
        AppendUint(out, count);
        *out += '\n';
    }
}

}  // namespace

std::string RenderGeneratorFamilies(const metrics::Snapshot* cumulative, const GeneratorGaugeMap& latest) {
    static const std::map<std::string, GeneratorHealth, std::less<>> kNone;
    const auto& by_id = cumulative != nullptr ? cumulative->generators : kNone;
    const auto totals =
        Escaped<GeneratorHealth>(by_id, [](const GeneratorHealth& h) { return thresholds::HasReport(h); });
    const auto gauges = Escaped<GeneratorGauges>(latest, [](const GeneratorGauges&) { return true; });

    std::string out;
    Header(&out, "lsengine_generators_saturated", "gauge",
           "Load generators that were saturated at any time so far (results may understate the target).");
    if (cumulative != nullptr && thresholds::ReportingGenerators(*cumulative) > 0) {
        out += "lsengine_generators_saturated ";
        AppendUint(&out, thresholds::SaturatedGenerators(*cumulative).size());
        out += '\n';
    }
    GaugeFamily(&out, "lsengine_generator_saturated", "1 when the generator's last interval was saturated, else 0.",
                gauges, [](const GeneratorGauges& g) { return g.saturated ? 1.0 : 0.0; });
    CounterFamily(&out, "lsengine_generator_saturated_intervals_total", "Intervals the generator was saturated in.",
                  totals, &GeneratorHealth::saturated_intervals);
    GaugeFamily(&out, "lsengine_generator_threads", "Worker threads of the generator.", gauges,
                [](const GeneratorGauges& g) { return static_cast<double>(g.threads); });
    GaugeFamily(&out, "lsengine_generator_cpu_cores", "Cores the generator process used (1 = one core busy).", gauges,
                [](const GeneratorGauges& g) { return g.process_cpu; });
    GaugeFamily(&out, "lsengine_generator_host_cpu_ratio", "The generator host's busy share of all its cores (0..1).",
                gauges, [](const GeneratorGauges& g) { return g.host_cpu; });
    GaugeFamily(&out, "lsengine_generator_open_sockets", "Sockets the generator holds open toward targets.", gauges,
                [](const GeneratorGauges& g) { return static_cast<double>(g.open_sockets); });
    GaugeFamily(&out, "lsengine_generator_ephemeral_ports", "Local ports the generator process has in use.", gauges,
                [](const GeneratorGauges& g) { return static_cast<double>(g.ephemeral_ports); });
    GaugeFamily(&out, "lsengine_generator_ephemeral_port_range", "Size of the host's ip_local_port_range.", gauges,
                [](const GeneratorGauges& g) {
                    return g.ephemeral_port_range == 0 ? std::nan("") : static_cast<double>(g.ephemeral_port_range);
                });
    GaugeFamily(&out, "lsengine_generator_rss_bytes", "Resident memory of the generator process.", gauges,
                [](const GeneratorGauges& g) { return static_cast<double>(g.rss_bytes); });
    CounterFamily(&out, "lsengine_generator_arrivals_total", "Open-model arrivals the generator started.", totals,
                  &GeneratorHealth::arrivals);
    CounterFamily(&out, "lsengine_generator_late_arrivals_total",
                  "Arrivals the generator itself started late (a busy loop, not a wait for a free virtual user).",
                  totals, &GeneratorHealth::late_arrivals);
    LagHistogram(&out, totals);
    return out;
}

}  // namespace lse::prometheus::detail
