#pragma once
/// @file
/// Validates a v:match(pattern) of capture mode against the Lua pattern subset agents match natively
/// (lse/plan/extract/lua_pattern.hpp), so a script learns at --dry-run that its pattern cannot be replayed.

#include <string>
#include <string_view>

namespace lse::lua::capture {

/// False with *error ("%b is not supported in lsengine patterns", "malformed pattern ...") when agents
/// cannot match `pattern`.
bool CheckPattern(std::string_view pattern, std::string* error);

}  // namespace lse::lua::capture
