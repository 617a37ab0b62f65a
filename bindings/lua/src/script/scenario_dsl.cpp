#include "scenario_dsl.hpp"

#include <algorithm>
#include <cmath>
#include <lua.hpp>

#include "load_context.hpp"
#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "option_validation.hpp"

namespace lse::lua::detail {
namespace {

constexpr char kContextKey[] = "lse.context";
constexpr char kScenarioMetaKey[] = "lse.ScenarioMeta";
const std::vector<std::string> kHooks = {"on_start", "on_stop", "setup", "teardown"};
const std::vector<std::string> kTaskOptions = {"weight", "on_extract_error"};
const std::vector<std::string> kExtractErrorPolicies = {"skip", "empty"};
constexpr char kTaskUsage[] = "flow:task(\"name\", function(self, http) ... end)";

// The *Impl functions push an error message and return -1 instead of raising, so that every
// C++ object they own is destroyed before lua_error unwinds the stack.
int Raise(lua_State* L, const std::string& message) {
    lua_pushlstring(L, message.data(), message.size());
    return -1;
}

// A declaration error: remembered so that ScriptState reports it as lse::UsageError even if
// the script wrapped the call in pcall.
int Usage(lua_State* L, LoadContext* ctx, const std::string& message) {
    if (ctx->usage_error.empty()) ctx->usage_error = message;
    return Raise(L, message);
}

bool IsScenarioObject(lua_State* L, int index) {
    if (!lua_istable(L, index) || !lua_getmetatable(L, index)) return false;
    lua_getfield(L, LUA_REGISTRYINDEX, kScenarioMetaKey);
    bool same = lua_rawequal(L, -1, -2) != 0;
    lua_pop(L, 2);
    return same;
}

std::string RawString(lua_State* L, int table, const char* key) {
    lua_getfield(L, table, key);
    std::string s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    return s;
}

int ScenarioImpl(lua_State* L, LoadContext* ctx) {
    std::string where = CallSite(L, 1);
    if (!ctx->loading) {
        return Raise(L, where + ": scenario{} can only be called at the top level of the file, while it loads");
    }
    if (!lua_istable(L, 1)) {
        return Usage(L, ctx,
                     where + ": scenario{...} expects a table of options, e.g. scenario { rps = 10, duration = \"1m\" }");
    }
    ScenarioDef def;
    def.defined_at = where;
    def.name = ctx->default_name;
    bool explicit_name = false;
    std::string error;
    if (!ParseScenarioOptions(L, 1, where, &def, &explicit_name, &error)) return Usage(L, ctx, error);
    for (size_t i = 0; i < ctx->defs.size(); ++i) {
        if (ctx->defs[i].name != def.name) continue;
        if (!explicit_name || !ctx->explicit_names[i]) {
            return Usage(L, ctx,
                         where + ": two scenarios in " + ctx->path + " use the name '" + def.name + "' (the other is at " +
                             ctx->defs[i].defined_at + "): give each one a name, scenario { name = \"...\", ... }");
        }
        return Usage(L, ctx, where + ": scenario '" + def.name + "' is already declared at " + ctx->defs[i].defined_at +
                                 ": scenario names must be unique in a file");
    }

    lua_settop(L, 1);
    lua_createtable(L, 0, 6);
    lua_newtable(L);
    lua_setfield(L, -2, "__tasks");
    lua_pushlstring(L, def.name.data(), def.name.size());
    lua_setfield(L, -2, "__name");
    lua_getfield(L, LUA_REGISTRYINDEX, kScenarioMetaKey);
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, kScenariosKey);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, static_cast<int>(ctx->defs.size() + 1));
    lua_pop(L, 1);
    ctx->defs.push_back(std::move(def));
    ctx->explicit_names.push_back(explicit_name);
    return 1;
}

int LuaScenario(lua_State* L) {
    int n = ScenarioImpl(L, GetContext(L));
    return n < 0 ? lua_error(L) : n;
}

