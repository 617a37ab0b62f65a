// `lsengine compare BASE.json NEW.json`: a regression check between two --summary-json files, for CI
// ("did this change make the service slower?"). The comparison itself lives in lse::report (compare.hpp).

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "lse/core/errors.hpp"
#include "lse/report/compare.hpp"

namespace lse::cli {
namespace {

struct CompareFlags {
    std::string base;
    std::string now;
    std::string tolerance = "10%";
    std::vector<std::string> fail_on;
};

int RunCompare(const CompareFlags& f) {
    report::CompareOptions options;
    options.tolerance_percent = report::ParseTolerance(f.tolerance);
    options.fail_on = report::ParseFailOn(f.fail_on);
    const nlohmann::json base = report::LoadSummaryFile(f.base);
    const nlohmann::json now = report::LoadSummaryFile(f.now);
    const report::Comparison comparison = report::CompareSummaries(base, now, options);
    report::PrintComparison(std::cout, comparison, f.base, f.now);
    return static_cast<int>(comparison.Regressed() ? ExitCode::kRegression : ExitCode::kOk);
}

}  // namespace

CommandFn RegisterCompareCommand(CLI::App& app) {
    auto flags = std::make_shared<CompareFlags>();
    CLI::App* cmd = app.add_subcommand("compare", "Compare two --summary-json files and flag regressions (exit 6)");
    cmd->add_option("BASE", flags->base, "Summary of the reference run (--summary-json)")->required();
    cmd->add_option("NEW", flags->now, "Summary of the run to judge (--summary-json)")->required();
    cmd->add_option("--tolerance", flags->tolerance, "Allowed change in the worse direction, e.g. 10%")
        ->capture_default_str();
    cmd->add_option("--fail-on", flags->fail_on,
                    "Only these metrics fail the comparison (comma-separated: p50,p95,p99,max,error_rate,rps,"
                    "checks,dropped; default: all)")
        ->delimiter(',');
    return [flags] { return RunCompare(*flags); };
}

}  // namespace lse::cli
