#include "run_finish.hpp"

#include <iostream>

#include "lse/core/errors.hpp"

namespace lse::cli {

int FinishRun(std::ostream& out, const RunThresholds& thresholds, const ThresholdWatch* watch, RunOutputs& outputs,
              RunEnd end, const std::function<void(std::ostream&)>& after_summary) {
    report::SummaryInput in(end.total, end.load_ns, 0, end.interrupted);
    in.scenarios = std::move(end.scenarios);
    int exit_code = thresholds.Report(out, &in, watch);
    if (after_summary) after_summary(out);
    out.flush();
    std::string stop_reason;
    if (watch != nullptr && watch->Stopped()) {
        stop_reason = watch->Reason();
    } else if (end.interrupted) {
        stop_reason = "interrupted";
    }
    try {
        outputs.End(report::RunOutcome{in, std::move(end.agents), exit_code, stop_reason});
    } catch (const Error& e) {
        // The run's results are on stdout already: say what could not be written, and fail the command.
        std::cerr << "lsengine: " << e.what() << "\n";
        exit_code = static_cast<int>(e.code());
    }
    return exit_code;
}

}  // namespace lse::cli
