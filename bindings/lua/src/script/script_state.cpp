#include "lse/lua/script_state.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <lua.hpp>
#include <random>
#include <string>
#include <utility>

#include "load_context.hpp"
#include "lse/core/errors.hpp"
#include "lse/lua/lua_json.hpp"
#include "lse/lua/shared_store.hpp"
#include "scenario_dsl.hpp"
#include "shared_proxy.hpp"
#include "template_funcs.hpp"

namespace lse::lua {
namespace {

// Message handler for lua_pcall: appends the traceback while the failing frames still exist.
int Traceback(lua_State* L) {
    const char* msg = lua_tostring(L, 1);
    if (msg == nullptr) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

std::string DefaultName(const std::string& path) {
    std::string name = path;
    auto slash = name.find_last_of('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".lua") == 0) name.resize(name.size() - 4);
    return name;
}

// Registry field holding the state's ScriptState::Budget (light userdata) for the count hook.
constexpr char kBudgetKey[] = "lse.budget";
// Instructions between two calls of the count hook: the hook then costs nothing measurable.
constexpr std::int64_t kBudgetHookPeriod = 10'000;

// The count hook: charges the running code and stops it once over budget. No C++ object with a destructor may be
// alive when lua_error unwinds, so the message is built in plain buffers.
void BudgetHook(lua_State* L, lua_Debug* /*ar*/) {
    lua_getfield(L, LUA_REGISTRYINDEX, kBudgetKey);
    auto* b = static_cast<ScriptState::Budget*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    if (b == nullptr || b->used == nullptr) return;
    *b->used += b->period;
    if (*b->used <= b->max) return;
    // Stays over budget: code that catches the error with pcall is stopped again at the next hook call.
    char where[LUA_IDSIZE + 24] = "?:";
    lua_Debug frame;
    if (lua_getstack(L, 0, &frame) != 0 && lua_getinfo(L, "Sl", &frame) != 0 && frame.currentline > 0) {
        std::snprintf(where, sizeof(where), "%s:%d:", frame.short_src, frame.currentline);
    }
    char what[160];
    if (b->task.empty()) {
        std::snprintf(what, sizeof(what), "%.*s", static_cast<int>(b->phase.size()), b->phase.data());
    } else {
        std::snprintf(what, sizeof(what), "%.*s '%.*s'", static_cast<int>(b->phase.size()), b->phase.data(),
                      static_cast<int>(b->task.size()), b->task.data());
    }
    char max[24];
    std::snprintf(max, sizeof(max), "%lld", static_cast<long long>(b->max));
    lua_pushfstring(L,
                    "%s %s ran more than %s Lua instructions without finishing (a runaway loop?) and was stopped; "
                    "raise the budget with max_instructions in scenario{} or --max-instructions (0 = no limit)",
                    where, what, max);
    lua_error(L);
}

// package.path with the script's directory first, so `require "lib.util"` finds <dir>/lib/util.lua wherever
// lsengine was started from (Lua's default path is relative to the working directory).
void PrependScriptDirToPath(lua_State* L, const std::string& dir) {
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, -1, "path");
    const char* old = lua_tostring(L, -1);
    const std::string path = dir + "/?.lua;" + dir + "/?/init.lua;" + (old != nullptr ? old : "");
    lua_pop(L, 1);
    lua_pushlstring(L, path.data(), path.size());
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
}

std::string PopMessage(lua_State* L) {
    const char* s = lua_tostring(L, -1);
    std::string msg = s != nullptr ? s : "(error object is not a string)";
    lua_pop(L, 1);
    return msg;
}

}  // namespace

std::string ExpandChunkNames(const std::string& message, const std::string& path) {
    // LuaJIT shortens "@path" chunk names of 60+ characters to "..." + the last 56 (LUA_IDSIZE).
    constexpr size_t kIdSize = LUA_IDSIZE;
    if (path.size() < kIdSize) return message;
    std::string shortened = "..." + path.substr(path.size() - (kIdSize - 4)) + ":";
    std::string full = path + ":";
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t hit = message.find(shortened, pos);
        if (hit == std::string::npos) break;
        out.append(message, pos, hit - pos);
        out += full;
        pos = hit + shortened.size();
    }
    out.append(message, pos, std::string::npos);
    return out;
}

std::string ScriptDirectory(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

ScriptState::ScriptState(const std::string& path, ScriptLoadOptions options)
    : path_(path),
      ctx_(std::make_unique<detail::LoadContext>()),
      env_(options.env ? std::move(options.env) : std::make_shared<ScriptEnv>()) {
    ctx_->path = path;
    ctx_->default_name = DefaultName(path);
    ctx_->shared = options.shared ? options.shared : std::make_shared<SharedStore>();
    ctx_->rng.seed(options.seed != 0 ? options.seed : std::random_device{}());

    if (std::FILE* f = std::fopen(path.c_str(), "r")) {
        std::fclose(f);
    } else {
        throw UsageError("cannot open " + path + ": " + std::strerror(errno));
    }

    L_ = luaL_newstate();
    if (L_ == nullptr) throw SetupError("cannot create a Lua state (out of memory)");
    try {
        luaL_openlibs(L_);
        budget_.max = std::max<std::int64_t>(0, options.max_instructions);
        if (budget_.max > 0) {
            // A compiled trace never calls the count hook (`while true do end` would run forever): interpret.
            luaJIT_setmode(L_, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
            budget_.period = std::min(kBudgetHookPeriod, budget_.max);
            lua_pushlightuserdata(L_, &budget_);
            lua_setfield(L_, LUA_REGISTRYINDEX, kBudgetKey);
            lua_sethook(L_, BudgetHook, LUA_MASKCOUNT, static_cast<int>(budget_.period));
        }
        detail::SetContext(L_, ctx_.get());
        detail::InstallScenarioGlobal(L_);
        InstallSharedGlobal(L_, ctx_->shared.get());
        InstallJsonGlobal(L_);
        detail::InstallTemplateGlobals(L_, ctx_.get());
        detail::InstallScriptEnv(L_, env_.get());
        PrependScriptDirToPath(L_, ScriptDirectory(path));
        if (options.install_runtime) options.install_runtime(L_);
        Load();
    } catch (...) {
        lua_close(L_);
        L_ = nullptr;
        throw;
    }
}

void ScriptState::Load() {
    lua_pushcfunction(L_, Traceback);
    int handler = lua_gettop(L_);
    int status = luaL_loadfile(L_, path_.c_str());  // chunk name "@<path as given>"
    if (status == LUA_ERRFILE) throw UsageError("cannot open " + path_ + ": " + PopMessage(L_));
    if (status != 0) throw ScriptError(ExpandChunkNames(PopMessage(L_), path_));
    std::int64_t top_level_instructions = 0;
    ChargeTo(&top_level_instructions, "the file's top level", {});
    status = lua_pcall(L_, 0, 0, handler);
    ChargeTo(nullptr, {}, {});
    if (status != 0) {
        std::string msg = ExpandChunkNames(PopMessage(L_), path_);
        // A declaration error wins over the Lua error it caused (same text, but typed as usage).
        if (!ctx_->usage_error.empty()) throw UsageError(ctx_->usage_error);
        throw ScriptError(msg);
    }
    lua_settop(L_, 0);
    if (!ctx_->usage_error.empty()) throw UsageError(ctx_->usage_error);  // the script caught it with pcall
    ctx_->loading = false;
    detail::FinalizeScenarios(L_, ctx_.get());
    defs_ = ctx_->defs;
}

ScriptState::~ScriptState() {
    if (L_ != nullptr) lua_close(L_);
}

const ScenarioDef* ScriptState::Find(const std::string& name) const noexcept {
    for (const auto& def : defs_) {
        if (def.name == name) return &def;
    }
    return nullptr;
}

bool ScriptState::PushScenario(const std::string& name) const {
    for (size_t i = 0; i < defs_.size(); ++i) {
        if (defs_[i].name != name) continue;
        lua_getfield(L_, LUA_REGISTRYINDEX, detail::kScenariosKey);
        lua_rawgeti(L_, -1, static_cast<int>(i + 1));
        lua_remove(L_, -2);
        return true;
    }
    lua_pushnil(L_);
    return false;
}

void ScriptState::SetCurrentVu(int id) noexcept { ctx_->current_vu = id; }

void ScriptState::ChargeTo(std::int64_t* used, std::string_view phase, std::string_view task) noexcept {
    budget_.used = used;
    budget_.phase = phase;
    budget_.task = task;
}

std::vector<ScenarioDef> LoadScenarioDefs(const std::string& path, std::int64_t max_instructions,
                                          std::shared_ptr<const ScriptEnv> env) {
    ScriptLoadOptions options;
    options.max_instructions = max_instructions;
    options.env = std::move(env);
    ScriptState state(path, std::move(options));
    return state.Scenarios();
}

}  // namespace lse::lua
