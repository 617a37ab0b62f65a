#pragma once
/// @file
/// The live view's lines per agent region (distributed runs whose agents have --region, issue 16): one line per
/// region for each frame (a terminal) or each compact line (a log), so a region that slows down or fails shows
/// while the run goes, not only in the summary.

#include <cstddef>
#include <string>
#include <vector>

#include "lse/thresholds/evaluate.hpp"

namespace lse::report {

/// One line per region, in name order: the regions of `interval` and those of `known` (every region seen so far;
/// may be null), each with its task iterations and requests per second over `secs`, p50/p95/p99 response time
/// and error rate, e.g. "  region eu      it/s 30.0   rps 60.0   p50 1.20ms  p95 3.40ms  p99 5.60ms   errors
/// 0.00%"; "no data" for a known region without data in `interval`. Lines are cut to `width`; beyond
/// `max_rows` regions one "+N more regions" line sums up the rest. Empty when there is no region.
std::vector<std::string> RegionLiveLines(const thresholds::RegionSnapshots& interval,
                                         const thresholds::RegionSnapshots* known, double secs, std::size_t width,
                                         std::size_t max_rows);

}  // namespace lse::report
