#include "response_object.hpp"

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/http/content_decoding.hpp"
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
enum KitSlot {
    kKitMetatable = 1, kKitPending, kKitStatus, kKitOk, kKitBody, kKitName, kKitError,
    kKitPendingBody,  // weak-keyed: response -> { encoded body, Content-Encoding, stats row } until r.body is read
    kKitDecoder,      // userdata: the state's one http::ContentDecoder (its buffers are reused)
    kKitDecodedSink,  // light userdata: the DecodedBodySink, or absent
};
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

// Response bodies in a Content-Encoding (gzip, deflate, br) are decoded lazily too: PushResponse leaves `body` out
// and keeps { encoded body, Content-Encoding } in a weak-keyed table; the first read of r.body (or r:json()) decodes
// it with the state's decoder and stores the result as a plain field. A response whose body is never read costs
// no decoding. A body that does not decode raises a Lua error naming the coding.
http::ContentDecoder& StateDecoder(lua_State* L, int kit) {
    lua_rawgeti(L, kit, kKitDecoder);
    auto* decoder = static_cast<http::ContentDecoder*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return *decoder;
}

// Pushes the pending { encoded, encoding } entry of response 1 (or nil) and the kit under it; returns the kit's index.
int PushPendingBody(lua_State* L) {
    PushKit(L);
    const int kit = lua_gettop(L);
    lua_rawgeti(L, kit, kKitPendingBody);
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    return kit;
}

int DecodeBody(lua_State* L) {
    const int kit = PushPendingBody(L);
    const int entry = lua_gettop(L);
    if (!lua_istable(L, entry)) return 0;  // not from PushResponse, or r.body was set to nil by the script
    lua_rawgeti(L, entry, 1);
    size_t body_len = 0;
    const char* body = lua_tolstring(L, -1, &body_len);
    lua_rawgeti(L, entry, 2);
    size_t enc_len = 0;
    const char* enc = lua_tolstring(L, -1, &enc_len);
    http::ContentDecoder& decoder = StateDecoder(L, kit);
    std::string_view decoded;
    if (!decoder.Decode(std::string_view(enc, enc_len), std::string_view(body, body_len), &decoded)) {
        lua_getfield(L, 1, "name");
        const char* name = lua_tostring(L, -1);
        throw std::runtime_error("response body of " + std::string(name != nullptr ? name : "the request") +
                                 " (Content-Encoding: " + std::string(enc, enc_len) + ") does not decode: " +
                                 decoder.Error());
    }
    // bytes_decoded counts what was decoded, once per response: the decoded text is a plain field from here on.
    lua_rawgeti(L, entry, 3);
    const bool has_row = lua_type(L, -1) == LUA_TNUMBER;
    const int stat_index = static_cast<int>(lua_tointeger(L, -1));
    lua_rawgeti(L, kit, kKitDecodedSink);
    auto* sink = static_cast<DecodedBodySink*>(lua_touserdata(L, -1));
    lua_pop(L, 2);
    if (sink != nullptr && has_row) sink->OnBodyDecoded(stat_index, decoded.size());
    lua_pushlstring(L, decoded.data(), decoded.size());
    const int text = lua_gettop(L);
    lua_pushliteral(L, "body");
    lua_pushvalue(L, text);
    lua_rawset(L, 1);  // a plain field from now on; the encoded copy stays for r.compressed_size
    return 1;
}

// r.compressed_size: the body's size as received (before decoding); #r.body when it came without an encoding.
int CompressedSize(lua_State* L) {
    PushPendingBody(L);
    if (lua_istable(L, -1)) {
        lua_rawgeti(L, -1, 1);
        lua_pushinteger(L, static_cast<lua_Integer>(lua_objlen(L, -1)));
        return 1;
    }
    lua_pushliteral(L, "body");
    lua_rawget(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) return 0;
    lua_pushinteger(L, static_cast<lua_Integer>(lua_objlen(L, -1)));
    return 1;
}

int DecoderGc(lua_State* L) {
    static_cast<http::ContentDecoder*>(lua_touserdata(L, 1))->~ContentDecoder();
    return 0;
}

// __index(response, key): json -> the method; body -> decoded on first use (encoded responses only); headers ->
// built on first use; compressed_size; anything else nil.
int ResponseIndex(lua_State* L) {
    size_t len = 0;
    const char* key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : nullptr;
    const std::string_view k = key == nullptr ? std::string_view() : std::string_view(key, len);
    if (k == "json") {
        lua_pushvalue(L, lua_upvalueindex(1));
        return 1;
    }
    if (k == "body") return DecodeBody(L);
    if (k == "compressed_size") return CompressedSize(L);
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

void InstallResponseMetatable(lua_State* L, DecodedBodySink* sink) {
    lua_pushlightuserdata(L, &kKitKey);
    lua_createtable(L, kKitDecodedSink, 0);
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
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");  // weak keys too: a response that is collected drops its encoded body
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawseti(L, kit, kKitPendingBody);
    void* decoder = lua_newuserdata(L, sizeof(http::ContentDecoder));
    new (decoder) http::ContentDecoder();
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, &DecoderGc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_rawseti(L, kit, kKitDecoder);
    if (sink != nullptr) {
        lua_pushlightuserdata(L, sink);
        lua_rawseti(L, kit, kKitDecodedSink);
    }
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void PushResponse(lua_State* L, const http::Result& result, bool ok, std::string_view request_name,
                  std::string_view final_url, int redirects, int stat_index) {
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
    // Content-Encoding is looked up while the headers are packed below; an encoded body is set aside then.
    const std::string* content_encoding = nullptr;
    if (result.error != ErrorKind::kNone) {
        std::string_view kind = ErrorKindName(result.error);
        lua_pushlstring(L, kind.data(), kind.size());
        SetField(L, response, kit, kKitError);
    }
    lua_pushlstring(L, request_name.data(), request_name.size());
    SetField(L, response, kit, kKitName);

    size_t size = kUrlPrefix + final_url.size();
    for (const auto& [name, value] : result.headers) {
        size += 8 + name.size() + value.size();
        if (name == "content-encoding") content_encoding = &value;
    }
    if (content_encoding != nullptr && !result.body.empty() && http::NeedsDecoding(*content_encoding)) {
        lua_rawgeti(L, kit, kKitPendingBody);
        lua_pushvalue(L, response);
        lua_createtable(L, 3, 0);
        lua_pushlstring(L, result.body.data(), result.body.size());
        lua_rawseti(L, -2, 1);
        lua_pushlstring(L, content_encoding->data(), content_encoding->size());
        lua_rawseti(L, -2, 2);
        if (stat_index >= 0) {
            lua_pushinteger(L, stat_index);
            lua_rawseti(L, -2, 3);
        }
        lua_rawset(L, -3);
        lua_pop(L, 1);
    } else {
        lua_pushlstring(L, result.body.data(), result.body.size());
        SetField(L, response, kit, kKitBody);
    }
    lua_rawgeti(L, kit, kKitPending);
    lua_pushvalue(L, response);
    char* packed = static_cast<char*>(lua_newuserdata(L, size));
    const auto redirect_count = static_cast<std::uint32_t>(redirects);
    const auto url_len = static_cast<std::uint32_t>(final_url.size());
    std::memcpy(packed, &redirect_count, 4);
    std::memcpy(packed + 4, &url_len, 4);
    if (!final_url.empty()) std::memcpy(packed + kUrlPrefix, final_url.data(), final_url.size());  // empty: data() may be null
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
