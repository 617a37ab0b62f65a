#pragma once
/// @file
/// Validation of the scenario{...} options table into a ScenarioDef.

#include <string>

#include "lse/lua/scenario_def.hpp"

struct lua_State;

namespace lse::lua::detail {

/// Reads the options table at `index` into *def (name must already hold the default name; the
/// `name` option replaces it). On the first problem returns false with *error =
/// "<where>: scenario '<name>': <problem>". Never raises a Lua error. *explicit_name tells
/// whether `name =` was given.
bool ParseScenarioOptions(lua_State* L, int index, const std::string& where, ScenarioDef* def, bool* explicit_name,
                          std::string* error);

/// Reads a duration option value at `index`: a string such as "1m30s" or a number of seconds.
bool ReadDurationValue(lua_State* L, int index, const std::string& what, bool allow_zero, std::int64_t* out,
                       std::string* error);

}  // namespace lse::lua::detail
