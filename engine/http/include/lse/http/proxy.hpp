#pragma once
/// @file
/// Forward proxies, as curl and k6 users configure them: a proxy URL per scheme (--proxy, or the
/// http_proxy / HTTPS_PROXY / ALL_PROXY environment variables), a NO_PROXY list of hosts that go direct,
/// and the CONNECT handshake that opens a tunnel for https origins. Pure functions, no I/O; the client
/// (origin_pool / connection) applies them.
///
/// Environment rules (curl's, the lower-case name wins when both are set): http origins use http_proxy /
/// HTTP_PROXY, https origins https_proxy / HTTPS_PROXY, both fall back to all_proxy / ALL_PROXY; the bypass
/// list is no_proxy / NO_PROXY. Empty values count as unset. An explicit --proxy replaces both schemes' proxies,
/// --no-proxy replaces the NO_PROXY list. Loopback addresses are NOT bypassed implicitly (curl's rule;
/// Go's net/http differs): list them in NO_PROXY to reach them directly.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lse/http/url.hpp"

namespace lse::http {

/// A parsed proxy URL: where to connect, and the credentials it carries (already encoded as a header value).
struct ProxyEndpoint {
    std::string host;             ///< Lower-cased; IPv6 literals without brackets.
    std::uint16_t port = 0;
    std::string authorization;    ///< "Basic <base64(user:password)>", or empty without credentials.

    bool empty() const noexcept { return host.empty(); }
    /// "host:port" ("[::1]:3128"): for messages; never the credentials.
    std::string ToString() const;
};

/// Parses "[http://][user[:password]@]host[:port][/]" (curl's form: scheme optional, port 1080 by default).
/// User and password are percent-decoded. Only plain-http proxies are supported: https://, socks*:// and any
/// other scheme, a path, a bad port or host are refused with lse::UsageError("<source>: invalid proxy URL
/// '<url with credentials masked>': <why>"), `source` naming the flag or variable.
ProxyEndpoint ParseProxyUrl(std::string_view url, std::string_view source);

/// A NO_PROXY list: comma- or space-separated entries, each "*" (everything goes direct), a host name that
/// matches itself and its subdomains (a leading "." or "*." is ignored: "example.com" and ".example.com" both
/// match "api.example.com"), an IP literal ("[::1]" or "::1"), an IP range in CIDR form ("10.0.0.0/8"), each
/// optionally with ":port" (then only that port bypasses). Case-insensitive.
class NoProxyList {
public:
    NoProxyList() = default;
    explicit NoProxyList(std::string_view list);

    /// True when the origin must be reached directly.
    bool Matches(const Origin& origin) const noexcept;
    bool empty() const noexcept { return !all_ && entries_.empty(); }

private:
    struct Entry {
        std::string host;             // lower-cased name or IP literal (no brackets); empty for a CIDR
        unsigned char net[16] = {};   // CIDR network
        int family = 0;               // AF_INET / AF_INET6 for an IP literal or CIDR; 0 for a name
        int prefix_bits = -1;         // CIDR prefix; -1: not a CIDR
        std::uint16_t port = 0;       // 0: any port
    };
    bool all_ = false;
    std::vector<Entry> entries_;
};

/// The proxy URLs and bypass list a client uses; empty strings mean "none".
struct ProxySettings {
    std::string http_proxy;   ///< For http:// origins (requests in absolute form).
    std::string https_proxy;  ///< For https:// origins (a CONNECT tunnel).
    std::string no_proxy;     ///< NoProxyList text.
    /// Where each value came from, for messages ("--proxy", "HTTPS_PROXY", ...).
    std::string http_source = "--proxy";
    std::string https_source = "--proxy";
};

/// Reads the environment by curl's rules (see the file comment) through `getenv` (tests pass their own).
ProxySettings ProxySettingsFromEnvironment(const std::function<const char*(const char*)>& getenv);
/// The same with the process environment.
ProxySettings ProxySettingsFromEnvironment();

/// What a command line asks for: --proxy (both schemes; "" = the environment's) and --no-proxy ("" = NO_PROXY)
/// over the environment. Every URL is checked (ParseProxyUrl), so a bad one fails here, naming the flag or the
/// variable it came from.
ProxySettings ResolveProxySettings(const std::string& proxy_flag, const std::string& no_proxy_flag);

/// A proxy's answer to CONNECT, read so far.
struct ConnectResponse {
    enum class State { kNeedMore, kDone, kInvalid };
    State state = State::kNeedMore;
    int status = 0;
    std::string reason;          ///< "Proxy Authentication Required"
    std::size_t header_end = 0;  ///< Bytes up to and including the blank line (kDone).
};

/// Parses the status line and skips the headers of a CONNECT response ("HTTP/1.x 200 ...\r\n...\r\n\r\n").
/// kInvalid for anything that is not an HTTP/1.x status line.
ConnectResponse ParseConnectResponse(std::string_view bytes);

/// "CONNECT host:port HTTP/1.1\r\nHost: host:port\r\n[Proxy-Authorization: ...\r\n]\r\n".
std::string BuildConnectRequest(const Origin& origin, const ProxyEndpoint& proxy);

/// Where the request target of a serialised request starts and where its request line ends (after CRLF), so
/// that a proxied request can be written as [method SP][absolute prefix][target ... CRLF][Proxy-Authorization]
/// [rest] without copying. false when the bytes do not start with a request line.
bool SplitRequestLine(std::string_view request, std::size_t* target_start, std::size_t* line_end) noexcept;

}  // namespace lse::http
