#pragma once
/// @file
/// `lsengine compare BASE.json NEW.json`: compares two --summary-json files (schema version 1, see
/// summary_json.hpp) per scenario and per request name, and says which metrics regressed.
///
/// A metric regressed when it moved in its "worse" direction (latency, error rate, dropped: up;
/// rps, checks pass rate: down) by more than the relative tolerance AND by more than the metric's
/// absolute floor (kAbsoluteFloor). The floor is what keeps a zero baseline from being a free pass
/// (0% errors -> 0.3% is a regression although the relative change is undefined) while ignoring
/// noise on tiny rates (0.01% -> 0.02% errors is +100% but not a regression). End-of-run code: it
/// allocates freely.

#include <array>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lse::report {

enum class CompareMetric { kP50, kP95, kP99, kMax, kErrorRate, kRps, kChecks, kDropped, kCount };

inline constexpr std::size_t kCompareMetricCount = static_cast<std::size_t>(CompareMetric::kCount);

/// Name as written in --fail-on and printed in the table: "p50", "p95", "p99", "max", "error_rate", "rps",
/// "checks", "dropped".
std::string_view CompareMetricName(CompareMetric metric) noexcept;

/// True when a larger value is worse (latencies, error_rate, dropped).
bool HigherIsWorse(CompareMetric metric) noexcept;

/// The smallest worsening that can count as a regression, in the metric's unit: latencies 0 us (any
/// increase), error_rate 0.1 percentage points, checks 0.1 points, rps 0, dropped 0 (any new drop).
double AbsoluteFloor(CompareMetric metric) noexcept;

enum class CompareVerdict {
    kOk,          ///< within the tolerance (or nothing to compare)
    kBetter,      ///< improved beyond the tolerance
    kWorse,       ///< worse beyond the tolerance, but not listed in --fail-on: informational
    kRegression,  ///< worse beyond the tolerance and listed in --fail-on
    kCount
};

/// "ok", "better", "worse", "REGRESSION".
std::string_view CompareVerdictName(CompareVerdict verdict) noexcept;

struct CompareOptions {
    double tolerance_percent = 10;  ///< relative change allowed in the worse direction, in percent
    /// Metrics whose regression fails the comparison; empty = every metric.
    std::vector<CompareMetric> fail_on;
};

/// One metric of one row. Values are in the metric's display unit: microseconds for latencies,
/// percent (0..100) for error_rate and checks, requests per second for rps, a count for dropped.
struct MetricDelta {
    CompareMetric metric = CompareMetric::kP50;
    std::optional<double> base;          ///< nullopt: no data in BASE (e.g. no requests, no checks)
    std::optional<double> now;           ///< nullopt: no data in NEW
    std::optional<double> change_percent; ///< relative change; nullopt when either side is missing or base is 0
    CompareVerdict verdict = CompareVerdict::kOk;
};

/// A scenario's load totals (request empty) or one request name of the scenario.
struct CompareRow {
    std::string scenario;
    std::string request;  ///< empty: the scenario's totals
    std::vector<MetricDelta> metrics;
};

/// One number of a script's own metric (--summary-json "custom_metrics") in both runs. Shown, never judged: only
/// the script knows whether more orders or a larger cart value is better.
struct CustomMetricDelta {
    std::string name;
    std::string kind;   ///< "counter", "gauge", "rate", "trend"
    std::string field;  ///< the JSON key: counter count/rate, gauge value/max, rate rate, trend p50/p95/p99/max
    std::optional<double> base;
    std::optional<double> now;
    std::optional<double> change_percent;  ///< nullopt when either side is missing or base is 0
};

struct Comparison {
    std::vector<CompareRow> rows;
    /// Custom metrics present in both files (NEW's order, by name), informational.
    std::vector<CustomMetricDelta> custom = {};
    /// Things the table cannot show: scenarios or requests present in only one file, interrupted runs.
    std::vector<std::string> notes;
    double tolerance_percent = 10;
    std::size_t regressions = 0;  ///< count of kRegression verdicts
    bool Regressed() const noexcept { return regressions != 0; }
};

/// Parses a --fail-on list ("p95,error_rate"). Throws lse::UsageError naming the bad entry, with a
/// suggestion ("unknown metric 'p59' (did you mean 'p95'?)").
std::vector<CompareMetric> ParseFailOn(const std::vector<std::string>& names);

/// Parses "10%" (a number and '%', >= 0). Throws lse::UsageError ("--tolerance: missing '%' (did you mean 10%?)").
double ParseTolerance(std::string_view text);

/// Checks that `summary` is a --summary-json document this version reads (schema 1 or 2: 2 only added fields).
/// Throws lse::UsageError naming `file` ("base.json: not a --summary-json file (no \"version\")", "... version 3
/// is not supported").
void ValidateSummary(const nlohmann::json& summary, const std::string& file);

/// Reads and validates a --summary-json file; throws lse::UsageError naming the file on any problem
/// (missing, unreadable, not JSON, not a summary, other version).
nlohmann::json LoadSummaryFile(const std::string& path);

/// Compares two validated summaries. Rows follow NEW's scenario and request order.
Comparison CompareSummaries(const nlohmann::json& base, const nlohmann::json& now, const CompareOptions& options);

/// The regression table (fits 100 columns) followed by a one-line conclusion.
void PrintComparison(std::ostream& out, const Comparison& comparison, std::string_view base_label,
                     std::string_view new_label);

}  // namespace lse::report
