#pragma once
/// @file
/// The one-line-per-second progress report printed while a run is going.

#include <cstdint>
#include <string>

#include "lse/metrics/snapshot.hpp"

namespace lse::report {

/// e.g. "[  3s/10s] 199.0 rps (target 200) | p50 1.20ms p95 3.40ms p99 5.60ms | err 0.00% | dropped 0"
/// Percentiles come from the interval's own histogram (not the cumulative one).
std::string ProgressLine(const metrics::Snapshot& interval, std::int64_t elapsed_ns, std::int64_t total_ns,
                         double target_rps);

}  // namespace lse::report
