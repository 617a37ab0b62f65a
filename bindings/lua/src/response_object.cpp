#include "response_object.hpp"

#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/lua/lua_json.hpp"
#include "protected_call.hpp"

namespace lse::lua {
namespace {

constexpr const char* kMetatableName = "lsengine.response";
constexpr size_t kBodyExcerpt = 60;

int ResponseJson(lua_State* L) {
    if (!lua_istable(L, 1)) throw std::runtime_error("response:json(): call it with a colon, r:json()");
    lua_getfield(L, 1, "body");
    size_t len = 0;
    const char* body = lua_tolstring(L, -1, &len);
    std::string_view text = body == nullptr ? std::string_view() : std::string_view(body, len);
    std::string error;
    if (DecodeJsonAndPush(L, text, &error)) return 1;
    lua_getfield(L, 1, "name");
    const char* name = lua_tostring(L, -1);
    lua_getfield(L, 1, "status");
    const int status = static_cast<int>(lua_tonumber(L, -1));
    std::string message = "response:json(): body of ";
    message += name != nullptr ? name : "the response";
    message += " (status " + std::to_string(status) + ") is not valid JSON: " + error;
    if (text.empty()) {
        message += " (the body is empty)";
    } else {
        std::string excerpt(text.substr(0, kBodyExcerpt));
        for (char& c : excerpt) {
            if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        }
        message += "; body starts with \"" + excerpt + (text.size() > kBodyExcerpt ? "...\"" : "\"");
    }
    throw std::runtime_error(message);
}

}  // namespace

void InstallResponseMetatable(lua_State* L) {
    luaL_newmetatable(L, kMetatableName);
    lua_newtable(L);  // __index
    lua_pushcfunction(L, &Guarded<ResponseJson>);
    lua_setfield(L, -2, "json");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void PushResponse(lua_State* L, const http::Result& result, bool ok, std::string_view request_name) {
    lua_checkstack(L, 8);
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, result.status);
    lua_setfield(L, -2, "status");
    lua_pushboolean(L, ok ? 1 : 0);
    lua_setfield(L, -2, "ok");
    lua_pushlstring(L, result.body.data(), result.body.size());
    lua_setfield(L, -2, "body");
    if (result.error != ErrorKind::kNone) {
        std::string_view kind = ErrorKindName(result.error);
        lua_pushlstring(L, kind.data(), kind.size());
        lua_setfield(L, -2, "error");
    }
    lua_pushlstring(L, request_name.data(), request_name.size());
    lua_setfield(L, -2, "name");

    lua_createtable(L, 0, static_cast<int>(result.headers.size()));
    const int headers = lua_gettop(L);
    for (const auto& [name, value] : result.headers) {
        lua_pushlstring(L, name.data(), name.size());
        lua_rawget(L, headers);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushlstring(L, value.data(), value.size());
        } else {
            // Repeated header: join as a list (RFC 9110 5.3).
            lua_pushlstring(L, ", ", 2);
            lua_pushlstring(L, value.data(), value.size());
            lua_concat(L, 3);
        }
        lua_pushlstring(L, name.data(), name.size());
        lua_insert(L, -2);
        lua_rawset(L, headers);
    }
    lua_setfield(L, -2, "headers");

    luaL_getmetatable(L, kMetatableName);
    lua_setmetatable(L, -2);
}

}  // namespace lse::lua
