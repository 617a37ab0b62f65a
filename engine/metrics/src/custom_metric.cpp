#include "lse/metrics/custom_metric.hpp"

#include <algorithm>
#include <cmath>

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "custom metric";

bool IsNameStart(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) noexcept { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::int64_t TrendUnits(double value) noexcept {
    const double scaled = std::clamp(value, 0.0, kMaxTrendValue) * kTrendScale;
    return static_cast<std::int64_t>(std::llround(scaled));
}

bool KnownKind(std::uint8_t v) noexcept {
    return v >= static_cast<std::uint8_t>(CustomMetricKind::kCounter) &&
           v <= static_cast<std::uint8_t>(CustomMetricKind::kTrend);
}
}  // namespace

std::string_view CustomMetricKindName(CustomMetricKind kind) noexcept {
    switch (kind) {
        case CustomMetricKind::kCounter: return "counter";
        case CustomMetricKind::kGauge: return "gauge";
        case CustomMetricKind::kRate: return "rate";
        case CustomMetricKind::kTrend: return "trend";
    }
    return "counter";
}

bool ParseCustomMetricKind(std::string_view text, CustomMetricKind* out) noexcept {
    for (auto kind : {CustomMetricKind::kCounter, CustomMetricKind::kGauge, CustomMetricKind::kRate,
                      CustomMetricKind::kTrend}) {
        if (text == CustomMetricKindName(kind)) {
            *out = kind;
            return true;
        }
    }
    return false;
}

bool IsValidCustomMetricName(std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxCustomMetricNameLength || !IsNameStart(name.front())) return false;
    return std::all_of(name.begin(), name.end(), IsNameChar);
}

std::string_view CustomValueProblem(CustomMetricKind kind, double value) noexcept {
    if (!std::isfinite(value)) return "is not a finite number";
    if (kind != CustomMetricKind::kTrend) return {};
    if (value < 0) return "is negative: trends hold values >= 0";
    if (value > kMaxTrendValue) return "is above the largest trend value 68719476.735";
    return {};
}

void CustomMetric::Add(double value, std::int64_t now_ns) noexcept {
    if (!std::isfinite(value)) return;
    const bool first = count == 0;
    ++count;
    switch (kind) {
        case CustomMetricKind::kCounter:
            sum += value;
            return;
        case CustomMetricKind::kRate:
            if (value != 0) ++trues;
            return;
        case CustomMetricKind::kGauge:
            // >= so that two sets within one clock tick keep the later call's value.
            if (first || now_ns >= last_ns) {
                last = value;
                last_ns = now_ns;
            }
            break;
        case CustomMetricKind::kTrend:
            value = std::clamp(value, 0.0, kMaxTrendValue);
            sum += value;
            values.Record(TrendUnits(value));
            break;
    }
    min = first ? value : std::min(min, value);
    max = first ? value : std::max(max, value);
}

void CustomMetric::Reset() noexcept {
    count = 0;
    sum = 0;
    trues = 0;
    min = 0;
    max = 0;
    last = 0;
    last_ns = 0;
    values.Reset();
}

CustomMetric& CustomMetric::operator+=(const CustomMetric& other) {
    if (other.kind != kind || other.count == 0) return *this;
    if (count == 0) {
        min = other.min;
        max = other.max;
        last = other.last;
        last_ns = other.last_ns;
    } else {
        min = std::min(min, other.min);
        max = std::max(max, other.max);
        if (other.last_ns >= last_ns) {
            last = other.last;
            last_ns = other.last_ns;
        }
    }
    count += other.count;
    sum += other.sum;
    trues += other.trues;
    values += other.values;
    return *this;
}

double CustomMetric::Ratio() const noexcept {
    return count == 0 ? 0.0 : static_cast<double>(trues) / static_cast<double>(count);
}

double CustomMetric::Mean() const noexcept {
    if (count == 0) return 0.0;
    switch (kind) {
        case CustomMetricKind::kGauge: return last;
        case CustomMetricKind::kRate: return Ratio();
        case CustomMetricKind::kCounter:
        case CustomMetricKind::kTrend: return sum / static_cast<double>(count);
    }
    return 0.0;
}

