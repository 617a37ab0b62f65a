#pragma once
// The metric part of a threshold ("p95", "service_max", "error_rate") and its meaning.

#include <span>
#include <string>
#include <string_view>

#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {

struct MetricSpec {
    Metric metric = Metric::kLatency;
    LatencyStat stat = LatencyStat::kPercentile;
    TimeBase base = TimeBase::kResponse;
    double percentile = 0;
    std::string canonical;  ///< "avg" reads as "mean"; percentiles keep their spelling
};

/// False for anything that is not a metric name (including p0 and percentiles above 100).
bool ParseMetricName(std::string_view text, MetricSpec* out);

/// Names offered in "did you mean" hints.
std::span<const std::string_view> SuggestableMetricNames();

}  // namespace lse::thresholds
