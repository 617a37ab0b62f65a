#pragma once
/// @file
/// The capture-mode side of the engine (TaskInterceptor): turns the requests and sleeps of task
/// runs into plan steps, hands the script stand-in responses whose values become extraction rules
/// (response_values.hpp), and notes why a task cannot be replayed without Lua (it branches on a
/// response, reads r.error, it failed) or may not replay as written
/// (math.random, a check failing against a stand-in). Used by PlanCapture (plan_capture.hpp),
/// which runs the tasks one at a time: Begin/EndVu around BeginTask/EndTask.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <set>
#include <vector>

#include "lse/lua/lua_runner.hpp"
#include "lse/plan/plan.hpp"
#include "metric_capture.hpp"
#include "plan_capture_problems.hpp"
#include "plan_capture_templates.hpp"
#include "request_table.hpp"
#include "response_values.hpp"
#include "scenario_engine.hpp"

struct lua_State;

namespace lse::lua::capture {

/// Builds the PlannedRequest a task's http call describes (placeholders parsed into segments;
/// `default_expect` applies when the call gave no `expect`; `label` names response values in the name;
/// `default_max_redirects` when it gave no `redirects`: the scenario's / --max-redirects).
/// Response values keep their packed reference in Segment::a (the recorder turns it into a slot).
/// `ranges`, when given, is ExpectRanges of the set that applies, computed by the caller once for many requests
/// (a capture builds millions of them).
plan::PlannedRequest ToPlannedRequest(const RequestSpec& spec, const runtime::StatusSet& default_expect,
                                      const ValueLabeler& label = {},
                                      int default_max_redirects = http::kDefaultMaxRedirects,
                                      const std::vector<std::pair<int, int>>* ranges = nullptr);

/// Inclusive ranges of `set`; empty when it is the default (every 2xx and 3xx).
std::vector<std::pair<int, int>> ExpectRanges(const runtime::StatusSet& set);

class PlanRecorder final : public TaskInterceptor, public MetricCapture {
public:
    PlanRecorder(ScenarioEngine* engine, const LuaRunConfig& config);

    /// Sets up response values (stand-in responses) and wraps math.random in the engine's Lua state.
    void Install();

    /// Turns capture mode on for the state (placeholders, interception) or off.
    void SetActive(bool active);

    void BeginVu(int id);
    void BeginTask(Vu& vu, int task);
    void EndTask(const RunOutcome& outcome);
    void EndVu();
    void OnCheckFailed(std::string_view name);

    /// The plan so far (tasks, requests, vusers) and what was noted.
    plan::ScenarioPlan& Plan() noexcept { return plan_; }
    MessageList& Problems() noexcept { return problems_; }
    /// The script's data files, by declaration index (kData segments' feed): whole tables, except per_vu ones,
    /// whose rows went into the requests as literal text (their entry keeps only the columns), and unique ones,
    /// without the rows on_start already took (so no row is used twice).
    std::vector<plan::DataFeed> Feeds() const;
    MessageList& Warnings() noexcept { return warnings_; }
    /// After the last task: the plan's metric table (every metric the script declared in this state), without the
    /// steps of metrics that turned out not replayable (a not-replayable metric records nothing on agents).
    void FinishMetrics();
    /// After the plan was taken: frees what only the capture needed (the request index).
    void ReleaseCaptureState() noexcept { requests_.Release(); }

    // TaskInterceptor
    void OnTaskRequest(Vu& vu, const RequestSpec& spec, lua_State* L) override;
    void OnTaskSleep(Vu& vu, std::int64_t ns) override;
    void OnTaskCheck(Vu& vu, std::string_view name) override;
    // MetricCapture
    void OnMetricSample(lua_State* L, std::uint32_t metric, int value_index, bool set) override;

    // Called by the Lua C function this class installs.
    void OnMathRandom(lua_State* L);

private:
    // Response values used by a request: their Extraction on the step they come from (one per distinct
    // rule), the slot into the segment. Throws std::runtime_error (a Lua error) for a value of another iteration.
    void ResolveValues(plan::Template* t);
    std::uint32_t SlotFor(const ValueRule& rule);
    // Comparisons on response values that no check() consumed: a branch, a problem.
    void NoteBranches();
    std::string TaskLabel() const;  // "task 'browse' (file.lua:12)"

    ScenarioEngine* engine_;
    runtime::StatusSet default_expect_;
    std::vector<std::pair<int, int>> default_ranges_;  // ExpectRanges(default_expect_), built once
    // The last explicit `expect` and its ranges: a task's expect = {200, 404} is the same set for every user.
    runtime::StatusSet last_expect_;
    std::vector<std::pair<int, int>> last_ranges_;
    bool has_last_expect_ = false;
    int default_max_redirects_ = http::kDefaultMaxRedirects;
    std::vector<std::string> task_sites_;  // per task: where it was declared
    plan::ScenarioPlan plan_;
    RequestTable requests_{&plan_.requests};
    // Per task: the request names seen (bounded, lse/metrics/stat_key.hpp): past the cap, names become "(other)".
    std::vector<std::set<std::string, std::less<>>> task_names_;
    MessageList problems_;
    MessageList warnings_;

    std::unique_ptr<ResponseValues> values_;
    bool active_ = false;
    plan::VuPlan current_vu_;
    int current_task_ = -1;
    std::uint32_t next_slot_ = 0;   // the current iteration's next value slot
    bool check_on_values_ = false;  // the last check() compared response values
    bool used_math_random_ = false;
    // By declared metric (LoadContext::declared_metrics): fed a value agents cannot compute; warned once each.
    std::vector<bool> metric_not_replayable_;
    void MarkNotReplayable(lua_State* L, std::uint32_t metric, const std::string& why);
};

}  // namespace lse::lua::capture
