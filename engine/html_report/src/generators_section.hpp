#pragma once
/// @file
/// The report's "Load generators" section: each generator's health (event-loop lag, CPU, late arrivals, sockets,
/// ports, RSS, saturated time and periods), read from the summary JSON's "generators" object
/// (lse/report/generator_health_report.hpp), with the saturation warning above the table when there is one.

#include <string>

#include <nlohmann/json.hpp>

namespace lse::html_report::detail {

/// The section's HTML (names escaped); "" when `generators` is not a non-empty object. `warning` is the summary's
/// "saturation_warning" ("" when none).
std::string GeneratorsSection(const nlohmann::json& generators, const std::string& warning);

}  // namespace lse::html_report::detail
