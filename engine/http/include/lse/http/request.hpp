#pragma once
/// @file
/// Requests are serialised to wire bytes once, at setup, and the same bytes are written for every
/// send: the hot path never formats a request.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lse/http/url.hpp"

namespace lse::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kCount };

/// "GET", "HEAD", ...
std::string_view MethodName(Method method) noexcept;
/// Case-sensitive inverse of MethodName (HTTP methods are case-sensitive); false when unknown.
bool ParseMethod(std::string_view name, Method* out) noexcept;
/// GET, HEAD, PUT, DELETE and OPTIONS (RFC 9110 9.2.2): safe to resend after a stale keep-alive close.
bool IsIdempotent(Method method) noexcept;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct PreparedRequest {
    Method method = Method::kGet;
    bool idempotent = true;
    bool connection_close = false;  ///< The caller sent "Connection: close": never reuse the connection.
    std::string bytes;              ///< Request line + headers + blank line + body, exactly as written.

    /// Serialises a request. Adds `Host` (origin.HostHeader()), `User-Agent: lsengine/0.1` and
    /// `Content-Length` (when the body is non-empty or the method is POST, PUT or PATCH) unless the caller
    /// gave them (names compare case-insensitively). Throws lse::UsageError naming the offending header
    /// when a name is not an RFC 9110 token or a value holds CR, LF or NUL; when a caller-given
    /// Content-Length disagrees with the body; for Transfer-Encoding (bodies are always sent with
    /// Content-Length); and when path_and_query is not an origin-form target ("/..." or "*").
    static PreparedRequest Build(Method method, const Origin& origin, std::string_view path_and_query,
                                 const HeaderList& headers, std::string_view body);

    /// Build for a request made per send (Lua scripts): same checks and bytes, written into *out whose
    /// buffer capacity is reused, with the Host value given by the caller (origin.HostHeader(), which
    /// the caller can compute once per origin). No allocation once out->bytes has grown. On a throw,
    /// *out is unspecified.
    static void BuildInto(Method method, std::string_view host_header, std::string_view path_and_query,
                          const HeaderList& headers, std::string_view body, PreparedRequest* out);
};

/// Header names compare case-insensitively (RFC 9110 5.1).
bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept;

/// Optional whitespace around header values is not part of the value (RFC 9110 5.5). Everything that
/// serialises requests (PreparedRequest::Build, plan replay) trims the same way.
std::string_view TrimHeaderValue(std::string_view s) noexcept;

}  // namespace lse::http
