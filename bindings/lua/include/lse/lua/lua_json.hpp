#pragma once
/// @file
/// JSON <-> Lua values (nlohmann::json), shared by the `json` global and the http
/// binding (opts.json, Response:json()).
///
/// Mapping:
///   object  <-> table with string keys
///   array   <-> 1-based sequence (decoded arrays carry a marker metatable so that an empty
///               decoded array encodes back to [], and json.array(t) marks a table as an array)
///   null    <-> json.null (a lightuserdata sentinel, so arrays keep their holes)
///   number  <-> number (integral values within 2^53 encode as integers: 3, not 3.0)
/// Encoding an empty unmarked table gives {} (an object). Mixed or non-string keys, sparse
/// arrays, NaN/inf, functions, userdata and cycles are errors naming the path ($.items[2].id).

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

struct lua_State;

namespace lse::lua {

/// Pushes `value` as a Lua value.
void PushJson(lua_State* L, const nlohmann::json& value);

/// Converts the Lua value at `index` to JSON. Returns false and sets *error (with the path) on failure.
/// Never raises a Lua error.
bool ToJson(lua_State* L, int index, nlohmann::json* out, std::string* error);

/// Encodes the Lua value at `index` as compact JSON text. Returns false and sets *error on failure.
bool EncodeJson(lua_State* L, int index, std::string* out, std::string* error);

/// Parses `text` and pushes the result. On invalid JSON pushes nothing, returns false and sets *error
/// ("invalid JSON at byte 12: ..."). Never raises a Lua error.
bool DecodeJsonAndPush(lua_State* L, std::string_view text, std::string* error);

/// Pushes the json.null sentinel; IsJsonNull tests for it.
void PushJsonNull(lua_State* L);
bool IsJsonNull(lua_State* L, int index);

/// Installs the global table `json` = { encode = fn, decode = fn, null = sentinel, array = fn }.
void InstallJsonGlobal(lua_State* L);

}  // namespace lse::lua
