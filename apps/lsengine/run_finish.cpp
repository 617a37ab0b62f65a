#include "run_finish.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

#include "lse/core/errors.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/summary_model.hpp"

namespace lse::cli {
namespace {

struct Failure {
    ExitCode code;
    std::string reason;
};

// Every failure beyond threshold verdicts, most important first (see FinishRun's precedence).
std::vector<Failure> RunFailures(const report::SummaryInput& in, const RunThresholds& thresholds, const RunEnd& end) {
    std::vector<Failure> failures;
    if (end.interrupted) failures.push_back({ExitCode::kInterrupted, "interrupted"});
    if (!end.infrastructure_failure.empty()) {
        failures.push_back({ExitCode::kInfrastructure, end.infrastructure_failure});
    }
    // Planned arrivals that nobody sent (or reported) leave the totals short of the plan: never a green run.
    for (const report::AgentResult& a : end.agents) {
        char when[32];
        std::snprintf(when, sizeof when, "%.1f s", static_cast<double>(a.last_seen_ns) / 1e9);
        if (a.lost <= 0) {
            // No arrivals to account (closed model): what it sent after its last report is missing all the same.
            if (!a.final_received || a.unreported_requests > 0) {
                failures.push_back({ExitCode::kInfrastructure,
                                    a.status.id + " stopped reporting at " + when + " without its final totals: " +
                                        (a.unreported_requests > 0
                                             ? "~" + std::to_string(a.unreported_requests) +
                                                   " requests it sent are not in the totals (estimated from its "
                                                   "last rate)"
                                             : "what it sent after its last report is not in the totals")});
            }
            continue;
        }
        failures.push_back({ExitCode::kInfrastructure,
                            a.status.id + " lost at " + when + ": " + std::to_string(a.lost - a.unreported_estimate) +
                                " planned arrivals never sent, ~" + std::to_string(a.unreported_estimate) +
                                " sent but unreported (estimated from its last rate)"});
    }
    if (!end.broken_script.empty()) failures.push_back({ExitCode::kScript, end.broken_script});
    if (!end.allow_script_errors) {
        for (const report::ScenarioSummary& s : report::BuildSummaryModel(in).scenarios) {
            if (s.script_errors == 0 || thresholds.JudgesIterationFailures(s.info.name)) continue;
            std::string reason = std::to_string(s.script_errors) + " iteration" + (s.script_errors == 1 ? "" : "s") +
                                 " of scenario '" + s.info.name + "' failed with script errors";
            for (const report::ErrorRow& e : s.errors) {
                if (e.kind != ErrorKind::kScript || e.scope != "task") continue;
                reason += " (" + std::to_string(e.count) + " x task " + e.task + ": " + e.message + ")";
                break;
            }
            failures.push_back({ExitCode::kScriptErrors, std::move(reason)});
        }
    }
    const metrics::RequestStats& t = in.total.total;
    if (t.requests > 0 && t.ok == 0) {
        failures.push_back({ExitCode::kNothingSucceeded,
                            "no request succeeded (" + std::to_string(t.requests) + " sent, all failed)"});
    }
    return failures;
}

}  // namespace

int FinishRun(std::ostream& out, const RunThresholds& thresholds, const ThresholdWatch* watch, RunOutputs& outputs,
              RunEnd end, const std::function<void(std::ostream&)>& after_summary) {
    report::SummaryInput in(end.total, end.load_ns, 0, end.interrupted);
    in.scenarios = std::move(end.scenarios);
    in.stopped_early = (watch != nullptr && watch->Stopped()) || !end.broken_script.empty();
    in.arrivals = end.arrivals;
    in.not_replayable_metrics = std::move(end.not_replayable_metrics);
    in.regions = std::move(end.regions);
    int exit_code = thresholds.Report(out, &in, watch);
    if (after_summary) {
        std::ostringstream after;
        after_summary(after);
        out << after.str();
        // The summary said it above the verdicts; after a long agent table, say it again where the eye lands.
        const std::string warning = report::SaturationWarning(in.total);
        if (!after.str().empty() && !warning.empty()) out << "\nwarning: " << warning << "\n";
    }
    std::string stop_reason;
    if (watch != nullptr && watch->Stopped()) {
        stop_reason = watch->Reason();
    } else if (!end.broken_script.empty()) {
        stop_reason = end.broken_script;
    } else if (end.interrupted) {
        stop_reason = "interrupted";
    } else if (!end.infrastructure_failure.empty()) {
        stop_reason = end.infrastructure_failure;
    }
    std::vector<std::string> reasons;
    const std::vector<Failure> failures = RunFailures(in, thresholds, end);
    if (!failures.empty()) exit_code = static_cast<int>(failures.front().code);
    for (const Failure& f : failures) reasons.push_back(f.reason);
    if (exit_code == static_cast<int>(ExitCode::kThresholdsFailed)) reasons.push_back("thresholds failed");
    for (const std::string& n : end.notes) out << "\nnote: " << report::Printable(n) << "\n";
    if (!reasons.empty()) {
        out << "\nFAIL (exit " << exit_code << "):";
        for (const std::string& r : reasons) out << "\n  - " << report::Printable(r);
        out << "\n";
    }
    out.flush();
    try {
        report::RunOutcome outcome{in, std::move(end.agents), exit_code, stop_reason, std::move(reasons)};
        outcome.complete = end.infrastructure_failure.empty() && end.arrivals.lost == 0;
        outcome.notes = std::move(end.notes);
        outputs.End(outcome);
    } catch (const Error& e) {
        // The run's results are on stdout already: say what could not be written, and fail the command.
        std::cerr << "lsengine: " << e.what() << "\n";
        exit_code = static_cast<int>(e.code());
    }
    return exit_code;
}

}  // namespace lse::cli
