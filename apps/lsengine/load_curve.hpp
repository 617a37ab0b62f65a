#pragma once
/// @file
/// Describing a LoadSpec to a person: the load curve for --dry-run and the
/// one-line plan printed when a run starts.

#include <ostream>

#include <string>

#include "lse/report/text_summary.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::cli {

/// Several lines: model, virtual users, and each segment of the curve with its rates or ramp.
void PrintLoadCurve(std::ostream& out, const runtime::LoadSpec& spec);

/// The scenario's header facts for the summary: model, virtual users, planned length, average target rate.
report::ScenarioInfo DescribeScenario(const std::string& name, const runtime::LoadSpec& spec);

/// One line: "open model, 100 rps for 2m (ramp 20s), 50 virtual users, 2 threads".
void PrintLoadCurveShort(std::ostream& out, const runtime::LoadSpec& spec);

}  // namespace lse::cli
