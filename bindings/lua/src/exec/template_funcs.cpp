#include "template_funcs.hpp"

#include <cmath>
#include <lua.hpp>

#include "data_binding.hpp"
#include "metrics_binding.hpp"
#include "load_context.hpp"
#include "plan_capture_templates.hpp"

namespace lse::lua::detail {
namespace {

LoadContext* ContextOf(lua_State* L) { return static_cast<LoadContext*>(lua_touserdata(L, lua_upvalueindex(1))); }

// In capture mode the value is drawn by the agent for every iteration, so the script gets a
// placeholder string that the capture turns back into a template segment.
bool InCaptureMode(lua_State* L) { return ContextOf(L)->capture_mode; }

void PushPlaceholder(lua_State* L, const std::string& text) { lua_pushlstring(L, text.data(), text.size()); }

int LuaSeq(lua_State* L) {
    if (InCaptureMode(L)) {
        PushPlaceholder(L, capture::SeqPlaceholder());
        return 1;
    }
    lua_pushnumber(L, static_cast<lua_Number>(ContextOf(L)->shared->NextSeq()));
    return 1;
}

bool IsInteger(lua_State* L, int index) {
    if (lua_type(L, index) != LUA_TNUMBER) return false;
    double d = lua_tonumber(L, index);
    return std::floor(d) == d && std::fabs(d) < 9007199254740992.0;
}

int LuaRandom(lua_State* L) {
    // random(n) = random(1, n), like math.random.
    int nargs = lua_gettop(L);
    if (nargs < 1 || nargs > 2 || !IsInteger(L, 1) || (nargs == 2 && !IsInteger(L, 2))) {
        return luaL_error(L, "lsengine.random(a, b): a and b must be integers (or random(n) for 1..n)");
    }
    double a = nargs == 2 ? lua_tonumber(L, 1) : 1;
    double b = nargs == 2 ? lua_tonumber(L, 2) : lua_tonumber(L, 1);
    if (a > b) return luaL_error(L, "lsengine.random(a, b): a (%f) must be <= b (%f)", a, b);
    auto lo = static_cast<std::int64_t>(a);
    if (InCaptureMode(L)) {
        PushPlaceholder(L, capture::RandomPlaceholder(lo, static_cast<std::int64_t>(b)));
        return 1;
    }
    auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(b) - lo) + 1;
    std::uniform_int_distribution<std::uint64_t> dist(0, span - 1);
    lua_pushnumber(L, static_cast<lua_Number>(lo + static_cast<std::int64_t>(dist(ContextOf(L)->rng))));
    return 1;
}

int LuaUuid(lua_State* L) {
    if (InCaptureMode(L)) {
        PushPlaceholder(L, capture::UuidPlaceholder());
        return 1;
    }
    auto& rng = ContextOf(L)->rng;
    std::uint64_t hi = rng(), lo = rng();
    hi = (hi & ~0xF000ull) | 0x4000ull;                     // version 4
    lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);     // variant 10xx
    char buf[37];
    std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
    lua_pushstring(L, buf);
    return 1;
}

int LuaVuser(lua_State* L) {
    lua_pushinteger(L, ContextOf(L)->current_vu);
    return 1;
}

}  // namespace

void InstallTemplateGlobals(lua_State* L, LoadContext* ctx) {
    lua_createtable(L, 0, 4);
    const luaL_Reg fns[] = {{"seq", LuaSeq}, {"random", LuaRandom}, {"uuid", LuaUuid}, {"vuser", LuaVuser}};
    for (const auto& fn : fns) {
        lua_pushlightuserdata(L, ctx);
        lua_pushcclosure(L, fn.func, 1);
        lua_setfield(L, -2, fn.name);
    }
    InstallDataFunctions(L, ctx);
    InstallMetricsFunctions(L, ctx);
    lua_setglobal(L, "lsengine");
}

}  // namespace lse::lua::detail
