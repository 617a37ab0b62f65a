#include "group_binding.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <stdexcept>
#include <string>

#include "lse/metrics/stat_key.hpp"
#include "protected_call.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {
namespace {

// group() is Lua around two C functions: fn runs under pcall in the virtual user's own coroutine, so it may
// yield (requests, sleep) like any task code, which a lua_pcall from C would forbid. The originals of pcall
// and error are bound here, so a script that redefines them does not change what group() does. A bad call is
// reported by the Lua side (error(problem, 2)), so the message names the script's line, not this chunk's.
constexpr char kGroupSource[] = R"lua(
local enter, leave, pcall, error = ...
local function finish(outer, ok, ...)
  leave(outer)
  if not ok then error((...), 0) end
  return ...
end
return function(name, fn)
  local outer, problem = enter(name, fn)
  if not outer then error(problem, 2) end
  return finish(outer, pcall(fn))
end
)lua";

constexpr std::size_t kMaxGroupNameBytes = 200;

// Pushes the outer group's id, or nil and the problem.
int Enter(lua_State* L) {
    try {
        return ScenarioEngine::FromUpvalue(L)->GroupEnterCall(L);
    } catch (const std::exception& e) {
        lua_pushnil(L);
        lua_pushstring(L, e.what());
        return 2;
    }
}
int Leave(lua_State* L) { return ScenarioEngine::FromUpvalue(L)->GroupLeaveCall(L); }

void CheckGroupName(std::string_view name) {
    if (name.empty()) throw std::runtime_error("group(name, fn): the name is empty");
    if (name.size() > kMaxGroupNameBytes) {
        throw std::runtime_error("group(name, fn): the name is longer than " + std::to_string(kMaxGroupNameBytes) +
                                 " bytes");
    }
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            throw std::runtime_error("group(name, fn): the name contains a control character");
        }
    }
    // "::" joins nested groups: a name holding it would read as a nesting that did not happen.
    if (name.find(metrics::kGroupSeparator) != std::string_view::npos) {
        throw std::runtime_error("group(name, fn): '" + std::string(name) +
                                 "' contains '::', which joins nested groups; nest group() calls instead");
    }
}

}  // namespace

int ScenarioEngine::GroupEnterCall(lua_State* L) {
    Vu* vu = FindVu(L);
    if (vu == nullptr) {
        const bool main = lua_pushthread(L) == 1;
        lua_pop(L, 1);
        throw std::runtime_error(main ? "group() is not available at file level: call it in a task or hook"
                                     : "group() must be called by the virtual user's own code, not from inside a "
                                       "coroutine the script created");
    }
    if (lua_type(L, 1) != LUA_TSTRING) throw std::runtime_error("group(name, fn): argument #1 (name) must be a string");
    if (lua_type(L, 2) != LUA_TFUNCTION) {
        throw std::runtime_error("group(name, fn): argument #2 (fn) must be a function, got " +
                                 std::string(luaL_typename(L, 2)));
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    const std::string_view name(s, len);
    CheckGroupName(name);
    const int outer = vu->group;
    // Per iteration: a known group is found by (outer group, name) without building its path (no allocation).
    NameMap& children = group_children_[static_cast<size_t>(outer)];
    auto it = children.find(name);
    if (it == children.end()) {
        if (group_paths_.size() > metrics::kMaxGroupsPerScenario) {
            throw std::runtime_error("group('" + std::string(name) + "'): scenario '" + config_.scenario +
                                     "' already has " + std::to_string(metrics::kMaxGroupsPerScenario) +
                                     " groups; a group name must not carry ids (each group is a row of its own)");
        }
        const std::string& outer_path = group_paths_[static_cast<size_t>(outer)];
        group_paths_.push_back(outer_path.empty() ? std::string(name)
                                                  : outer_path + std::string(metrics::kGroupSeparator) +
                                                        std::string(name));
        group_children_.emplace_back();
        it = group_children_[static_cast<size_t>(outer)]
                 .emplace(std::string(name), static_cast<int>(group_paths_.size() - 1))
                 .first;
    }
    vu->group = it->second;
    lua_pushinteger(L, outer);
    return 1;
}

int ScenarioEngine::GroupLeaveCall(lua_State* L) {
    Vu* vu = FindVu(L);
    const lua_Integer outer = lua_tointeger(L, 1);
    if (vu != nullptr && outer >= 0 && static_cast<size_t>(outer) < group_paths_.size()) {
        vu->group = static_cast<int>(outer);
    }
    return 0;
}

void InstallGroupGlobal(lua_State* L, ScenarioEngine* engine) {
    if (luaL_loadbuffer(L, kGroupSource, sizeof(kGroupSource) - 1, "=group") != 0) {
        const std::string error = lua_tostring(L, -1);
        lua_pop(L, 1);
        throw std::logic_error("group(): " + error);
    }
    lua_pushlightuserdata(L, engine);
    lua_pushcclosure(L, &Enter, 1);
    lua_pushlightuserdata(L, engine);
    lua_pushcclosure(L, &Guarded<Leave>, 1);
    lua_getglobal(L, "pcall");
    lua_getglobal(L, "error");
    lua_call(L, 4, 1);  // only our chunk runs here: it cannot fail
    lua_setglobal(L, "group");
}

}  // namespace lse::lua
