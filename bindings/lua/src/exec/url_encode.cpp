#include "lse/lua/url_encode.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <lua.hpp>

#include "lse/http/percent_encode.hpp"
#include "response_values.hpp"

namespace lse::lua {
namespace {

// Scalar value -> text; false for anything else (with *error set when there is more to say than the type).
bool ScalarToString(lua_State* L, int index, std::string* out, std::string* error) {
    if (capture::IsCdata(L, index)) {  // a response value of capture mode: its placeholder
        out->clear();
        return capture::ValueText(L, index, capture::ValueUse::kText, out, error);
    }
    switch (lua_type(L, index)) {
        case LUA_TSTRING: {
            size_t len = 0;
            const char* s = lua_tolstring(L, index, &len);
            out->assign(s, len);
            return true;
        }
        case LUA_TNUMBER: {
            double d = lua_tonumber(L, index);
            char buf[64];
            if (std::floor(d) == d && std::fabs(d) < 1e15) {
                std::snprintf(buf, sizeof(buf), "%.0f", d);
            } else {
                std::snprintf(buf, sizeof(buf), "%.14g", d);  // what Lua's tostring prints
            }
            *out = buf;
            return true;
        }
        case LUA_TBOOLEAN:
            *out = lua_toboolean(L, index) ? "true" : "false";
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string PercentEncode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    http::AppendPercentEncoded(text, &out);  // the one rule, shared with agents' replay of response values
    return out;
}

std::string EncodePairs(const UrlPairs& pairs) {
    std::string out;
    for (const auto& [key, value] : pairs) {
        if (!out.empty()) out.push_back('&');
        out += PercentEncode(key);
        out.push_back('=');
        out += PercentEncode(value);
    }
    return out;
}

bool TableToPairs(lua_State* L, int index, UrlPairs* out, std::string* error) {
    if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + index + 1;
    if (lua_type(L, index) != LUA_TTABLE) {
        *error = std::string("expected a table of key = value, got ") + luaL_typename(L, index);
        return false;
    }
    lua_checkstack(L, 6);
    struct Entry {
        std::string key;
        std::vector<std::string> values;
    };
    std::vector<Entry> entries;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        Entry entry;
        if (lua_type(L, -2) != LUA_TSTRING) {
            std::string type = luaL_typename(L, -2);
            lua_pop(L, 2);
            *error = "keys must be strings (got a " + type + " key)";
            return false;
        }
        size_t len = 0;
        const char* k = lua_tolstring(L, -2, &len);
        entry.key.assign(k, len);
        std::string text;
        if (lua_type(L, -1) == LUA_TTABLE) {
            size_t n = lua_objlen(L, -1);
            for (size_t i = 1; i <= n; ++i) {
                lua_rawgeti(L, -1, static_cast<int>(i));
                std::string why;
                bool ok = ScalarToString(L, -1, &text, &why);
                lua_pop(L, 1);
                if (!ok) {
                    lua_pop(L, 2);
                    *error = "'" + entry.key + "'[" + std::to_string(i) +
                             "]: " + (why.empty() ? "values must be strings, numbers or booleans" : why);
                    return false;
                }
                entry.values.push_back(text);
            }
            if (n == 0) {
                // An empty list sends nothing; a non-list table is a mistake.
                lua_pushnil(L);
                bool has_any = lua_next(L, -2) != 0;
                if (has_any) lua_pop(L, 2);
                if (has_any) {
                    lua_pop(L, 2);
                    *error = "'" + entry.key + "': a table value must be a list of strings, numbers or booleans";
                    return false;
                }
            }
        } else if (std::string why; ScalarToString(L, -1, &text, &why)) {
            entry.values.push_back(text);
        } else {
            std::string type = luaL_typename(L, -1);
            lua_pop(L, 2);
            *error = "'" + entry.key + "': " +
                     (why.empty() ? "values must be strings, numbers, booleans or lists of them (got " + type + ")"
                                  : why);
            return false;
        }
        lua_pop(L, 1);
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    out->clear();
    for (auto& entry : entries) {
        for (auto& value : entry.values) out->emplace_back(entry.key, std::move(value));
    }
    return true;
}

bool EncodeTable(lua_State* L, int index, std::string* out, std::string* error) {
    UrlPairs pairs;
    if (!TableToPairs(L, index, &pairs, error)) return false;
    *out = EncodePairs(pairs);
    return true;
}

void AppendQuery(std::string* target, std::string_view encoded_query) {
    if (encoded_query.empty()) return;
    // The fragment is never sent (the request serialiser drops it): the query goes where it belongs.
    if (const size_t fragment = target->find('#'); fragment != std::string::npos) target->resize(fragment);
    target->push_back(target->find('?') == std::string::npos ? '?' : '&');
    target->append(encoded_query);
}

}  // namespace lse::lua