double CustomMetric::Percentile(double p) const noexcept {
    if (kind != CustomMetricKind::kTrend || count == 0) return 0.0;
    if (p <= 0) return min;
    if (p >= 100) return max;
    const double v = static_cast<double>(values.ValueAtPercentile(p)) / kTrendScale;
    return std::clamp(v, min, max);
}

void CustomMetric::AppendTo(std::string* out) const {
    ByteWriter w(out);
    w.Byte(static_cast<std::uint8_t>(kind));
    w.U64(count);
    switch (kind) {
        case CustomMetricKind::kCounter:
            w.F64(sum);
            return;
        case CustomMetricKind::kGauge:
            w.F64(last);
            w.I64(last_ns);
            w.F64(min);
            w.F64(max);
            return;
        case CustomMetricKind::kRate:
            w.U64(trues);
            return;
        case CustomMetricKind::kTrend:
            w.F64(sum);
            w.F64(min);
            w.F64(max);
            values.AppendTo(out);
            return;
    }
}

bool CustomMetric::DecodeFrom(std::string_view* in, CustomMetric* out, std::string* error) {
    if (!DecodeScalars(in, out, error)) return false;
    if (out->kind == CustomMetricKind::kTrend) {
        if (!Histogram::DecodeFrom(in, &out->values, error)) return false;
        if (out->values.Count() != out->count) return wire::Fail(error, kWhat, "trend histogram count differs");
    }
    return true;
}

bool CustomMetric::AddEncoded(std::string_view* in, CustomMetric* into, std::string* error) {
    CustomMetric scalars;  // no histogram pages: its += below adds nothing to into->values
    if (!DecodeScalars(in, &scalars, error)) return false;
    // A metric of another kind is skipped like operator+= ignores it, but its histogram must still be read past.
    const bool same_kind = scalars.kind == into->kind;
    if (same_kind) *into += scalars;
    if (scalars.kind != CustomMetricKind::kTrend) return true;
    Histogram ignored;
    Histogram* values = same_kind ? &into->values : &ignored;
    const std::uint64_t before = values->Count();
    if (!Histogram::AddEncoded(in, values, error)) return false;
    if (values->Count() - before != scalars.count) return wire::Fail(error, kWhat, "trend histogram count differs");
    return true;
}

bool CustomMetric::DecodeScalars(std::string_view* in, CustomMetric* out, std::string* error) {
    ByteReader r(in);
    const std::uint8_t kind = r.Byte("truncated kind");
    if (r.ok() && !KnownKind(kind)) r.Fail("unknown kind");
    const std::uint64_t count = r.U64("truncated count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    out->Reset();
    out->kind = static_cast<CustomMetricKind>(kind);
    out->count = count;
    switch (out->kind) {
        case CustomMetricKind::kCounter:
            out->sum = r.F64("truncated counter");
            break;
        case CustomMetricKind::kGauge:
            out->last = r.F64("truncated gauge");
            out->last_ns = r.I64("truncated gauge");
            out->min = r.F64("truncated gauge");
            out->max = r.F64("truncated gauge");
            break;
        case CustomMetricKind::kRate:
            out->trues = r.U64("truncated rate");
            if (r.ok() && out->trues > count) r.Fail("more trues than samples");
            break;
        case CustomMetricKind::kTrend:
            out->sum = r.F64("truncated trend");
            out->min = r.F64("truncated trend");
            out->max = r.F64("truncated trend");
            break;
    }
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (!std::isfinite(out->sum) || !std::isfinite(out->min) || !std::isfinite(out->max) ||
        !std::isfinite(out->last)) {
        return wire::Fail(error, kWhat, "not a finite number");
    }
    if (count > 0 && out->min > out->max) return wire::Fail(error, kWhat, "min above max");
    return true;
}

}  // namespace lse::metrics
