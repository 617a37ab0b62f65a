#pragma once
/// @file
/// setup()'s return value (issue 11, k6's convention): encoded once as JSON where setup ran, then decoded into
/// every lua_State that runs the scenario (each worker thread, plan capture, teardown) and passed to on_start,
/// the tasks, on_stop and teardown as the argument after `http`. The JSON text is also what the plan carries.
///
/// Each state gets its own copy, frozen: adding a key anywhere in it raises "setup data is read-only", and its
/// metatables cannot be replaced. The tables stay plain tables (a proxy would break #, ipairs, pairs and
/// json.encode under LuaJIT's Lua 5.1 semantics), so changing an existing field is not caught: it would change
/// only this worker thread's copy.

#include <string>

struct lua_State;

namespace lse::lua {

/// Encodes the value at `index` (what setup() returned). nil gives an empty string (no setup data). False with
/// *error ("setup() returned a value that cannot be passed to the virtual users: $.f: cannot encode a function")
/// for functions, userdata, cycles and the other values JSON cannot carry.
bool EncodeSetupData(lua_State* L, int index, std::string* json, std::string* error);

/// Decodes `json` into L, freezes it and returns a registry reference to it. Throws lse::ScriptError when the
/// text is not valid JSON (it always is when it came from EncodeSetupData).
int RefSetupData(lua_State* L, const std::string& json);

}  // namespace lse::lua
