#pragma once
/// @file
/// The Lua-facing functions of the runtime: the `http` object handed to hooks and tasks
/// (get/post/put/patch/delete/head/request) and the globals check(name, cond) and sleep(d).
/// Each is a C closure over its ScenarioEngine; the engine finds the calling virtual user
/// from the running coroutine.

struct lua_State;

namespace lse::lua {

class ScenarioEngine;

/// Pushes a new `http` object whose methods call into `engine`.
void PushHttpObject(lua_State* L, ScenarioEngine* engine);

/// Sets the globals check and sleep (closures over `engine`).
void InstallRuntimeGlobals(lua_State* L, ScenarioEngine* engine);

}  // namespace lse::lua
