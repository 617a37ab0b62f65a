#pragma once
/// @file
/// Distributed runs, coordinator side: turning a Lua scenario into a plan::ScenarioPlan that
/// agents replay natively (without Lua).
///
/// Capture runs on_start for real (against config.target) for every virtual user and, as soon as a user's
/// on_start ended well, every task once for it in CAPTURE MODE:
///  - http calls in a task are recorded as plan::PlannedRequest (method, absolute URL, headers
///    including the virtual user's cookies, body, stats name, expect ranges, timeout) and NOT sent;
///    they return a stand-in response whose `status` is the first accepted status (200 by default)
///    and whose `ok` is true. Checks on them are allowed (agents enforce `expect` natively and do
///    not evaluate check()).
///  - reading r.body, r.headers, r.error or calling r:json() raises a Lua error and makes the task a
///    problem: agents cannot feed responses back into Lua.
///  - lsengine.seq() / random(a, b) / uuid() return placeholders that become template segments
///    wherever they end up (URL, query, header values, body, JSON values); lsengine.vuser() and
///    self.id return the real id. Arithmetic on a placeholder is a Lua error (reported as a problem).
///  - a row of a data file (lsengine.data, sequential/random/unique) read in a task has placeholder fields that
///    become kData segments: the agent draws the row per iteration from its slice (per_vu rows are literal).
///  - sleep(d) in a task becomes a pause step.
///  - a task is captured ONCE per virtual user: choices it makes with math.random are frozen per
///    virtual user (reported as a warning).
/// setup/teardown are not run here: run them with RunScenarioHook (lifecycle.hpp) before Capture and
/// after RunOnStop, with the same config.shared.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lse/lua/lua_runner.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/plan/plan.hpp"

namespace lse::lua {

struct CaptureOutcome {
    plan::ScenarioPlan plan;  ///< tasks, deduplicated request table, one VuPlan per prepared virtual user
    /// The script's data files (lsengine.data), by declaration index: what kData segments refer to (Plan::feeds).
    std::vector<plan::DataFeed> feeds;
    /// Why the plan cannot be replayed faithfully, each naming the task and file:line; identical
    /// messages from several virtual users appear once ("... (12 virtual users)"). Empty = replayable.
    std::vector<std::string> problems;
    /// Not blocking: on_start failures (those virtual users are left out of the plan), failed checks
    /// or requests in on_start, checks failing against stand-in responses, math.random in tasks.
    std::vector<std::string> warnings;
    int vusers_prepared = 0;  ///< on_start succeeded (or there is none): these have a VuPlan
    int vusers_failed = 0;    ///< on_start raised an error
    /// Capture's `cancelled` said true (Ctrl-C) during on_start: the users still in it were aborted, no task was
    /// captured and the plan is empty; RunOnStop still serves the users whose on_start finished.
    bool cancelled = false;
    double seconds = 0;  ///< how long Capture took: every on_start and the capture of every user's tasks
};

/// Owns a private uv loop, http::Client and the scenario's Lua state; every call blocks until done.
/// Not thread-safe; keep the object alive between Capture and RunOnStop when the scenario has an on_stop hook.
///
/// Memory: the users stream through on_start_concurrency engine slots (a user's tasks are captured as soon as its
/// on_start ends), so the Lua state does not grow with the number of users. After Capture the object keeps,
/// per prepared user, only what on_stop needs: nothing when the scenario has no on_stop (the Lua state itself is
/// released then), else its `self` table in the Lua state (about 100 bytes plus what on_start stored in it), 8
/// bytes of reference, and its cookie jar only when that holds cookies. Its coroutine is never kept.
class PlanCapture {
public:
    /// Loads config->script_path (throws lse::ScriptError / lse::UsageError like ScriptState, and for
    /// an unknown config->scenario).
    explicit PlanCapture(std::shared_ptr<const LuaRunConfig> config);
    ~PlanCapture();
    PlanCapture(const PlanCapture&) = delete;
    PlanCapture& operator=(const PlanCapture&) = delete;

    /// Runs on_start for virtual users 1..vusers (config->on_start_concurrency at a time) and, as each one's
    /// on_start ends, every task once for it in capture mode. plan.vusers is sorted by id. `load` is copied into plan.load. Call once
    /// (lse::UsageError otherwise); vusers < 1 is a lse::UsageError. `cancelled` (e.g. a Ctrl-C flag) is polled
    /// about every 20 ms during on_start; see CaptureOutcome::cancelled.
    CaptureOutcome Capture(int vusers, const plan::LoadShape& load, const std::function<bool()>& cancelled = {});

    /// Runs on_stop (real requests) for every prepared virtual user, config->on_start_concurrency at a
    /// time; call after the distributed run or dry run. Returns its failures (script errors with
    /// file:line, failed checks, failed requests), deduplicated; empty when all went well. Call once.
    std::vector<std::string> RunOnStop();

    /// What on_start (during Capture) and on_stop (RunOnStop) measured: their requests and checks, keyed
    /// exactly as in a single-node run (lse/metrics/stat_key.hpp: R/C keys with task "on_start"/"on_stop",
    /// outside Snapshot::total), so a distributed summary merges them in and shows the same lifecycle rows
    /// and checks. The capture-mode task runs are not in it (they send nothing; their checks see stand-ins).
    const metrics::Snapshot& LifecycleMetrics() const;

    /// The Lua heap this object holds now, in bytes, after a full garbage collection: 0 once its Lua state is
    /// released (after Capture of a scenario without on_stop, after RunOnStop). For memory tests.
    std::size_t LuaBytes();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lse::lua
