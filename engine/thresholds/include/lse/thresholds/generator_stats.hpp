#pragma once
/// @file
/// What the run's load generators (Snapshot::generators, lse/metrics/generator_health.hpp) say about the run as a
/// whole: which were saturated, and for how long. The thresholds (generator_saturated, generator_lag_pNN) and every
/// output (summary, JSON, report, live view) read these functions, so "saturated" means one thing everywhere.
///
/// Saturation itself is judged per interval where the health is measured (IsSaturated, recorded as
/// saturated_intervals and a period); these functions only read that record, they never judge again from merged
/// gauges (a run-wide max of CPU with late arrivals in another second would be a false alarm).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/metrics/snapshot.hpp"

namespace lse::thresholds {

/// False for an entry that holds no report: Snapshot::Reset keeps a generator's entry but zeroes it, so an interval
/// snapshot may list a generator that did not report in it.
bool HasReport(const metrics::GeneratorHealth& h) noexcept;

/// True when some interval merged into `h` was judged saturated.
bool WasSaturated(const metrics::GeneratorHealth& h) noexcept;

/// Time covered by `h.saturated`, in ms.
std::int64_t SaturatedMs(const metrics::GeneratorHealth& h) noexcept;

/// Generators of `snapshot` with a report (HasReport).
std::size_t ReportingGenerators(const metrics::Snapshot& snapshot) noexcept;

/// Ids of the generators that were saturated, sorted.
std::vector<std::string> SaturatedGenerators(const metrics::Snapshot& snapshot);

/// How a generator is named in sentences: "this machine (local)" for a single-node run, "agent a2" for an agent.
std::string GeneratorLabel(std::string_view id);

}  // namespace lse::thresholds
