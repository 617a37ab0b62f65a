#include "pattern_check.hpp"

#include "lse/plan/extract/lua_pattern.hpp"

namespace lse::lua::capture {

bool CheckPattern(std::string_view pattern, std::string* error) {
    plan::extract::LuaPattern compiled;
    return compiled.Compile(pattern, error);
}

}  // namespace lse::lua::capture
