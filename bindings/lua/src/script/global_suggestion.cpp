#include "global_suggestion.hpp"

#include <string_view>
#include <vector>

extern "C" {
#include <lua.h>
}

#include "lse/core/did_you_mean.hpp"

namespace lse::lua {
namespace {

// The global NAME of "...attempt to <verb> global 'NAME' (a nil value)", or "".
std::string_view UndefinedGlobal(std::string_view line) {
    for (std::string_view verb : {"attempt to call global '", "attempt to index global '"}) {
        const size_t at = line.find(verb);
        if (at == std::string_view::npos) continue;
        const size_t start = at + verb.size();
        const size_t end = line.find("' (a nil value)", start);
        if (end != std::string_view::npos && end > start) return line.substr(start, end - start);
    }
    return {};
}

}  // namespace

void AddGlobalSuggestion(lua_State* L, std::string* message) {
    const size_t nl = message->find('\n');
    const std::string_view line = std::string_view(*message).substr(0, nl);
    const std::string_view name = UndefinedGlobal(line);
    if (name.empty()) return;
    std::vector<std::string> globals;
    const int top = lua_gettop(L);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        // lua_type, not lua_isstring: a number key must not be converted in place during lua_next.
        if (lua_type(L, -2) == LUA_TSTRING && !lua_isnil(L, -1)) {
            size_t len = 0;
            const char* s = lua_tolstring(L, -2, &len);
            globals.emplace_back(s, len);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    const std::string suffix = DidYouMeanSuffix(name, globals);
    if (suffix.empty()) return;
    message->insert(nl == std::string::npos ? message->size() : nl, suffix);
}

}  // namespace lse::lua
