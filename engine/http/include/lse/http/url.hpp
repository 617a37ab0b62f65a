#pragma once
/// @file
/// Absolute http:// and https:// URLs, split into the origin a connection pool is keyed on and the
/// request target that goes on the request line.

#include <cstdint>
#include <string>
#include <string_view>

namespace lse::http {

/// Where a connection goes: scheme, host and port. Two requests share a connection pool exactly when
/// their origins compare equal.
struct Origin {
    bool tls = false;
    std::string host;  ///< Lower-cased; IPv6 literals without brackets ("::1").
    std::uint16_t port = 0;

    std::uint16_t DefaultPort() const noexcept { return tls ? 443 : 80; }
    /// Value of the Host header: "host", "host:8080", "[::1]:8080"; the port is omitted when it is the
    /// scheme's default.
    std::string HostHeader() const;
    /// "http://host:port" (port always present), for messages and metric labels.
    std::string ToString() const;

    friend bool operator==(const Origin& a, const Origin& b) noexcept {
        return a.tls == b.tls && a.port == b.port && a.host == b.host;
    }
};

struct Url {
    Origin origin;
    std::string path_and_query;  ///< Never empty: "/" when the URL has no path; the #fragment is dropped.
};

/// Parses an absolute http or https URL. Rejects a missing or other scheme, userinfo ("user@host"),
/// an empty host, a bad port, malformed IPv6 literals and whitespace or control characters.
/// Throws lse::UsageError("invalid URL '<url>': <why>").
Url ParseUrl(std::string_view url);

/// ParseUrl without throwing, into a reused *out (string capacity kept): false with *why (static text, the
/// reason ParseUrl's message gives) when url is not one. *out is unspecified then. For URLs met per request
/// (a redirect's Location).
bool ParseUrlInto(std::string_view url, Url* out, const char** why) noexcept;

/// True when host is an IPv4 or IPv6 literal (without brackets), i.e. needs no DNS lookup.
bool IsIpLiteral(std::string_view host) noexcept;

}  // namespace lse::http
