#include "lse/lua/lua_json.hpp"

#include <cmath>
#include <lua.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "response_values.hpp"

namespace lse::lua {
namespace {

// Addresses of these statics are unique registry keys / sentinel values.
char kNullSentinel;
const char kArrayMetaKey[] = "lse.json.array";
constexpr int kMaxDepth = 200;          // deeper structures are almost certainly cycles or mistakes
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

void PushArrayMeta(lua_State* L) {
    lua_getfield(L, LUA_REGISTRYINDEX, kArrayMetaKey);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushstring(L, "array");
        lua_setfield(L, -2, "__name");
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, kArrayMetaKey);
    }
}

bool HasArrayMeta(lua_State* L, int index) {
    if (!lua_getmetatable(L, index)) return false;
    lua_getfield(L, LUA_REGISTRYINDEX, kArrayMetaKey);
    bool same = lua_rawequal(L, -1, -2) != 0;
    lua_pop(L, 2);
    return same;
}

void PushValue(lua_State* L, const nlohmann::json& value) {
    using T = nlohmann::json::value_t;
    switch (value.type()) {
        case T::null:
        case T::discarded:
            PushJsonNull(L);
            return;
        case T::boolean:
            lua_pushboolean(L, value.get<bool>() ? 1 : 0);
            return;
        case T::number_integer:
            lua_pushnumber(L, static_cast<lua_Number>(value.get<std::int64_t>()));
            return;
        case T::number_unsigned:
            lua_pushnumber(L, static_cast<lua_Number>(value.get<std::uint64_t>()));
            return;
        case T::number_float:
            lua_pushnumber(L, value.get<double>());
            return;
        case T::string: {
            const auto& s = value.get_ref<const std::string&>();
            lua_pushlstring(L, s.data(), s.size());
            return;
        }
        case T::binary:
            lua_pushnil(L);
            return;
        case T::array: {
            lua_checkstack(L, 4);
            lua_createtable(L, static_cast<int>(value.size()), 0);
            int i = 1;
            for (const auto& item : value) {
                PushValue(L, item);
                lua_rawseti(L, -2, i++);
            }
            PushArrayMeta(L);
            lua_setmetatable(L, -2);
            return;
        }
        case T::object: {
            lua_checkstack(L, 4);
            lua_createtable(L, 0, static_cast<int>(value.size()));
            for (const auto& [k, v] : value.items()) {
                lua_pushlstring(L, k.data(), k.size());
                PushValue(L, v);
                lua_rawset(L, -3);
            }
            return;
        }
    }
    lua_pushnil(L);
}

class Encoder {
public:
    explicit Encoder(lua_State* L) : L_(L) {}

    bool Convert(int index, const std::string& path, nlohmann::json* out) {
        index = lua_absindex_(index);
        switch (lua_type(L_, index)) {
            case LUA_TNIL:
                *out = nullptr;
                return true;
            case LUA_TBOOLEAN:
                *out = lua_toboolean(L_, index) != 0;
                return true;
            case LUA_TNUMBER: {
                double d = lua_tonumber(L_, index);
                if (!std::isfinite(d)) return Fail(path, "cannot encode " + std::string(std::isnan(d) ? "NaN" : "inf"));
                if (std::floor(d) == d && std::fabs(d) <= kMaxExactInt) {
                    *out = static_cast<std::int64_t>(d);
                } else {
                    *out = d;
                }
                return true;
            }
            case LUA_TSTRING: {
                size_t len = 0;
                const char* s = lua_tolstring(L_, index, &len);
                *out = std::string(s, len);
                return true;
            }
            case LUA_TLIGHTUSERDATA:
                if (IsJsonNull(L_, index)) {
                    *out = nullptr;
                    return true;
                }
                return Fail(path, "cannot encode a userdata");
            case LUA_TTABLE:
                return ConvertTable(index, path, out);
            default:
                if (capture::IsCdata(L_, index)) {  // a response value of capture mode: a whole JSON value
                    std::string text;
                    std::string why;
                    if (!capture::ValueText(L_, index, capture::ValueUse::kJsonValue, &text, &why)) {
                        return Fail(path, why);
                    }
                    *out = std::move(text);
                    return true;
                }
                return Fail(path, std::string("cannot encode a ") + lua_typename(L_, lua_type(L_, index)));
        }
    }

    std::string error;

private:
    int lua_absindex_(int index) const { return index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(L_) + index + 1; }

    bool Fail(const std::string& path, const std::string& what) {
        error = what + " at " + path;
        return false;
    }

