#include "setup_data.hpp"

#include <lua.hpp>

#include "lse/core/errors.hpp"
#include "lse/lua/lua_json.hpp"

namespace lse::lua {
namespace {

// freeze(value): sets one shared guard metatable on every table of the decoded value. Lua code: the traversal is
// short and runs once per state.
constexpr char kFreezeSource[] = R"lua(
local setmetatable, pairs, type, error, tostring = setmetatable, pairs, type, error, tostring
local guard = {
  __newindex = function(_, key)
    error("setup data is read-only (tried to add '" .. tostring(key) .. "'): setup() ran once, and every " ..
          "virtual user gets the same value", 2)
  end,
  __metatable = false,
}
local function freeze(value)
  if type(value) ~= "table" then return value end
  for _, v in pairs(value) do freeze(v) end
  return setmetatable(value, guard)
end
return freeze
)lua";

}  // namespace

bool EncodeSetupData(lua_State* L, int index, std::string* json, std::string* error) {
    json->clear();
    if (lua_isnoneornil(L, index)) return true;
    std::string why;
    if (EncodeJson(L, index, json, &why)) return true;
    json->clear();
    *error = "setup() returned a value that cannot be passed to the virtual users (it must be JSON data: tables, "
             "strings, numbers, booleans): " + why;
    return false;
}

int RefSetupData(lua_State* L, const std::string& json) {
    std::string why;
    if (luaL_loadstring(L, kFreezeSource) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
        why = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
        lua_pop(L, 1);
        throw ScriptError("setup data: " + why);
    }
    if (!DecodeJsonAndPush(L, json, &why)) {
        lua_pop(L, 1);
        throw ScriptError("setup data is not valid JSON: " + why);
    }
    if (lua_pcall(L, 1, 1, 0) != 0) {
        why = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
        lua_pop(L, 1);
        throw ScriptError("setup data: " + why);
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

}  // namespace lse::lua
