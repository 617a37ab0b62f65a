#pragma once
// Thresholds on a script's own metrics (lsengine.metrics.*): "trend:cart_value.p95 < 300",
// "counter:orders.rate > 5", "rate:cache_hit.rate > 95%", "gauge:queue.max < 50".
// Custom metrics belong to the whole run (one name, merged across scenarios, threads and agents), so
// these thresholds have no scenario, task or request scope; they read Snapshot::custom.

#include <span>
#include <string>
#include <string_view>

#include "lse/metrics/snapshot.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {

/// True when `subject` starts with a custom metric kind and ':' ("trend:", "counter:", "rate:", "gauge:").
/// Like "group:", these words are keywords at that place, never scenario names.
bool IsCustomSubject(std::string_view subject) noexcept;

/// Parses the left-hand side "trend:cart_value.p95" into *t (Metric::kCustom). `scenario` is a "shop:"
/// prefix written before it, empty when there is none: a prefix is refused (the metric is run-wide).
bool ParseCustomSubject(std::string_view scenario, std::string_view subject, Threshold* t, std::string* error);

/// The right-hand side of a custom threshold: a plain number (k/M suffixes and a sign allowed, no unit), or
/// a percentage for "rate:x.rate".
bool ParseCustomValue(std::string_view rhs, Threshold* t, std::string* error);

/// Judges a custom threshold on total.custom. A metric in `not_replayable` (agents could not record it in
/// this distributed run), absent, of another kind or without samples fails with a message saying which.
/// The verdict's scenario is empty: the metric is the whole run's.
Verdict EvaluateCustom(const Threshold& t, const metrics::Snapshot& total, double duration_s,
                       std::span<const std::string> not_replayable);

}  // namespace lse::thresholds
