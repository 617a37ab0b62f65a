#pragma once
/// @file
/// The scenario{...} global and flow:task(): collect declarations into LoadContext while the
/// file's top level runs; FinalizeScenarios then reads hooks and tasks back from the objects.

struct lua_State;

namespace lse::lua::detail {

struct LoadContext;

void InstallScenarioGlobal(lua_State* L);

/// After the top level ran: fills tasks and has_* hooks of every def, checks that each scenario
/// has a task and that no function field is a misspelt hook (a name close to on_start, on_stop,
/// setup or teardown; other functions are helper methods). Throws lse::UsageError.
void FinalizeScenarios(lua_State* L, LoadContext* ctx);

}  // namespace lse::lua::detail
