#include "run_thresholds.hpp"

#include "lse/core/errors.hpp"
#include "lse/thresholds/evaluate.hpp"

namespace lse::cli {

RunThresholds RunThresholds::Parse(const std::vector<lua::ScenarioDef>& scenarios,
                                   const std::vector<std::string>& command_line) {
    RunThresholds out;
    std::vector<std::string> scenario_names;
    std::vector<std::string> all_tasks;
    for (const auto& s : scenarios) {
        scenario_names.push_back(s.name);
        std::vector<std::string> tasks;
        for (const auto& t : s.tasks) tasks.push_back(t.name);
        all_tasks.insert(all_tasks.end(), tasks.begin(), tasks.end());
        for (const auto& def : s.thresholds) {
            try {
                thresholds::Threshold t = thresholds::Parse(def.expression);
                if (t.scenario.empty() || t.scenario == s.name) {
                    thresholds::Validate(t, tasks);
                } else {
                    thresholds::ValidateScenario(t, scenario_names);
                }
                out.entries_.push_back(Entry{std::move(t), s.name});
            } catch (const UsageError& e) {
                throw UsageError(def.defined_at + ": scenario '" + s.name + "': " + e.what());
            }
        }
    }
    for (const std::string& expr : command_line) {
        try {
            thresholds::Threshold t = thresholds::Parse(expr);
            if (!t.scenario.empty()) thresholds::ValidateScenario(t, scenario_names);
            if (!t.task.empty()) {
                if (!t.scenario.empty()) {
                    for (const auto& s : scenarios) {
                        if (s.name != t.scenario) continue;
                        std::vector<std::string> tasks;
                        for (const auto& task : s.tasks) tasks.push_back(task.name);
                        thresholds::Validate(t, tasks);
                    }
                } else {
                    thresholds::Validate(t, all_tasks);
                }
            }
            // A command-line threshold without "scenario:" judges the whole run.
            out.entries_.push_back(Entry{std::move(t), ""});
        } catch (const UsageError& e) {
            throw UsageError(std::string("--threshold: ") + e.what());
        }
    }
    return out;
}

int RunThresholds::Report(std::ostream& out, const runtime::RunResult& result, std::int64_t load_ns,
                          std::vector<report::ScenarioInfo> scenarios) const {
    report::SummaryInput in(result.total, load_ns, 0, result.interrupted);
    in.scenarios = std::move(scenarios);
    const double load_s = load_ns / 1e9;
    for (const Entry& e : entries_) {
        in.verdicts.push_back(thresholds::Evaluate(e.threshold, result.total, e.scenario, load_s));
    }
    report::PrintSummary(out, in);
    return thresholds::AllPassed(in.verdicts) ? static_cast<int>(ExitCode::kOk)
                                              : static_cast<int>(ExitCode::kThresholdsFailed);
}

}  // namespace lse::cli
