#include "response_object.hpp"

#include <cstdint>
#include <cstring>
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

// Registry key of the response kit (an address, not a string: a light userdata key needs no
// interning). The kit is an array: the metatable, the pending-headers table and the field names,
// so that PushResponse fetches everything by integer index instead of interning names per call.
char kKitKey;
enum KitSlot { kKitMetatable = 1, kKitPending, kKitStatus, kKitOk, kKitBody, kKitName, kKitError };
constexpr const char* kKitNames[] = {"status", "ok", "body", "name", "error"};

void PushKit(lua_State* L) {
    lua_pushlightuserdata(L, &kKitKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

// response[key from the kit] = value on top (popped).
void SetField(lua_State* L, int response, int kit, KitSlot key) {
    lua_rawgeti(L, kit, key);
    lua_insert(L, -2);
    lua_rawset(L, response);
}

// Response headers are handed to Lua lazily: most scripts never read r.headers, and building a
// table of interned strings for every response was the largest per-request cost of the Lua
// path. PushResponse stores the headers as one packed string (per header: name length, value
// length as uint32, then the bytes) in a weak-keyed registry table, response -> packed; the
// first read of r.headers (a missing field, so __index runs) builds the table, stores it in the
// response as a plain field and drops the packed copy.
std::uint32_t ReadU32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// r.url and r.redirects are lazy too (few scripts read them): the packed string starts with the redirect count and
// the final URL (uint32 count, uint32 length, the bytes); the headers follow.
constexpr size_t kUrlPrefix = 8;

std::string_view PackedUrl(std::string_view packed, std::uint32_t* redirects) {
    if (packed.size() < kUrlPrefix) return {};
    *redirects = ReadU32(packed.data());
    const std::uint32_t len = ReadU32(packed.data() + 4);
    return packed.substr(kUrlPrefix, len);
}

std::string_view PackedHeaders(std::string_view packed) {
    if (packed.size() < kUrlPrefix) return {};
    return packed.substr(kUrlPrefix + ReadU32(packed.data() + 4));
}

// response.url and response.redirects from the packed string, as plain fields from now on.
void SetUrlFields(lua_State* L, int response, std::string_view packed) {
    std::uint32_t redirects = 0;
    const std::string_view url = PackedUrl(packed, &redirects);
    lua_pushliteral(L, "url");
    lua_pushlstring(L, url.data(), url.size());
    lua_rawset(L, response);
    lua_pushliteral(L, "redirects");
    lua_pushinteger(L, static_cast<lua_Integer>(redirects));
    lua_rawset(L, response);
}

// Pushes the headers table for a packed string (the same table the eager version built).
void PushHeadersTable(lua_State* L, std::string_view packed) {
    lua_createtable(L, 0, 8);
    const int headers = lua_gettop(L);
    size_t pos = 0;
    while (pos + 8 <= packed.size()) {
        const std::uint32_t name_len = ReadU32(packed.data() + pos);
        const std::uint32_t value_len = ReadU32(packed.data() + pos + 4);
        pos += 8;
        const char* name = packed.data() + pos;
        const char* value = name + name_len;
        pos += name_len + value_len;
        lua_pushlstring(L, name, name_len);
        lua_pushvalue(L, -1);
        lua_rawget(L, headers);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushlstring(L, value, value_len);
        } else {
            // Repeated header: join as a list (RFC 9110 5.3).
            lua_pushlstring(L, ", ", 2);
            lua_pushlstring(L, value, value_len);
            lua_concat(L, 3);
        }
        lua_rawset(L, headers);
    }
}

// __index(response, key): json -> the method; headers -> built on first use; anything else nil.
int ResponseIndex(lua_State* L) {
    size_t len = 0;
    const char* key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : nullptr;
    const std::string_view k = key == nullptr ? std::string_view() : std::string_view(key, len);
    if (k == "json") {
        lua_pushvalue(L, lua_upvalueindex(1));
        return 1;
    }
    const bool url_field = k == "url" || k == "redirects";
    if (k != "headers" && !url_field) return 0;
    PushKit(L);
    lua_rawgeti(L, -1, kKitPending);
    const int pending = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_rawget(L, pending);
    if (lua_type(L, -1) != LUA_TUSERDATA) return 0;  // not from PushResponse (or headers already taken)
    const auto* packed = static_cast<const char*>(lua_touserdata(L, -1));
    const size_t packed_len = lua_objlen(L, -1);
    // Set as plain fields whenever the packed copy is read: it goes once the headers are taken.
    SetUrlFields(L, 1, std::string_view(packed, packed_len));
    if (url_field) {
        lua_pushvalue(L, 2);
        lua_rawget(L, 1);
        return 1;
    }
    PushHeadersTable(L, PackedHeaders(std::string_view(packed, packed_len)));
    const int headers = lua_gettop(L);
    lua_pushliteral(L, "headers");
    lua_pushvalue(L, headers);
    lua_rawset(L, 1);  // a plain field from now on: later reads do not come here
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    lua_rawset(L, pending);  // the packed copy is no longer needed
    lua_settop(L, headers);
    return 1;
}

}  // namespace

