#pragma once
/// @file
/// A virtual user's cookies (RFC 6265, the parts a load test needs): Set-Cookie with
/// Path, Domain, Max-Age, Expires and Secure; host-only vs. domain cookies; expired or
/// deleted cookies are dropped. An empty jar is one empty vector, so idle virtual users
/// that never see a cookie cost nothing more.
///
/// Used by the Lua runtime (one jar per virtual user) and by agents' native replay (the same, without
/// Lua), so both send the same cookies for the same responses. The replay's hot path stores and sends
/// without allocating once a jar holds its cookies: a server that sets the same cookie again (a fresh
/// session id per response) overwrites it in place, and AppendHeaderFor writes into a reused buffer.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/http/url.hpp"

namespace lse::http {

class CookieJar {
public:
    struct Cookie {
        std::string name;
        std::string value;
        std::string domain;  ///< lower-case, no leading dot
        std::string path;
        bool host_only = true;
        bool secure = false;
        std::int64_t expires_unix = -1;  ///< -1: session cookie
    };

    /// Applies one Set-Cookie header value received from `origin` for `request_path` (path only,
    /// no query). now_unix: seconds since the epoch (a parameter so tests control time).
    /// Malformed or foreign-domain cookies are ignored, as browsers do. Replacing a cookie the jar
    /// holds (same name, domain and path) reuses its buffers.
    void Store(std::string_view set_cookie, const Origin& origin, std::string_view request_path,
               std::int64_t now_unix);

    /// The Cookie header value for a request ("a=1; b=2"), empty when nothing matches.
    /// Longer paths first (RFC 6265 5.4), then in creation order; expired cookies are skipped.
    std::string HeaderFor(const Origin& origin, std::string_view request_path, std::int64_t now_unix) const;

    /// HeaderFor appended to *out (not cleared). No allocation beyond growing *out.
    void AppendHeaderFor(const Origin& origin, std::string_view request_path, std::int64_t now_unix,
                         std::string* out) const noexcept;

    /// Cookies in sending order (longer paths first, then creation order).
    const std::vector<Cookie>& Cookies() const noexcept { return cookies_; }
    bool Empty() const noexcept { return cookies_.empty(); }
    void Clear() noexcept { cookies_.clear(); }

private:
    std::vector<Cookie> cookies_;  // kept sorted by path length, longest first, stable (the sending order)
};

/// Parses an HTTP date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", also RFC 850 and asctime
/// forms) into Unix seconds; false when it is not one.
bool ParseHttpDate(std::string_view text, std::int64_t* out_unix);

/// The path of a serialised request's target (PreparedRequest::bytes): from the request line, without the
/// query; "/" when it cannot be read. What a jar stores and matches cookies against.
std::string_view RequestPath(std::string_view request_bytes) noexcept;

/// Writes the serialised request `request` into *out (cleared first) with its Cookie header replaced by the
/// request's own cookie pairs merged with `jar_pairs` (AppendHeaderFor's "a=1; b=2"): the request's pairs
/// first, less those whose name the jar sends (the jar wins), then the jar's. A request without a Cookie
/// header gets one after its last header. `jar_pairs` must not be empty. No allocation beyond growing *out.
void WriteWithCookies(std::string_view request, std::string_view jar_pairs, std::string* out) noexcept;

}  // namespace lse::http