    bool ConvertTable(int index, const std::string& path, nlohmann::json* out) {
        const void* id = lua_topointer(L_, index);
        for (const void* open : open_tables_) {
            if (open == id) return Fail(path, "cannot encode a table that contains itself (cycle)");
        }
        if (open_tables_.size() >= kMaxDepth) return Fail(path, "nesting too deep");
        lua_checkstack(L_, 6);
        // First pass: classify keys.
        size_t count = 0, string_keys = 0;
        double max_index = 0;
        bool bad_key = false;
        lua_pushnil(L_);
        while (lua_next(L_, index) != 0) {
            ++count;
            if (lua_type(L_, -2) == LUA_TSTRING) {
                ++string_keys;
            } else if (lua_type(L_, -2) == LUA_TNUMBER) {
                double k = lua_tonumber(L_, -2);
                if (k >= 1 && std::floor(k) == k) {
                    if (k > max_index) max_index = k;
                } else {
                    bad_key = true;
                }
            } else {
                bad_key = true;
            }
            lua_pop(L_, 1);
        }
        if (bad_key) return Fail(path, "cannot encode a table key that is neither a string nor a positive integer");
        bool marked_array = HasArrayMeta(L_, index);
        if (string_keys != 0 && string_keys != count) {
            return Fail(path, "cannot encode a table with both string and integer keys (mixed table)");
        }
        open_tables_.push_back(id);
        bool ok = true;
        if (count == 0) {
            *out = marked_array ? nlohmann::json::array() : nlohmann::json::object();
        } else if (string_keys == 0) {
            if (max_index != static_cast<double>(count)) {
                open_tables_.pop_back();
                return Fail(path, "cannot encode a sparse array (use json.null for holes)");
            }
            *out = nlohmann::json::array();
            for (size_t i = 1; ok && i <= count; ++i) {
                lua_rawgeti(L_, index, static_cast<int>(i));
                nlohmann::json item;
                ok = Convert(-1, path + "[" + std::to_string(i) + "]", &item);
                lua_pop(L_, 1);
                if (ok) out->push_back(std::move(item));
            }
        } else {
            if (marked_array) {
                open_tables_.pop_back();
                return Fail(path, "cannot encode an array with string keys");
            }
            *out = nlohmann::json::object();
            lua_pushnil(L_);
            while (ok && lua_next(L_, index) != 0) {
                size_t len = 0;
                const char* k = lua_tolstring(L_, -2, &len);  // a string key: tolstring does not convert it
                std::string key(k, len);
                nlohmann::json item;
                ok = Convert(-1, path + "." + key, &item);
                lua_pop(L_, 1);
                if (ok) (*out)[key] = std::move(item);
            }
            if (!ok) lua_pop(L_, 1);  // the key left by the interrupted lua_next
        }
        open_tables_.pop_back();
        return ok;
    }

    lua_State* L_;
    std::vector<const void*> open_tables_;
};

// Lua functions: the C++ work happens in a helper that returns before lua_error unwinds.
int Raise(lua_State* L, const std::string& message) {
    lua_pushlstring(L, message.data(), message.size());
    return -1;
}

int EncodeImpl(lua_State* L) {
    if (lua_gettop(L) < 1) return Raise(L, "json.encode(value): missing value");
    std::string text, error;
    if (!EncodeJson(L, 1, &text, &error)) return Raise(L, "json.encode: " + error);
    lua_pushlstring(L, text.data(), text.size());
    return 1;
}

int LuaEncode(lua_State* L) {
    int n = EncodeImpl(L);
    return n < 0 ? lua_error(L) : n;
}

int DecodeImpl(lua_State* L) {
    if (lua_type(L, 1) != LUA_TSTRING) {
        return Raise(L, std::string("json.decode(text): expected a string, got ") + luaL_typename(L, 1));
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    std::string error;
    if (!DecodeJsonAndPush(L, std::string_view(s, len), &error)) return Raise(L, "json.decode: " + error);
    return 1;
}

int LuaDecode(lua_State* L) {
    int n = DecodeImpl(L);
    return n < 0 ? lua_error(L) : n;
}

int LuaArray(lua_State* L) {
    if (lua_isnoneornil(L, 1)) {
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
    }
    PushArrayMeta(L);
    lua_setmetatable(L, -2);
    return 1;
}

}  // namespace

void PushJson(lua_State* L, const nlohmann::json& value) {
    lua_checkstack(L, 4);
    PushValue(L, value);
}

bool ToJson(lua_State* L, int index, nlohmann::json* out, std::string* error) {
    Encoder encoder(L);
    if (encoder.Convert(index, "$", out)) return true;
    *error = encoder.error;
    return false;
}

bool EncodeJson(lua_State* L, int index, std::string* out, std::string* error) {
    nlohmann::json value;
    if (!ToJson(L, index, &value, error)) return false;
    // Lua strings may hold any bytes: replace invalid UTF-8 rather than throwing.
    *out = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return true;
}

bool DecodeJsonAndPush(lua_State* L, std::string_view text, std::string* error) {
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
        std::string what = e.what();
        auto pos = what.find("parse error");
        *error = "invalid JSON at byte " + std::to_string(e.byte) + ": " +
                 (pos == std::string::npos ? what : what.substr(pos));
        return false;
    }
    PushJson(L, value);
    return true;
}

void PushJsonNull(lua_State* L) { lua_pushlightuserdata(L, &kNullSentinel); }

bool IsJsonNull(lua_State* L, int index) {
    return lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == &kNullSentinel;
}

void InstallJsonGlobal(lua_State* L) {
    lua_createtable(L, 0, 4);
    lua_pushcfunction(L, LuaEncode);
    lua_setfield(L, -2, "encode");
    lua_pushcfunction(L, LuaDecode);
    lua_setfield(L, -2, "decode");
    lua_pushcfunction(L, LuaArray);
    lua_setfield(L, -2, "array");
    PushJsonNull(L);
    lua_setfield(L, -2, "null");
    lua_setglobal(L, "json");
}

}  // namespace lse::lua
