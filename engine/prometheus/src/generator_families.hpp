#pragma once
/// @file
/// The exposition's families for the load generators' own health (Snapshot::generators), one series per generator
/// with a `generator` label ("local" on one node, the agent id in a distributed run). exposition.hpp lists them.

#include <string>

#include "lse/prometheus/exposition.hpp"

namespace lse::prometheus::detail {

/// Every lsengine_generator* family (HELP and TYPE always; samples for the generators known): "" never, so a
/// dashboard finds the families before the first report. Counters and the lag histogram come from `cumulative`
/// (may be null: none yet), gauges from `latest` (each generator's last reported interval).
std::string RenderGeneratorFamilies(const metrics::Snapshot* cumulative, const GeneratorGaugeMap& latest);

}  // namespace lse::prometheus::detail
