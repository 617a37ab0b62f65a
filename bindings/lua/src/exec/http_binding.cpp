#include "http_binding.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/http/request.hpp"
#include "protected_call.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {
namespace {

template <http::Method M>
int HttpMethod(lua_State* L) {
    return ScenarioEngine::FromUpvalue(L)->HttpCall(L, static_cast<int>(M));
}

int HttpRequest(lua_State* L) { return ScenarioEngine::FromUpvalue(L)->HttpCall(L, -1); }
int Check(lua_State* L) { return ScenarioEngine::FromUpvalue(L)->CheckCall(L); }
int Sleep(lua_State* L) { return ScenarioEngine::FromUpvalue(L)->SleepCall(L); }

void SetClosure(lua_State* L, ScenarioEngine* engine, lua_CFunction fn, const char* name) {
    lua_pushlightuserdata(L, engine);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

}  // namespace

void PushHttpObject(lua_State* L, ScenarioEngine* engine) {
    lua_createtable(L, 0, 7);
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kGet>>, "get");
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kPost>>, "post");
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kPut>>, "put");
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kPatch>>, "patch");
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kDelete>>, "delete");
    SetClosure(L, engine, &Guarded<HttpMethod<http::Method::kHead>>, "head");
    SetClosure(L, engine, &Guarded<HttpRequest>, "request");
}

void InstallRuntimeGlobals(lua_State* L, ScenarioEngine* engine) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    SetClosure(L, engine, &Guarded<Check>, "check");
    SetClosure(L, engine, &Guarded<Sleep>, "sleep");
    lua_pop(L, 1);
}

}  // namespace lse::lua
