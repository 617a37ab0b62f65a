#pragma once
/// @file
/// Following redirects: the rules every runner applies between two hops (the Lua runtime, native plan
/// replay), as pure functions with no I/O, so that both send the same hops for the same responses.
///
/// Defaults follow k6, Go's client and Python's requests: up to kDefaultMaxRedirects hops; 301, 302, 303, 307
/// and 308 with a Location are followed; RFC 9110 15.4 decides the next method and whether the body goes on;
/// a hop to another origin leaves the credentials behind.
///
/// Hot path: a response that is not a redirect costs one status compare. A hop reuses the caller's buffers
/// (no allocation once they have grown) and never throws.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lse/http/request.hpp"
#include "lse/http/url.hpp"

namespace lse::http {

/// Hops followed when neither the request, the scenario nor --max-redirects says otherwise (k6's and
/// requests' default).
inline constexpr int kDefaultMaxRedirects = 10;
/// The largest setting accepted anywhere (a script's redirects =, the scenario's, --max-redirects).
inline constexpr int kMaxRedirectsLimit = 100;

/// 301, 302, 303, 307 and 308: the statuses a client follows when they carry a Location. 300 (a choice for
/// the user) and 304 (a cache answer) are final.
bool IsRedirectStatus(int status) noexcept;

/// The first Location header among captured response headers (lower-case names, as http::Result keeps
/// them); empty when there is none.
std::string_view FindLocation(const std::vector<std::pair<std::string, std::string>>& headers) noexcept;

/// Resolves a Location value against the URL the request went to (RFC 3986 5.2) into *out, whose string
/// capacity is reused: an absolute http(s) URL, a scheme-relative one ("//host/p": the request's scheme),
/// an absolute path, a relative path (merged with the request path's directory), or a query alone ("?q":
/// the request's path). Dot segments ("/a/../b") are removed from the path, the #fragment is dropped, a
/// space is sent as %20. False with *why (static text) for an empty Location, another scheme (ftp:,
/// mailto:), an invalid URL or control characters: the redirect cannot be followed.
bool ResolveLocation(const Url& base, std::string_view location, Url* out, const char** why) noexcept;

/// What the next hop sends (RFC 9110 15.4): 303 turns any method but HEAD into GET, and 301 or 302 turn
/// POST into GET (as every browser and client does), without the body; 307 and 308 (and 301/302 of any other
/// method) keep the method and the body.
struct RedirectMethod {
    Method method = Method::kGet;
    bool keep_body = true;
};
RedirectMethod NextRedirectMethod(int status, Method method) noexcept;

/// Whether a header of the request just sent goes on to the next hop. Never: Host and Content-Length (the
/// next hop's serialisation writes its own). A hop to another origin (scheme, host or port differ) drops
/// Authorization and Cookie, as Go's client and requests do: credentials go only where they were given (a
/// runner with a cookie jar adds the jar's cookies for the new origin itself). A hop without the body drops
/// the headers that describe it (Content-Type, Content-Encoding, Content-Language, Content-Location, Digest).
bool KeepsHeaderOnRedirect(std::string_view name, bool cross_origin, bool body_dropped) noexcept;

/// KeepsHeaderOnRedirect applied to *headers in place (order kept; no allocation).
void FilterRedirectHeaders(HeaderList* headers, bool cross_origin, bool body_dropped) noexcept;

/// Reads a serialised request (PreparedRequest::bytes) back into its method, headers and body, for a runner
/// that keeps only the bytes it sent (plan replay) and must send the next hop. Host and Content-Length are
/// left out (the next hop writes its own). *headers' entries and *body keep their capacity: no allocation once
/// they have grown. False when the bytes do not hold a request line and headers ending in an empty line.
bool ReadSerializedRequest(std::string_view bytes, HeaderList* headers, std::string* body) noexcept;

/// The message of a request that still got a redirect after max_redirects hops ("stopped after 10 redirects
/// (the limit): the last response was 302 with Location /x; raise redirects = or --max-redirects"), into
/// *out (cleared first; capacity reused).
void FormatTooManyRedirects(int max_redirects, int status, std::string_view location, std::string* out) noexcept;

}  // namespace lse::http
