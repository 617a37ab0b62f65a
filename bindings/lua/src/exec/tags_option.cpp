#include "tags_option.hpp"

#include <array>
#include <stdexcept>
#include <utility>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/metrics/tags.hpp"
#include "response_values.hpp"

namespace lse::lua {
namespace {

using metrics::kMaxTagsPerRequest;
using metrics::kTagPairSeparator;
using metrics::kTagValueSeparator;

std::string TooMany(std::string_view which) {
    return "more than " + std::to_string(kMaxTagsPerRequest) + " tags" + std::string(which) +
           " (each tag set is a row of its own in every output)";
}

// Splits "k\x1ev\x1dk\x1ev" into pairs appended to `into` from `n`; false when there would be too many.
template <std::size_t N>
bool SplitPairs(std::string_view text, std::array<std::pair<std::string_view, std::string_view>, N>* into,
                std::size_t* n) {
    while (!text.empty()) {
        const std::size_t end = text.find(kTagPairSeparator);
        const std::string_view pair = text.substr(0, end);
        const std::size_t eq = pair.find(kTagValueSeparator);
        if (*n == N) return false;
        (*into)[(*n)++] = {pair.substr(0, eq), pair.substr(eq + 1)};
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return true;
}

}  // namespace

void ReadTagsTable(lua_State* L, int idx, std::string_view option, std::string* pairs) {
    if (!lua_istable(L, idx)) {
        throw std::runtime_error(std::string(option) + " must be a table like { env = \"staging\" }, got " +
                                 luaL_typename(L, idx));
    }
    const int base = lua_gettop(L);  // in the loop: the key at base + 1, its value at base + 2
    if (idx < 0) idx = base + idx + 1;
    const auto fail = [&](const std::string& problem) {
        lua_settop(L, base);
        throw std::runtime_error(std::string(option) + ": " + problem);
    };
    std::size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, base + 1) != LUA_TSTRING) fail("keys must be names (tags = { env = \"staging\" })");
        size_t key_len = 0;
        const char* key_data = lua_tolstring(L, base + 1, &key_len);  // a string key: no conversion
        const std::string_view key(key_data, key_len);
        if (std::string problem = metrics::TagKeyProblem(key); !problem.empty()) fail(problem);
        std::string_view value;
        switch (lua_type(L, base + 2)) {
            case LUA_TBOOLEAN:
                value = lua_toboolean(L, base + 2) != 0 ? "true" : "false";
                break;
            case LUA_TNUMBER:
            case LUA_TSTRING: {
                lua_pushvalue(L, base + 2);  // lua_tolstring converts numbers in place: convert a copy (tostring)
                size_t len = 0;
                const char* s = lua_tolstring(L, -1, &len);
                value = std::string_view(s, len);
                break;
            }
            default: {
                const std::string what = "value of '" + std::string(key) + "'";
                if (capture::IsCdata(L, base + 2)) {
                    fail(what + " is a response value: tags of a distributed run are fixed when the plan is made");
                }
                fail(what + " must be a string, number or boolean, got " + luaL_typename(L, base + 2));
            }
        }
        if (std::string problem = metrics::TagValueProblem(value); !problem.empty()) {
            fail("value of '" + std::string(key) + "': " + problem);
        }
        if (++count > kMaxTagsPerRequest) fail(TooMany(""));
        if (!pairs->empty()) *pairs += kTagPairSeparator;
        pairs->append(key);
        *pairs += kTagValueSeparator;
        pairs->append(value);
        lua_settop(L, base + 1);  // keep the key for lua_next
    }
}

void MergeTags(std::string_view scenario, std::string_view pairs, std::string_view option, std::string* out) {
    out->clear();
    if (scenario.empty() && pairs.empty()) return;
    if (pairs.empty()) {
        out->assign(scenario);  // already canonical
        return;
    }
    // The scenario's first, the request's after: a stable sort by key then keeps, for one key, the request's
    // pair last. Insertion sort on a fixed array: at most 2 * kMaxTagsPerRequest pairs, no allocation.
    std::array<std::pair<std::string_view, std::string_view>, 2 * kMaxTagsPerRequest> all{};
    std::size_t n = 0;
    if (!SplitPairs(scenario, &all, &n) || !SplitPairs(pairs, &all, &n)) {
        throw std::runtime_error(std::string(option) + ": " + TooMany(""));  // each side holds at most 8: unreachable
    }
    for (std::size_t i = 1; i < n; ++i) {
        for (std::size_t j = i; j > 0 && all[j].first < all[j - 1].first; --j) std::swap(all[j], all[j - 1]);
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i + 1 < n && all[i + 1].first == all[i].first) continue;  // a later pair of the same key wins
        if (++kept > kMaxTagsPerRequest) {
            out->clear();
            throw std::runtime_error(std::string(option) + ": " + TooMany(" with the scenario's"));
        }
        if (!out->empty()) *out += kTagPairSeparator;
        out->append(all[i].first);
        *out += kTagValueSeparator;
        out->append(all[i].second);
    }
}

}  // namespace lse::lua
