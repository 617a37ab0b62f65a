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

#include <cstdint>
#include <string_view>

#include "lse/http/result.hpp"

struct lua_State;

namespace lse::lua {

/// Told the decoded size of a response body when a script first reads r.body (or r:json()) of a response that
/// came with a Content-Encoding: the stats row's RequestStats::bytes_decoded. Called on the state's thread.
class DecodedBodySink {
public:
    virtual void OnBodyDecoded(int stat_index, std::uint64_t bytes) noexcept = 0;

protected:
    ~DecodedBodySink() = default;
};

/// Creates the shared response metatable in the registry (once per lua_State). `sink` (may be null) must
/// outlive the state.
void InstallResponseMetatable(lua_State* L, DecodedBodySink* sink = nullptr);

/// Pushes a response table for `result` onto L. `request_name` appears in json() errors; `final_url` and
/// `redirects` are r.url and r.redirects; `stat_index` (>= 0) is the stats row the sink is told about when
/// the body is decoded.
void PushResponse(lua_State* L, const http::Result& result, bool ok, std::string_view request_name,
                  std::string_view final_url = {}, int redirects = 0, int stat_index = -1);

}  // namespace lse::lua
