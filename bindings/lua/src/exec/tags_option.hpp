#pragma once
/// @file
/// The `tags` option of a request (http:get(path, { tags = { env = "staging" } })) and of a scenario (every
/// request of it, hooks included). Tags become a field of the request's stat key in canonical form
/// (lse/metrics/tags.hpp), so rows split by tag in every output and tag:KEY=VALUE thresholds can read them.

#include <cstddef>
#include <string>
#include <string_view>

struct lua_State;

namespace lse::lua {

/// Reads the tags table at `idx` (keys: names; values: strings, numbers or booleans, converted as tostring
/// does) and appends its pairs, "key\x1evalue" joined by "\x1d" in table order, to *pairs (not cleared: its
/// capacity is reused). Throws std::runtime_error naming `option` ("option 'tags'") for a bad key or value
/// or more than metrics::kMaxTagsPerRequest pairs.
void ReadTagsTable(lua_State* L, int idx, std::string_view option, std::string* pairs);

/// The canonical tags of a request: the scenario's (canonical) merged with the request's own `pairs` (as
/// ReadTagsTable writes them; a request's pair overrides the scenario's of the same key), into *out (reused:
/// no allocation once it has grown). Throws std::runtime_error naming `option` when the merge has more than
/// metrics::kMaxTagsPerRequest tags.
void MergeTags(std::string_view scenario, std::string_view pairs, std::string_view option, std::string* out);

}  // namespace lse::lua
