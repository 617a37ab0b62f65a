#pragma once
// Thresholds on the load generators' own health (Snapshot::generators): "generator_saturated == 0",
// "generator_lag_p99 < 10ms". A generator is a process (a single-node run's "local", or an agent), not a scenario,
// so these thresholds are run-wide: no scenario, task or request scope.

#include "lse/metrics/snapshot.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {

bool IsGeneratorMetric(Metric metric) noexcept;

/// Judges a generator threshold on total.generators. Without any generator report (a run whose agents send no
/// health) it fails with "no data": a run never passes generator_saturated == 0 by not measuring. The verdict's
/// scenario is empty (the whole run).
Verdict EvaluateGenerator(const Threshold& t, const metrics::Snapshot& total);

}  // namespace lse::thresholds
