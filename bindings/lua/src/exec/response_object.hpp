#pragma once
/// @file
/// The table a script gets back from http:get & co.:
///   status  number (0 on a transport error)
///   ok      true when there was no transport error and the status was accepted
///   headers table, lower-case names; a repeated header's values joined with ", "
///   body    string; a body sent with Content-Encoding gzip, deflate or br is decoded on its first read (a Lua
///           error naming the coding when it does not decode); other codings are handed over as they came
///   compressed_size  the body's size as received, before decoding (= #body without an encoding); computed on read
///   error   nil, or the transport error kind name ("timeout", "connect", ...)
///   url     the URL that gave this response (after redirects), e.g. "http://host:8080/b?x=1"
///   redirects  how many redirects were followed to get here (0: none)
///   :json() the body decoded (lua_json); a Lua error naming the request on invalid JSON
/// A plain table (scripts may add fields) sharing one metatable that provides json() and builds
/// `headers`, `url` and `redirects` on their first read (most scripts never read it; see response_object.cpp).

#include <string_view>

#include "lse/http/result.hpp"

struct lua_State;

namespace lse::lua {

/// Creates the shared response metatable in the registry (once per lua_State).
void InstallResponseMetatable(lua_State* L);

/// Pushes a response table for `result` onto L. `request_name` appears in json() errors; `final_url` and
/// `redirects` are r.url and r.redirects.
void PushResponse(lua_State* L, const http::Result& result, bool ok, std::string_view request_name,
                  std::string_view final_url = {}, int redirects = 0);

}  // namespace lse::lua
