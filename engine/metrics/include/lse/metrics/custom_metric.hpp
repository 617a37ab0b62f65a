#pragma once
/// @file
/// A script's own metrics (lsengine.metrics.trend / counter / rate / gauge, k6's four kinds), kept
/// beside the request rows in every Snapshot so they merge across worker threads, intervals and agents
/// exactly like request statistics do.
///
///   counter  add(v): `sum` of the values, `count` of add() calls. Thresholds: count (the sum), rate (per s).
///   gauge    set(v): the latest value (`last`, by the recorder's monotonic clock), with min and max.
///   rate     add(b): `trues` out of `count` samples (a number counts as true when it is not 0).
///   trend    add(v): exact count/sum/min/max plus the project's histogram for percentiles. The histogram
///            holds integers, so values are recorded in thousandths (kTrendScale): 3 decimals are exact up
///            to 2.047, beyond that the histogram's 0.1% relative resolution applies. Values must be in
///            [0, kMaxTrendValue]: the histogram cannot hold negatives (TrendValueProblem says why a
///            value is refused; the Lua binding raises that message).
///
/// Merging a gauge keeps the value set last: across threads of one process the monotonic clock orders
/// them; across agents the clocks are the agents' own, so "last" is the latest of the last values each
/// agent saw in the interval (agents' intervals are aligned by the coordinator).
///
/// Wire format (inside Snapshot version 4, see snapshot.hpp): byte kind (1..4), varint count, then
///   counter: f64 sum
///   gauge:   f64 last, signed varint last_ns, f64 min, f64 max
///   rate:    varint trues (<= count)
///   trend:   f64 sum, f64 min, f64 max, Histogram values (its count == count)
/// f64 is the IEEE-754 bit pattern, 8 bytes little-endian. Decode rejects an unknown kind, non-finite
/// numbers, trues > count, min > max when count > 0, and a histogram count that differs from count.

#include <cstdint>
#include <string>
#include <string_view>

#include "lse/metrics/histogram.hpp"

namespace lse::metrics {

enum class CustomMetricKind : std::uint8_t { kCounter = 1, kGauge = 2, kRate = 3, kTrend = 4 };

/// "counter", "gauge", "rate", "trend": the names used in Lua, thresholds (`trend:x.p95`) and outputs.
std::string_view CustomMetricKindName(CustomMetricKind kind) noexcept;
bool ParseCustomMetricKind(std::string_view text, CustomMetricKind* out) noexcept;

/// Names are `[A-Za-z_][A-Za-z0-9_]*`, at most kMaxCustomMetricNameLength bytes, so they are valid in
/// threshold expressions, JSON keys and Prometheus labels alike.
inline constexpr std::size_t kMaxCustomMetricNameLength = 128;
/// Distinct custom metrics per run (Snapshot wire bound too): a metric named after an id would otherwise
/// grow every snapshot without end. Declaring one more is an error naming it.
inline constexpr std::size_t kMaxCustomMetrics = 100;
bool IsValidCustomMetricName(std::string_view name) noexcept;

/// Trend values are stored in the histogram as round(value * kTrendScale).
inline constexpr double kTrendScale = 1000.0;
inline constexpr double kMaxTrendValue = static_cast<double>(Histogram::kMaxValue) / kTrendScale;

/// Why `value` cannot be recorded into a metric of `kind` ("is not a finite number", "is negative: trends
/// hold values >= 0", "is above the largest trend value 68719476.735"), or empty when it can.
std::string_view CustomValueProblem(CustomMetricKind kind, double value) noexcept;

struct CustomMetric {
    CustomMetricKind kind = CustomMetricKind::kCounter;
    std::uint64_t count = 0;   ///< add()/set() calls
    double sum = 0;            ///< counter: total of the values; trend: exact sum of the values
    std::uint64_t trues = 0;   ///< rate: samples that were true
    double min = 0;            ///< gauge, trend: exact smallest value (meaningful when count > 0)
    double max = 0;            ///< gauge, trend: exact largest value
    double last = 0;           ///< gauge: the value set last
    std::int64_t last_ns = 0;  ///< gauge: when it was set (the recorder's monotonic clock)
    Histogram values;          ///< trend: values in thousandths, for percentiles

    CustomMetric() = default;
    explicit CustomMetric(CustomMetricKind k) noexcept : kind(k) {}

    /// Records one sample. The caller has checked CustomValueProblem (non-finite values are ignored here,
    /// trend values are clamped into the histogram's range). No allocation except a histogram page the
    /// first time a trend value lands in it.
    void Add(double value, std::int64_t now_ns) noexcept;

    /// Zeroes the samples, keeps the kind and the histogram's pages (interval reuse, like RequestStats).
    void Reset() noexcept;

    /// Adds `other`'s samples; a metric of another kind is ignored (one name has one kind per run: the Lua
    /// binding refuses a second kind, so a mismatch can only come from a foreign snapshot).
    CustomMetric& operator+=(const CustomMetric& other);  // may allocate histogram pages
    bool operator==(const CustomMetric& other) const noexcept = default;

    /// rate: trues / count; 0 when empty.
    double Ratio() const noexcept;
    /// counter, trend: sum / count; gauge: the last value; rate: Ratio(). 0 when empty.
    double Mean() const noexcept;
    /// trend: the value at percentile p (0..100) from the histogram, within its resolution and clamped
    /// into [min, max]; p <= 0 is min, p >= 100 is max. 0 when empty or not a trend.
    double Percentile(double p) const noexcept;

    void AppendTo(std::string* out) const;
    /// Decodes one metric from the front of *in (consuming it) into *out, reusing its histogram pages.
    static bool DecodeFrom(std::string_view* in, CustomMetric* out, std::string* error);
    /// Adds the metric at the front of *in (consuming it) to *into without decoding it first
    /// (Snapshot::AddEncoded); another kind than into's is read past and ignored, as by +=.
    static bool AddEncoded(std::string_view* in, CustomMetric* into, std::string* error);

private:
    // Everything but a trend's histogram, into *out (Reset first; the histogram keeps its pages).
    static bool DecodeScalars(std::string_view* in, CustomMetric* out, std::string* error);
};

}  // namespace lse::metrics
