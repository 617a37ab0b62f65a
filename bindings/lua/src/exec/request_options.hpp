#pragma once
/// @file
/// Reading the arguments of http:get(path, opts) & co. into a request description.
/// Everything a script can get wrong is reported as a std::runtime_error whose message
/// names the argument or option (the binding turns it into a Lua error at the caller's
/// file:line): a bad path, an unknown option ("did you mean 'headers'?"), a bad type.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/http/multipart.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/runtime/status_set.hpp"

struct lua_State;

namespace lse::lua {

struct RequestSpec {
    http::Method method = http::Method::kGet;
    std::string method_token;   ///< the method's text when method is kOther (PROPFIND, PURGE...)
    http::Url url;              ///< absolute: origin + path and query
    std::string name;           ///< stats name: opts.name or "METHOD /path" (no query)
    http::HeaderList headers;   ///< as given, plus Content-Type for json/form
    std::string body;
    std::int64_t timeout_ns = 0;  ///< 0: the runner's default
    bool has_expect = false;
    runtime::StatusSet expect;
    bool has_cookie_header = false;  ///< the script set Cookie itself: the jar stays out of it
    int max_redirects = -1;          ///< opts.redirects: hops to follow (0: none); -1: the scenario's / CLI default
    /// The request offers compressed responses (Accept-Encoding: gzip, deflate, br, added unless the script gave
    /// Accept-Encoding): the scenario's or CLI's default, or the per-request `compression` option.
    bool compression = true;
    /// Scratch of the `files` option (multipart/form-data): the parts of this request are the first
    /// `multipart_used`; later slots keep their capacity for the next request.
    std::vector<http::MultipartPart> multipart_parts;
    std::size_t multipart_used = 0;
    std::string multipart_content_type;
    /// The request's tags, canonical (lse/metrics/tags.hpp): the scenario's `tags` merged with its own option
    /// (which wins per key); empty: none. `tag_pairs` is the scratch the option is read into.
    std::string tags;
    std::string tag_pairs;
};

/// Resolves a script path against the run's target: "/x" and "x" -> target origin + target base
/// path + path; "http(s)://..." -> that URL. `fn` names the calling function in messages ("http:get").
http::Url ResolveRequestUrl(std::string_view path, const http::Url& target, std::string_view fn);

/// ResolveRequestUrl into *out, reusing its string capacity (the per-request form).
void ResolveRequestUrlInto(std::string_view path, const http::Url& target, std::string_view fn, http::Url* out);

/// Reads path (string at path_idx) and opts (table or nil at opts_idx) into *out, which may be a spec
/// reused from an earlier request: every field is reset, capacities are kept. Throws std::runtime_error.
/// `compression` is the default of the `compression` option (false: --no-compression or the scenario's
/// compression = false). `scenario_tags` are the scenario's `tags` in canonical form.
void ReadRequestArgs(lua_State* L, int path_idx, int opts_idx, const http::Url& target, std::string_view fn,
                     RequestSpec* out, bool compression = true, std::string_view scenario_tags = {});

/// A duration argument: number of seconds or a duration string ("500ms"). Throws std::runtime_error
/// naming `what`; rejects negative, NaN and infinite values.
std::int64_t ReadDurationArg(lua_State* L, int idx, std::string_view what);

}  // namespace lse::lua
