#pragma once
/// @file
/// A typo in a global name (`chek(...)` for `check(...)`) reaches the user as LuaJIT's "attempt to call
/// global 'chek' (a nil value)": correct, but it does not say what was meant. The scenario options
/// already suggest the closest name; so do script errors, from the globals the state actually has.

#include <string>

struct lua_State;

namespace lse::lua {

/// When the first line of *message is LuaJIT's "attempt to call/index global 'NAME' (a nil value)" and a
/// global of the state is close to NAME, appends " (did you mean 'check'?)" to that line. Reads _G only (no
/// Lua code runs); leaves the stack as it was.
void AddGlobalSuggestion(lua_State* L, std::string* message);

}  // namespace lse::lua
