#pragma once
/// @file
/// Renders the whole report page (one string of HTML with everything inlined).

#include <string>
#include <string_view>

#include "lse/html_report/timeline.hpp"
#include "lse/report/run_observer.hpp"

namespace lse::html_report::detail {

std::string RenderReportPage(const report::RunDescription& run, const Timeline& timeline,
                             const report::RunOutcome& outcome);

/// The inline script that draws the charts from the JSON blob (chart_script.cpp).
std::string_view ChartScript() noexcept;

}  // namespace lse::html_report::detail
