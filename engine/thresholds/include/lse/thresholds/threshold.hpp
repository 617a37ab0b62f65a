#pragma once
/// @file
/// A threshold is a pass/fail criterion on the run's results, written as text in a scenario
/// (`thresholds = { "p95 < 200ms", "browse.error_rate < 1%" }`) or on the command line.
/// Grammar (full reference with examples: docs/thresholds.md):
///
///   threshold := ['region:' region '.'] [scenario ':'] [scope '.'] metric op value ['per region']
///   scope     := task | '[' request name ']' | task '[' request name ']' | 'group:' group path
///              | 'tag:' key '=' value
///   op        := '<' | '<=' | '>' | '>=' | '==' | '!='
///   custom    := kind ':' NAME '.' stat op value     (a script's own metric; run-wide, no scenario prefix)
///   kind      := 'trend' | 'counter' | 'rate' | 'gauge'
///
/// Metrics and the unit their value must carry:
///   pNN, pNN.N, min, max, mean (avg)        response time (CO-corrected)   duration: 200ms, 1.5s
///   service_pNN, service_min, ... _mean     service time (sent -> done)    duration
///   error_rate                              failed / completed requests    percent: 1%
///   errors, requests                        counts                         number, k/M suffix ok
///   rps                                     requests / load duration       number
///   checks                                  check passes / all checks      percent
///   iterations                              task iterations (count)        number
///   iteration_failures                      failed / all iterations        percent
///   dropped                                 arrivals that found no VU      number (scenario only)
///   trend:N.pNN, .min, .max, .mean (avg), .med, .count     custom trend         plain number (no unit)
///   counter:N.count (the sum), counter:N.rate (per s)      custom counter       plain number
///   rate:N.rate                             trues / samples                percent
///   gauge:N.value (last set), .min, .max    custom gauge                   plain number
///   generator_saturated                     load generators that were      number (run-wide, no scope)
///                                           saturated at any time
///   generator_lag_pNN, generator_lag_max    the worst generator's event-   duration (run-wide, no scope)
///                                           loop lag over the run
///
/// Regions (distributed runs whose agents have `--region`): `region:eu.p95 < 200ms` judges the requests of region
/// eu's agents only; `p95 < 200ms per region` judges every region on its own and fails if any fails.
///
/// Without a scope a threshold reads the load requests of its scenario: every task except the
/// lifecycle ones (on_start, on_stop, setup, teardown), which are reachable by naming them as
/// the task scope. Parsing never guesses: a latency without a unit, a rate without '%' or an
/// unknown name is a UsageError whose message quotes the threshold and suggests the fix.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lse/metrics/custom_metric.hpp"

namespace lse::thresholds {

/// What a threshold measures.
enum class Metric {
    kLatency,            ///< a statistic of a latency histogram (see LatencyStat, TimeBase)
    kErrorRate,          ///< percent of requests that failed (any ErrorKind, including kStatus)
    kErrors,             ///< failed requests (count)
    kRequests,           ///< completed requests (count)
    kRps,                ///< completed requests per second of load
    kChecks,             ///< percent of check() calls that passed
    kIterations,         ///< task iterations (count)
    kIterationFailures,  ///< percent of task iterations that failed
    kDropped,            ///< arrivals dropped for lack of an idle virtual user (count)
    kCustom,             ///< a statistic of a script's own metric (Threshold::custom_*)
    /// Load generators (Snapshot::generators) that were saturated at any time (lse/thresholds/generator_stats.hpp):
    /// `generator_saturated == 0` fails a run whose numbers the generator itself may have limited.
    kGeneratorSaturated,
    kGeneratorLag,       ///< event-loop lag (LatencyStat kPercentile or kMax) of the worst generator, whole run
    kCount
};

/// What a custom-metric threshold reads of its metric (lse/metrics/custom_metric.hpp).
enum class CustomStat {
    kPercentile,  ///< trend: pNN (Threshold::percentile); "med" is p50
    kMin,         ///< trend, gauge
    kMax,         ///< trend, gauge
    kMean,        ///< trend
    kCount,       ///< trend: samples; counter: the sum of the values added (k6's counter "count")
    kPerSecond,   ///< counter: the sum per second of the load phase ("counter:x.rate")
    kRatio,       ///< rate: percent of samples that were true ("rate:x.rate")
    kValue,       ///< gauge: the value set last
};

enum class LatencyStat { kPercentile, kMin, kMax, kMean, kCount };

/// Which latency: response time runs from the intended start (corrected for coordinated
/// omission) and is the default; service time runs from the moment the request was sent.
enum class TimeBase { kResponse, kService, kCount };

enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual, kCount };

