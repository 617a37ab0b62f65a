#pragma once
/// @file
/// A virtual user's cookies (RFC 6265, the parts a load test needs): Set-Cookie with
/// Path, Domain, Max-Age, Expires and Secure; host-only vs. domain cookies; expired or
/// deleted cookies are dropped. An empty jar is one empty vector, so idle virtual users
/// that never see a cookie cost nothing more.

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
    /// Malformed or foreign-domain cookies are ignored, as browsers do.
    void Store(std::string_view set_cookie, const Origin& origin, std::string_view request_path,
               std::int64_t now_unix);

    /// The Cookie header value for a request ("a=1; b=2"), empty when nothing matches.
    /// Longer paths first (RFC 6265 5.4); expired cookies are skipped.
    std::string HeaderFor(const Origin& origin, std::string_view request_path, std::int64_t now_unix) const;

    const std::vector<Cookie>& Cookies() const noexcept { return cookies_; }
    bool Empty() const noexcept { return cookies_.empty(); }
    void Clear() noexcept { cookies_.clear(); }

private:
    std::vector<Cookie> cookies_;
};

/// Parses an HTTP date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", also RFC 850 and asctime
/// forms) into Unix seconds; false when it is not one.
bool ParseHttpDate(std::string_view text, std::int64_t* out_unix);

}  // namespace lse::http
