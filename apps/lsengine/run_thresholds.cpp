#include "run_thresholds.hpp"

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"

namespace lse::cli {
namespace {

std::string Trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return "";
    const auto last = s.find_last_not_of(" \t");
    return std::string(s.substr(first, last - first + 1));
}

// "error_rate < 5%, delay=10s" -> the expression and its delay. A comma inside "[...]" belongs to a
// request name, so only the first comma outside brackets starts the options.
std::string SplitAbortOptions(const std::string& text, std::int64_t* delay_ns) {
    int depth = 0;
    std::size_t comma = std::string::npos;
    for (std::size_t i = 0; i < text.size() && comma == std::string::npos; ++i) {
        if (text[i] == '[') ++depth;
        if (text[i] == ']' && depth > 0) --depth;
        if (text[i] == ',' && depth == 0) comma = i;
    }
    if (comma == std::string::npos) return text;
    const std::string where = "--threshold-abort '" + text + "': ";
    std::string_view rest = std::string_view(text).substr(comma + 1);
    while (true) {
        const std::size_t next = rest.find(',');
        const std::string option = Trim(rest.substr(0, next));
        const std::size_t eq = option.find('=');
        const std::string key = Trim(option.substr(0, eq));
        if (key != "delay") {
            throw UsageError(where + "unknown option '" + key + "'" + DidYouMeanSuffix(key, {"delay"}) +
                             " (options: delay=DURATION, e.g. \"error_rate < 5%, delay=10s\")");
        }
        if (eq == std::string::npos) throw UsageError(where + "delay needs a value, e.g. delay=10s");
        *delay_ns = ParseDurationNs(Trim(option.substr(eq + 1)), "--threshold-abort delay");
        if (next == std::string_view::npos) break;
        rest = rest.substr(next + 1);
    }
    return text.substr(0, comma);
}

// Validates a command-line threshold against the scenarios of the file (their names and tasks).
void ValidateCommandLine(const thresholds::Threshold& t, const std::vector<lua::ScenarioDef>& scenarios,
                         const std::vector<std::string>& scenario_names, const std::vector<std::string>& all_tasks) {
    if (!t.scenario.empty()) thresholds::ValidateScenario(t, scenario_names);
    if (t.task.empty()) return;
    if (t.scenario.empty()) {
        thresholds::Validate(t, all_tasks);
        return;
    }
    for (const auto& s : scenarios) {
        if (s.name != t.scenario) continue;
        std::vector<std::string> tasks;
        for (const auto& task : s.tasks) tasks.push_back(task.name);
        thresholds::Validate(t, tasks);
    }
}

}  // namespace

RunThresholds RunThresholds::Parse(const std::vector<lua::ScenarioDef>& scenarios,
                                   const std::vector<std::string>& command_line,
                                   const std::vector<std::string>& abort_command_line) {
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
                out.entries_.push_back(Entry{std::move(t), s.name, def.abort_on_fail, def.delay_ns});
            } catch (const UsageError& e) {
                throw UsageError(def.defined_at + ": scenario '" + s.name + "': " + e.what());
            }
        }
    }
    // A command-line threshold without "scenario:" judges the whole run.
    for (const std::string& expr : command_line) {
        try {
            thresholds::Threshold t = thresholds::Parse(expr);
            ValidateCommandLine(t, scenarios, scenario_names, all_tasks);
            out.entries_.push_back(Entry{std::move(t), "", false, 0});
        } catch (const UsageError& e) {
            throw UsageError(std::string("--threshold: ") + e.what());
        }
    }
    for (const std::string& text : abort_command_line) {
        std::int64_t delay_ns = 0;
        const std::string expr = SplitAbortOptions(text, &delay_ns);  // its messages name the flag already
        try {
            thresholds::Threshold t = thresholds::Parse(expr);
            ValidateCommandLine(t, scenarios, scenario_names, all_tasks);
            out.entries_.push_back(Entry{std::move(t), "", true, delay_ns});
        } catch (const UsageError& e) {
            throw UsageError(std::string("--threshold-abort: ") + e.what());
        }
    }
    return out;
}

std::vector<std::string> RunThresholds::Expressions() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) {
        out.push_back((e.scenario.empty() ? "" : e.scenario + ": ") + e.threshold.expression +
                      (e.abort_on_fail ? " (abort on fail)" : ""));
    }
    return out;
}

bool RunThresholds::HasAbortThresholds() const noexcept {
    for (const Entry& e : entries_) {
        if (e.abort_on_fail) return true;
    }
    return false;
}

std::unique_ptr<ThresholdWatch> RunThresholds::MakeWatch(ThresholdWatch::StopFn stop) const {
    std::vector<WatchedThreshold> watched;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        if (e.abort_on_fail) watched.push_back(WatchedThreshold{e.threshold, e.scenario, e.delay_ns, i});
    }
    if (watched.empty()) return nullptr;
    return std::make_unique<ThresholdWatch>(std::move(watched), std::move(stop));
}

std::vector<thresholds::Verdict> RunThresholds::Verdicts(const metrics::Snapshot& total, std::int64_t load_ns,
                                                          const ThresholdWatch* watch,
                                                          std::span<const std::string> not_replayable_metrics,
                                                          const thresholds::RegionSnapshots& regions) const {
    std::vector<thresholds::Verdict> verdicts;
    const double load_s = static_cast<double>(load_ns) / 1e9;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (watch != nullptr && watch->Stopped() && watch->FailedId() == i) {
            thresholds::Verdict v = *watch->Failure();
            v.actual_text += " at " + FormatDurationNs(watch->FailedAtNs()) + ", stopped the run";
            verdicts.push_back(std::move(v));
            continue;
        }
        const Entry& e = entries_[i];
        verdicts.push_back(
            thresholds::Evaluate(e.threshold, total, regions, e.scenario, load_s, not_replayable_metrics));
    }
    return verdicts;
}

int RunThresholds::ExitCodeFor(const std::vector<thresholds::Verdict>& verdicts) noexcept {
    return thresholds::AllPassed(verdicts) ? static_cast<int>(ExitCode::kOk)
                                           : static_cast<int>(ExitCode::kThresholdsFailed);
}

int RunThresholds::Report(std::ostream& out, const runtime::RunResult& result, std::int64_t load_ns,
                          std::vector<report::ScenarioInfo> scenarios, const ThresholdWatch* watch) const {
    report::SummaryInput in(result.total, load_ns, 0, result.interrupted);
    in.scenarios = std::move(scenarios);
    return Report(out, &in, watch);
}

bool RunThresholds::JudgesIterationFailures(const std::string& scenario) const {
    for (const Entry& e : entries_) {
        const thresholds::Threshold& t = e.threshold;
        if (t.metric != thresholds::Metric::kIterationFailures) continue;
        if (thresholds::IsLifecycleTask(t.task)) continue;
        const std::string& of = !t.scenario.empty() ? t.scenario : e.scenario;
        if (of.empty() || of == scenario) return true;
    }
    return false;
}

int RunThresholds::Report(std::ostream& out, report::SummaryInput* in, const ThresholdWatch* watch) const {
    in->verdicts = Verdicts(in->total, in->duration_ns, watch, in->not_replayable_metrics, in->regions);
    report::PrintSummary(out, *in);
    if (watch != nullptr && watch->Stopped()) out << "stopped early: " << watch->Reason() << "\n";
    return ExitCodeFor(in->verdicts);
}

}  // namespace lse::cli