/// How a threshold's value is written and compared.
enum class ValueKind {
    kDurationNs,  ///< nanoseconds
    kPercent,     ///< 0..100
    kNumber,      ///< count or rate
    kCount
};

/// Lifecycle tasks hold requests that are not part of the load (see lua_contract).
inline constexpr std::string_view kLifecycleTasks[] = {"on_start", "on_stop", "setup", "teardown"};
bool IsLifecycleTask(std::string_view task) noexcept;

struct Threshold {
    std::string expression;  ///< as written, trimmed
    std::string scenario;    ///< "checkout:" prefix; empty = the scenario passed to Evaluate
    std::string task;        ///< empty = every load task
    std::string request;     ///< request name from "[...]"; empty = every request
    std::string group;       ///< "group:checkout::payment": the requests made in that group (nested ones too)
    /// Metric::kCustom ("trend:cart_value.p95"): the metric's name, its kind (from the prefix) and statistic.
    std::string custom_name;
    metrics::CustomMetricKind custom_kind = metrics::CustomMetricKind::kTrend;
    CustomStat custom_stat = CustomStat::kPercentile;
    std::string tag_key{};   ///< "tag:env=staging": the requests carrying that tag (every row of the scenario)
    std::string tag_value{};
    std::string region{};     ///< "region:eu.": only the results of the agents of that region
    bool per_region = false;  ///< "... per region": judged in every region, fails if any fails
    Metric metric = Metric::kLatency;
    LatencyStat stat = LatencyStat::kPercentile;
    TimeBase base = TimeBase::kResponse;
    double percentile = 0;   ///< for LatencyStat::kPercentile, in (0, 100]
    std::string metric_name; ///< canonical spelling, e.g. "p95", "service_p99.9", "error_rate"
    Op op = Op::kLess;
    double value = 0;        ///< in the unit of ValueKindOf(metric); custom: percent for rate:x.rate, else a number
    std::string value_text;  ///< as written, e.g. "200ms"

    /// "checkout:browse[GET /x].p95" style label of what is measured (no op, no value); "region:eu." first for a
    /// region threshold.
    std::string Subject() const;
};

ValueKind ValueKindOf(Metric metric) noexcept;
std::string_view OpText(Op op) noexcept;
/// True when `actual op limit` holds. NaN never passes.
bool Compare(double actual, Op op, double limit) noexcept;

/// Parses one threshold. Throws lse::UsageError("threshold '<expr>': <problem>") on bad input.
Threshold Parse(std::string_view expression);

/// Non-throwing variant (fuzzing, editors): nullopt and *error filled on bad input.
std::optional<Threshold> TryParse(std::string_view expression, std::string* error);

/// Checks the task scope against the tasks the scenario defines (lifecycle task names are
/// always accepted). Throws UsageError "threshold '...': unknown task 'brwse' (did you mean
/// 'browse'?)". Does nothing for an unscoped threshold.
void Validate(const Threshold& threshold, std::span<const std::string> known_tasks);

/// Checks a "scenario:" prefix against the scenarios of the run (same message style).
void ValidateScenario(const Threshold& threshold, std::span<const std::string> known_scenarios);

}  // namespace lse::thresholds
