#pragma once
/// @file
/// The end-of-run summary table: per request name and in total, counts, rates,
/// errors by kind and status, dropped arrivals, and latency percentiles for both
/// service time and coordinated-omission-corrected response time.

#include <cstdint>
#include <ostream>

#include "lse/metrics/snapshot.hpp"

namespace lse::report {

struct SummaryInput {
    const metrics::Snapshot& total;
    std::int64_t duration_ns;     ///< wall time of the load phase (for rates)
    double target_rps = 0;        ///< average target rate (open model), 0 for closed model
    bool interrupted = false;
};

void PrintSummary(std::ostream& out, const SummaryInput& in);

/// "12.3ms" from microseconds.
std::string FormatMicros(std::int64_t us);

}  // namespace lse::report