void InstallResponseMetatable(lua_State* L) {
    lua_pushlightuserdata(L, &kKitKey);
    lua_createtable(L, 7, 0);
    const int kit = lua_gettop(L);
    luaL_newmetatable(L, kMetatableName);
    lua_pushcfunction(L, &Guarded<ResponseJson>);
    lua_pushcclosure(L, &Guarded<ResponseIndex>, 1);
    lua_setfield(L, -2, "__index");
    lua_rawseti(L, kit, kKitMetatable);

    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");  // weak keys: a response that is collected drops its packed headers
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawseti(L, kit, kKitPending);
    for (int i = kKitStatus; i <= kKitError; ++i) {
        lua_pushstring(L, kKitNames[i - kKitStatus]);
        lua_rawseti(L, kit, i);
    }
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void PushResponse(lua_State* L, const http::Result& result, bool ok, std::string_view request_name,
                  std::string_view final_url, int redirects) {
    lua_checkstack(L, 8);
    PushKit(L);
    const int kit = lua_gettop(L);
    // status, ok, body, name (+ error): a hash part of 4 (8 with an error) nodes, no larger.
    lua_createtable(L, 0, result.error != ErrorKind::kNone ? 5 : 4);
    const int response = lua_gettop(L);
    lua_pushinteger(L, result.status);
    SetField(L, response, kit, kKitStatus);
    lua_pushboolean(L, ok ? 1 : 0);
    SetField(L, response, kit, kKitOk);
    lua_pushlstring(L, result.body.data(), result.body.size());
    SetField(L, response, kit, kKitBody);
    if (result.error != ErrorKind::kNone) {
        std::string_view kind = ErrorKindName(result.error);
        lua_pushlstring(L, kind.data(), kind.size());
        SetField(L, response, kit, kKitError);
    }
    lua_pushlstring(L, request_name.data(), request_name.size());
    SetField(L, response, kit, kKitName);

    size_t size = kUrlPrefix + final_url.size();
    for (const auto& [name, value] : result.headers) size += 8 + name.size() + value.size();
    lua_rawgeti(L, kit, kKitPending);
    lua_pushvalue(L, response);
    char* packed = static_cast<char*>(lua_newuserdata(L, size));
    const auto redirect_count = static_cast<std::uint32_t>(redirects);
    const auto url_len = static_cast<std::uint32_t>(final_url.size());
    std::memcpy(packed, &redirect_count, 4);
    std::memcpy(packed + 4, &url_len, 4);
    std::memcpy(packed + kUrlPrefix, final_url.data(), final_url.size());
    packed += kUrlPrefix + final_url.size();
    for (const auto& [name, value] : result.headers) {
        const auto name_len = static_cast<std::uint32_t>(name.size());
        const auto value_len = static_cast<std::uint32_t>(value.size());
        std::memcpy(packed, &name_len, 4);
        std::memcpy(packed + 4, &value_len, 4);
        std::memcpy(packed + 8, name.data(), name.size());
        std::memcpy(packed + 8 + name.size(), value.data(), value.size());
        packed += 8 + name.size() + value.size();
    }
    lua_rawset(L, -3);
    lua_pop(L, 1);

    lua_rawgeti(L, kit, kKitMetatable);
    lua_setmetatable(L, response);
    lua_remove(L, kit);
}

}  // namespace lse::lua
