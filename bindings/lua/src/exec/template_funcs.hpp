#pragma once
/// @file
/// The `lsengine` global: seq(), random(a, b), uuid(), vuser() for building request data.

struct lua_State;

namespace lse::lua::detail {

struct LoadContext;

/// Installs the global table `lsengine`; its functions use ctx (RNG, shared store), which must outlive L.
void InstallTemplateGlobals(lua_State* L, LoadContext* ctx);

}  // namespace lse::lua::detail
