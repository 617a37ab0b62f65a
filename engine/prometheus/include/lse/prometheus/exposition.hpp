#pragma once
/// @file
/// Renders a run's state as Prometheus text exposition format 0.0.4. Rendering allocates and walks
/// every stat key, so the exporter does it once per interval on the run's thread, never per scrape.
///
/// Families (HELP and TYPE are always present, so dashboards can discover them before any sample):
///   lsengine_run_info{script,target} 1                          gauge
///   lsengine_run_elapsed_seconds, lsengine_run_duration_seconds gauge (elapsed / planned load phase)
///   lsengine_run_finished                                       gauge 0 while load runs, 1 after the end
///   lsengine_target_rps, lsengine_active_vusers                 gauge
///   lsengine_agents{state}                                      gauge (distributed runs only)
///   lsengine_thresholds_failed                                  gauge (only once the verdicts are known)
///   lsengine_requests_total{scenario,task,request,status}       counter: status "200"..., "other" (a code
///                                                               outside 100..599) or "error" (no response)
///   lsengine_request_errors_total{scenario,task,request,kind}   counter: kind = ErrorKindName
///   lsengine_request_duration_seconds{scenario,task,request}    histogram of service time
///   lsengine_response_time_seconds{scenario,task,request}       histogram of CO-corrected response time
///   lsengine_iterations_total{scenario,task,result}             counter: result "ok" | "failed"
///   lsengine_dropped_arrivals_total{scenario}                   counter
///   lsengine_checks_total{scenario,task,check,result}           counter: result "pass" | "fail"
///   lsengine_region_requests_total{region}                      counter (distributed runs whose agents have
///   lsengine_region_request_errors_total{region}                counter  --region; absent otherwise): each
///   lsengine_region_response_time_seconds{region}               histogram region's requests, as the run's
/// Counters come from the cumulative snapshot, so they never decrease while a run goes on.
///
/// A script's own metrics (lsengine.metrics.*, Snapshot::custom) follow, one family per metric (only for the
/// metrics the script declared; nothing for a run without any):
///   lsengine_custom_<name>_total                                counter: a counter's total
///   lsengine_custom_<name>                                      gauge: the value set last (no sample until set)
///   lsengine_custom_<name>_total{result}                        counter: a rate's samples, result "true" | "false"
///   lsengine_custom_<name>{quantile}, _sum, _count              summary: a trend over the whole run; quantile
///                                                               0 (min), 0.5, 0.9, 0.95, 0.99, 1 (max); NaN if empty
/// A metric whose sample name would repeat another's (gauge `orders_total` beside counter `orders`) is left out,
/// with a `# lsengine:` comment naming it.
///
/// The load generators' own health (Snapshot::generators; issue 16), one series per generator ("local" on one node,
/// else the agent id). Gauges are each generator's last reported interval, counters and the histogram the run's:
///   lsengine_generators_saturated                               gauge: generators saturated at any time so far (what
///                                                               the generator_saturated threshold reads)
///   lsengine_generator_saturated{generator}                     gauge 1 when its last interval was saturated, else 0
///   lsengine_generator_saturated_intervals_total{generator}     counter
///   lsengine_generator_threads{generator}                       gauge: worker threads
///   lsengine_generator_cpu_cores{generator}                     gauge: cores the process used (1 = one core busy)
///   lsengine_generator_host_cpu_ratio{generator}                gauge: the host's busy share of all cores, 0..1
///   lsengine_generator_open_sockets{generator}                  gauge
///   lsengine_generator_ephemeral_ports{generator}               gauge: local ports in use
///   lsengine_generator_ephemeral_port_range{generator}          gauge: size of ip_local_port_range (absent: unknown)
///   lsengine_generator_rss_bytes{generator}                     gauge
///   lsengine_generator_arrivals_total{generator}                counter: open-model arrivals started
///   lsengine_generator_late_arrivals_total{generator}           counter: of them, started late by the generator
///   lsengine_generator_loop_lag_seconds{generator}              histogram of event-loop lag (the buckets below)
///
/// Histogram buckets: le = .001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 +Inf seconds, counted with
/// Histogram::CountAtOrBelow: a sample sharing our histogram bucket with the bound (at most 0.1% above it,
/// and only for bounds above 2.048 ms where buckets are wider than 1 µs) counts as at or below it. _count
/// is the number of timed requests (responses; transport failures are not timed), equal to the +Inf bucket.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lse/metrics/snapshot.hpp"

namespace lse::prometheus {

/// Upper bounds of the latency histogram buckets in microseconds (without +Inf).
inline constexpr std::array<std::int64_t, 13> kBucketBoundsUs = {
    1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000,
    10'000'000};

/// A generator's gauges as of its last reported interval (the exporter keeps them between intervals, so a
/// generator missing from one interval keeps its series rather than blinking out).
struct GeneratorGauges {
    std::uint32_t threads = 0;
    double process_cpu = 0;
    double host_cpu = 0;
    std::uint32_t open_sockets = 0;
    std::uint32_t ephemeral_ports = 0;
    std::uint32_t ephemeral_port_range = 0;
    std::uint64_t rss_bytes = 0;
    bool saturated = false;  ///< that interval was judged saturated
};
using GeneratorGaugeMap = std::map<std::string, GeneratorGauges, std::less<>>;

/// Everything one exposition shows. Plain data, filled by the exporter from the observer calls.
struct ExpositionInput {
    const metrics::Snapshot* cumulative = nullptr;  ///< since the start; null: no samples yet
    /// Per agent region since the start (distributed runs with --region); null or empty: no region families.
    const std::map<std::string, metrics::Snapshot>* regions = nullptr;
    std::string script;                             ///< empty in URL mode
    std::string target;
    double elapsed_seconds = 0;
    double duration_seconds = 0;                    ///< planned load phase
    double target_rps = 0;
    int active_vusers = 0;
    bool finished = false;
    bool distributed = false;
    std::vector<std::string> agent_states;          ///< one entry per agent ("active", "timed out", ...)
    int thresholds_failed = -1;                     ///< < 0: not known yet (the family has no sample)
    GeneratorGaugeMap generator_gauges;             ///< by generator id: its last reported interval's gauges
};

std::string RenderExposition(const ExpositionInput& in);

/// A label value as it appears between the quotes: '\\', '"' and newline escaped; other control bytes and
/// invalid UTF-8 (names come from scripts and URLs) replaced by '?' so a scrape never fails to parse. Registered
/// secret values (lse::RedactSecretValues: -e/--env-file secrets) are masked first.
std::string EscapeLabelValue(std::string_view value);

}  // namespace lse::prometheus
