#pragma once
/// @file
/// Running a scenario outside a load run: its setup()/teardown() hooks (once per
/// run, on the coordinating thread) and --dry-run.

#include <string>
#include <vector>

#include "lse/lua/lua_runner.hpp"

namespace lse::lua {

/// Runs the scenario's `setup` or `teardown` method once (virtual user id 0) on a private
/// loop and client, if the scenario defines it. Whatever it stores in `shared` is visible to
/// every virtual user. Throws lse::ScriptError (file:line, traceback) if it fails, or if setup
/// returned a value that cannot be passed on (a function, userdata, a cycle).
/// Returns what setup() returned, as JSON (empty: nil, no setup, or teardown): the caller puts it in
/// LuaRunConfig::setup_data so that the later phases get it (teardown gets config.setup_data).
std::string RunScenarioHook(const LuaRunConfig& config, const std::string& hook);

struct DryRunResult {
    std::vector<CapturedRequest> requests;  ///< everything sent, in order, per phase
    std::vector<std::string> problems;      ///< each failure: script errors (file:line), failed checks,
                                            ///< transport errors, unexpected statuses; empty = all good
    int vusers_prepared = 0;                ///< on_start succeeded
    int vusers_failed = 0;                  ///< on_start failed
};

/// --dry-run for one scenario: setup, on_start for `vusers` virtual users (bounded concurrency),
/// one iteration of every task (each task once, on virtual user 1, in declaration order), on_stop
/// for every prepared virtual user, teardown. Real requests against config.target.
DryRunResult DryRunScenario(const LuaRunConfig& config, int vusers);

}  // namespace lse::lua
