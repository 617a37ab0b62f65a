#pragma once
/// @file
/// The one-line-per-second progress report printed while a run is going.

#include <cstdint>
#include <optional>
#include <string>

#include "lse/metrics/snapshot.hpp"

namespace lse::report {

/// e.g. "[  3s/10s]    99.0 it/s (target 100.0)    199.0 rps | p50 1.20ms p95 3.40ms p99 5.60ms | err 0.00% |
/// dropped 0 | gen lag p99 1.20ms cpu 85%" (the last part when a generator reported its health, with
/// " | SATURATED: a2" when one was saturated: generator_health_report.hpp). With task statistics (Lua scenarios, plans) the target is compared with task iterations, as
/// the arrival schedule counts iterations; without (URL mode) with requests. Percentiles come from the
/// interval's own histogram (not the cumulative one).
/// Task iterations in the snapshot (sum over task stat keys); nullopt when it has no task statistics.
std::optional<std::uint64_t> TaskIterations(const metrics::Snapshot& snapshot);

std::string ProgressLine(const metrics::Snapshot& interval, std::int64_t elapsed_ns, std::int64_t total_ns,
                         double target_rps);

}  // namespace lse::report
