#pragma once
/// @file
/// The Lua side of SharedStore: copying values in and out, and the `shared` proxy global.

#include <string>

#include "lse/lua/shared_store.hpp"

struct lua_State;

namespace lse::lua {

/// Copies the Lua value at `index` (nil, boolean, number, string, table of those; no cycles).
/// `path` names the value in errors ("shared.cfg.hosts[2]"). Never raises a Lua error.
bool ToSharedValue(lua_State* L, int index, const std::string& path, SharedValue* out, std::string* error);

/// Pushes a fresh Lua copy of `value` (tables become new tables).
void PushSharedValue(lua_State* L, const SharedValue& value);

/// Installs the global `shared` proxy for `store` (which must outlive L).
void InstallSharedGlobal(lua_State* L, SharedStore* store);

}  // namespace lse::lua
