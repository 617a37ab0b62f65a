#pragma once
/// @file
/// The report's "Custom metrics" section: a table of the script's own metrics, read from the summary JSON's
/// "custom_metrics" object (lse/report/custom_metrics_report.hpp), so it shows the numbers --summary-json has.

#include <string>

#include <nlohmann/json.hpp>

namespace lse::html_report::detail {

/// The section's HTML (names escaped); "" when `custom_metrics` is not a non-empty object.
std::string CustomMetricsSection(const nlohmann::json& custom_metrics);

}  // namespace lse::html_report::detail