int TaskImpl(lua_State* L, LoadContext* ctx) {
    std::string where = CallSite(L, 1);
    if (!IsScenarioObject(L, 1)) {
        return Usage(L, ctx, where + ": call task with a colon on the object scenario{} returned: " + kTaskUsage);
    }
    std::string prefix = where + ": scenario '" + RawString(L, 1, "__name") + "': ";
    if (!ctx->loading) return Raise(L, prefix + "tasks can only be added at the top level of the file, while it loads");
    int nargs = lua_gettop(L);
    if (lua_type(L, 2) != LUA_TSTRING || lua_objlen(L, 2) == 0) {
        return Usage(L, ctx, prefix + "task name must be a non-empty string: " + kTaskUsage);
    }
    std::string name = lua_tostring(L, 2);
    std::string task_prefix = prefix + "task '" + name + "': ";
    int fn = 3;
    double weight = 1;
    std::string on_extract_error = "skip";
    if (lua_istable(L, 3)) {
        fn = 4;
        lua_pushnil(L);
        while (lua_next(L, 3) != 0) {
            std::string key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            if (std::find(kTaskOptions.begin(), kTaskOptions.end(), key) == kTaskOptions.end()) {
                std::string shown = key.empty() ? "(a non-string key)" : "'" + key + "'";
                std::string hint = DidYouMeanSuffix(key, kTaskOptions);
                if (hint.empty()) hint = " (task options are weight and on_extract_error)";
                return Usage(L, ctx, task_prefix + "unknown option " + shown + hint);
            }
            lua_pop(L, 1);
        }
        lua_getfield(L, 3, "weight");
        if (!lua_isnil(L, -1)) {
            weight = lua_tonumber(L, -1);
            if (lua_type(L, -1) != LUA_TNUMBER || !(weight > 0) || !std::isfinite(weight)) {
                return Usage(L, ctx, task_prefix + "weight must be a number > 0");
            }
        }
        lua_pop(L, 1);
        lua_getfield(L, 3, "on_extract_error");
        if (!lua_isnil(L, -1)) {
            const std::string policy = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (std::find(kExtractErrorPolicies.begin(), kExtractErrorPolicies.end(), policy) ==
                kExtractErrorPolicies.end()) {
                const std::string shown = lua_type(L, -1) == LUA_TSTRING ? "'" + policy + "'" : luaL_typename(L, -1);
                std::string hint = DidYouMeanSuffix(policy, kExtractErrorPolicies);
                return Usage(L, ctx,
                             task_prefix + "on_extract_error must be \"skip\" or \"empty\", got " + shown + hint);
            }
            on_extract_error = policy;
        }
        lua_pop(L, 1);
    }
    if (!lua_isfunction(L, fn)) {
        return Usage(L, ctx, task_prefix + "expected a function after the name" + (fn == 4 ? " and options" : "") +
                                 ": " + kTaskUsage);
    }
    if (nargs > fn) return Usage(L, ctx, task_prefix + "unexpected extra arguments: " + kTaskUsage);

    lua_getfield(L, 1, "__tasks");
    int tasks = lua_gettop(L);
    size_t n = lua_objlen(L, tasks);
    for (size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, tasks, static_cast<int>(i));
        std::string other = RawString(L, -1, "name");
        std::string other_at = RawString(L, -1, "defined_at");
        lua_pop(L, 1);
        if (other == name) {
            return Usage(L, ctx, prefix + "task '" + name + "' is already declared at " + other_at +
                                     ": task names must be unique in a scenario");
        }
    }
    lua_createtable(L, 0, 5);
    lua_pushlstring(L, name.data(), name.size());
    lua_setfield(L, -2, "name");
    lua_pushnumber(L, weight);
    lua_setfield(L, -2, "weight");
    lua_pushlstring(L, on_extract_error.data(), on_extract_error.size());
    lua_setfield(L, -2, "on_extract_error");
    lua_pushvalue(L, fn);
    lua_setfield(L, -2, "fn");
    lua_pushlstring(L, where.data(), where.size());
    lua_setfield(L, -2, "defined_at");
    lua_rawseti(L, tasks, static_cast<int>(n + 1));
    lua_settop(L, 1);
    return 1;  // the scenario object, so calls can chain
}

int LuaTask(lua_State* L) {
    int n = TaskImpl(L, GetContext(L));
    return n < 0 ? lua_error(L) : n;
}

bool IsHook(const std::string& key) {
    for (const auto& h : kHooks) {
        if (h == key) return true;
    }
    return false;
}

