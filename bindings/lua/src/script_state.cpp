#include "lse/lua/script_state.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <lua.hpp>
#include <random>

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

ScriptState::ScriptState(const std::string& path, ScriptLoadOptions options)
    : path_(path), ctx_(std::make_unique<detail::LoadContext>()) {
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
        detail::SetContext(L_, ctx_.get());
        detail::InstallScenarioGlobal(L_);
        InstallSharedGlobal(L_, ctx_->shared.get());
        InstallJsonGlobal(L_);
        detail::InstallTemplateGlobals(L_, ctx_.get());
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
    status = lua_pcall(L_, 0, 0, handler);
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

std::vector<ScenarioDef> LoadScenarioDefs(const std::string& path) {
    ScriptState state(path, ScriptLoadOptions{});
    return state.Scenarios();
}

}  // namespace lse::lua
