#pragma once
/// @file
/// The thresholds of a `lsengine run`: parsed and validated before any request is
/// sent (so a typo fails fast, naming the file and line), evaluated at the end,
/// printed with the summary, and turned into the exit code.

#include <ostream>
#include <string>
#include <vector>

#include "lse/lua/scenario_def.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::cli {

class RunThresholds {
public:
    /// Throws lse::UsageError ("checkout.lua:5: threshold 'p95 < 200': ...") for any bad threshold.
    static RunThresholds Parse(const std::vector<lua::ScenarioDef>& scenarios,
                               const std::vector<std::string>& command_line);

    /// Prints the summary and the verdicts; returns the process exit code (0, or 3 when a threshold failed).
    int Report(std::ostream& out, const runtime::RunResult& result, std::int64_t load_ns,
               std::vector<report::ScenarioInfo> scenarios) const;

private:
    struct Entry {
        thresholds::Threshold threshold;
        std::string scenario;  ///< declaring scenario; empty for --threshold (whole run)
    };
    std::vector<Entry> entries_;
};

}  // namespace lse::cli