// Reads hooks and tasks of the scenario object on top of the stack into def.
void FinalizeOne(lua_State* L, const LoadContext& ctx, ScenarioDef* def) {
    int obj = lua_gettop(L);
    std::string prefix = ": scenario '" + def->name + "': ";
    lua_pushnil(L);
    while (lua_next(L, obj) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            std::string key = lua_tostring(L, -2);
            if (key.rfind("__", 0) != 0) {
                bool is_fn = lua_isfunction(L, -1);
                if (IsHook(key)) {
                    if (!is_fn) {
                        throw UsageError(def->defined_at + prefix + "'" + key + "' must be a function: define it as " +
                                         "function flow:" + key + "(http) ... end");
                    }
                    if (key == "on_start") def->has_on_start = true;
                    if (key == "on_stop") def->has_on_stop = true;
                    if (key == "setup") def->has_setup = true;
                    if (key == "teardown") def->has_teardown = true;
                } else if (is_fn && !ClosestMatch(key, kHooks).empty()) {
                    // Other methods are helpers (self:login(http)); only names close to a hook
                    // are typos that would otherwise silently never run.
                    lua_Debug ar;
                    lua_pushvalue(L, -1);
                    lua_getinfo(L, ">S", &ar);
                    std::string at = ar.linedefined > 0 ? ctx.path + ":" + std::to_string(ar.linedefined)
                                                        : def->defined_at;
                    throw UsageError(at + prefix + "unknown hook '" + key + "'" + DidYouMeanSuffix(key, kHooks) +
                                     "; hooks are on_start, on_stop, setup and teardown (rename it if it is a "
                                     "helper method)");
                }
            }
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, obj, "__tasks");
    int tasks = lua_gettop(L);
    size_t n = lua_objlen(L, tasks);
    for (size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, tasks, static_cast<int>(i));
        TaskDef task;
        task.name = RawString(L, -1, "name");
        task.defined_at = RawString(L, -1, "defined_at");
        lua_getfield(L, -1, "weight");
        task.weight = lua_tonumber(L, -1);
        lua_pop(L, 1);
        task.on_extract_error = RawString(L, -1, "on_extract_error") == "empty" ? plan::OnExtractError::kEmpty
                                                                               : plan::OnExtractError::kSkip;
        lua_pop(L, 1);
        def->tasks.push_back(std::move(task));
    }
    lua_settop(L, obj);
    if (def->tasks.empty()) {
        throw UsageError("scenario '" + def->name + "' (" + def->defined_at + ") has no tasks: add " + kTaskUsage);
    }
}

}  // namespace

void SetContext(lua_State* L, LoadContext* ctx) {
    lua_pushlightuserdata(L, ctx);
    lua_setfield(L, LUA_REGISTRYINDEX, kContextKey);
}

LoadContext* GetContext(lua_State* L) {
    lua_getfield(L, LUA_REGISTRYINDEX, kContextKey);
    auto* ctx = static_cast<LoadContext*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return ctx;
}

std::string CallSite(lua_State* L, int level) {
    // Skip C frames (pcall(scenario, ...)) up to the first Lua line.
    lua_Debug ar;
    for (; lua_getstack(L, level, &ar) != 0; ++level) {
        if (lua_getinfo(L, "Sl", &ar) == 0 || ar.currentline <= 0) continue;
        std::string file = ar.source != nullptr && ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
        return file + ":" + std::to_string(ar.currentline);
    }
    return "?";
}

void InstallScenarioGlobal(lua_State* L) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kScenariosKey);

    lua_createtable(L, 0, 2);  // metatable of scenario objects
    lua_createtable(L, 0, 1);  // methods
    lua_pushcfunction(L, LuaTask);
    lua_setfield(L, -2, "task");
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, "scenario");
    lua_setfield(L, -2, "__name");
    lua_setfield(L, LUA_REGISTRYINDEX, kScenarioMetaKey);

    lua_pushcfunction(L, LuaScenario);
    lua_setglobal(L, "scenario");
}

void FinalizeScenarios(lua_State* L, LoadContext* ctx) {
    if (ctx->defs.empty()) {
        throw UsageError(ctx->path + " declares no scenario: add `local flow = scenario { ... }` at the top level " +
                         "and give it a task with " + kTaskUsage);
    }
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, kScenariosKey);
    int arr = lua_gettop(L);
    for (size_t i = 0; i < ctx->defs.size(); ++i) {
        lua_rawgeti(L, arr, static_cast<int>(i + 1));
        FinalizeOne(L, *ctx, &ctx->defs[i]);
        lua_pop(L, 1);
    }
    lua_settop(L, top);
}

}  // namespace lse::lua::detail
