#pragma once
/// @file
/// group("checkout", function() ... end): names the requests made inside it (k6's group). The group path
/// ("checkout", nested "checkout::payment") becomes a field of their stat keys (lse/metrics/stat_key.hpp), so
/// every output shows it and thresholds can read it (group:checkout.p95 < 500ms).

struct lua_State;

namespace lse::lua {

class ScenarioEngine;

/// Installs the global `group(name, fn)`: calls fn() with the virtual user inside the group, returns what fn
/// returns, and re-raises an error of fn after leaving the group. fn may make requests and sleep (yield).
void InstallGroupGlobal(lua_State* L, ScenarioEngine* engine);

}  // namespace lse::lua
