#pragma once
/// @file
/// Query strings and application/x-www-form-urlencoded bodies built from Lua tables
/// (http opts `query` and `form`). Keys are sorted so the output is deterministic;
/// an array value repeats its key (tags = {"a", "b"} -> tags=a&tags=b). Values may be
/// strings, numbers (integers print without ".0") or booleans.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct lua_State;

namespace lse::lua {

using UrlPairs = std::vector<std::pair<std::string, std::string>>;

/// Percent-encodes every byte outside the RFC 3986 unreserved set (A-Z a-z 0-9 - . _ ~),
/// uppercase hex; a space becomes %20.
std::string PercentEncode(std::string_view text);

/// "k1=v1&k2=v2" with both sides percent-encoded, in the given order.
std::string EncodePairs(const UrlPairs& pairs);

/// Reads the table at `index` into sorted key/value pairs (arrays -> repeated keys).
/// Returns false and sets *error naming the key on a bad key or value. Never raises a Lua error.
bool TableToPairs(lua_State* L, int index, UrlPairs* out, std::string* error);

/// TableToPairs + EncodePairs.
bool EncodeTable(lua_State* L, int index, std::string* out, std::string* error);

/// Appends an encoded query to a path or URL: "?" if it has none yet, "&" otherwise.
/// An empty query leaves the target unchanged; otherwise a "#fragment" is dropped (it is never sent).
void AppendQuery(std::string* target, std::string_view encoded_query);

}  // namespace lse::lua
