#include "lse/http/proxy.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"

namespace lse::http {
namespace {

constexpr std::uint16_t kDefaultProxyPort = 1080;  // curl's default when the URL names no port

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            *out += in[i];
            continue;
        }
        const int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
        const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
        if (hi < 0 || lo < 0) return false;
        *out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

std::string Base64(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
}

// Port text to a number; 0 when it is not a valid port.
std::uint16_t ParsePort(std::string_view text) {
    if (text.empty() || text.size() > 5) return 0;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return 0;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value == 0 || value > 65535 ? 0 : static_cast<std::uint16_t>(value);
}

// "host", "host:port", "[v6]", "[v6]:port", "v6" (bare, several colons: no port). *has_port: a ':' port
// separator was there (its text may be empty). Returns false on bad syntax.
bool SplitHostPort(std::string_view text, std::string_view* host, std::string_view* port, bool* has_port) {
    *port = {};
    *has_port = false;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) return false;
        *host = text.substr(1, close - 1);
        const std::string_view after = text.substr(close + 1);
        if (after.empty()) return true;
        if (after.front() != ':') return false;
        *has_port = true;
        *port = after.substr(1);
        return true;
    }
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
        *host = text;  // a bare IPv6 literal
        return true;
    }
    *host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
        *has_port = true;
        *port = text.substr(colon + 1);
    }
    return true;
}

bool ParseIp(const std::string& text, int* family, unsigned char* addr) {
    if (inet_pton(AF_INET, text.c_str(), addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), addr) == 1) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

bool PrefixEquals(const unsigned char* a, const unsigned char* b, int bits) {
    const int bytes = bits / 8;
    if (std::memcmp(a, b, static_cast<size_t>(bytes)) != 0) return false;
    const int rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

}  // namespace

std::string ProxyEndpoint::ToString() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ProxyEndpoint ParseProxyUrl(std::string_view url, std::string_view source) {
    auto fail = [&](std::string_view why) {
        throw UsageError(std::string(source) + ": invalid proxy URL '" + RedactUrl(url) + "': " + std::string(why));
    };
    std::string_view rest = url;
    const size_t scheme_end = rest.find("://");
    if (scheme_end != std::string_view::npos) {
        const std::string scheme = Lower(rest.substr(0, scheme_end));
        if (scheme == "https") fail("https:// proxies (TLS to the proxy) are not supported; use an http:// proxy");
        if (scheme != "http") fail("only http:// proxies are supported");
        rest = rest.substr(scheme_end + 3);
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#") != std::string_view::npos) fail("a proxy URL has no path");
    for (char c : rest) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) fail("contains whitespace or a control character");
    }

    ProxyEndpoint out;
    const size_t at = rest.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = rest.substr(0, at);
        const size_t colon = userinfo.find(':');
        std::string user, password;
        if (!PercentDecode(userinfo.substr(0, colon), &user) ||
            (colon != std::string_view::npos && !PercentDecode(userinfo.substr(colon + 1), &password))) {
            fail("bad percent-encoding in the credentials");
        }
        out.authorization = "Basic " + Base64(user + ":" + password);
        rest = rest.substr(at + 1);
    }

    std::string_view host, port;
    bool has_port = false;
    if (!SplitHostPort(rest, &host, &port, &has_port) || host.empty()) fail("missing or malformed host");
    out.host = Lower(host);
    const bool ip = IsIpLiteral(out.host);
    if (!ip) {
        for (char c : out.host) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
                fail("invalid character in host");
            }
        }
    }
    out.port = kDefaultProxyPort;
    if (has_port) {
        out.port = ParsePort(port);
        if (out.port == 0) fail("bad port");
    }
    return out;
}

NoProxyList::NoProxyList(std::string_view list) {
    size_t start = 0;
    while (start < list.size()) {
        size_t end = list.find_first_of(", \t", start);
        if (end == std::string_view::npos) end = list.size();
        std::string_view item = list.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        if (item == "*") {
            all_ = true;
            continue;
        }
        Entry e;
        const size_t slash = item.find('/');
        if (slash != std::string_view::npos) {  // CIDR; a port would be ambiguous with IPv6: none allowed
            std::string net(item.substr(0, slash));
            if (!net.empty() && net.front() == '[' && net.back() == ']') net = net.substr(1, net.size() - 2);
            const std::string bits(item.substr(slash + 1));
            char* endp = nullptr;
            const long n = std::strtol(bits.c_str(), &endp, 10);
            if (!ParseIp(net, &e.family, e.net) || bits.empty() || *endp != '\0' || n < 0 ||
                n > (e.family == AF_INET ? 32 : 128)) {
                continue;  // curl ignores entries it cannot read; so do we
            }
            e.prefix_bits = static_cast<int>(n);
            entries_.push_back(e);
            continue;
        }
        std::string_view host, port;
        bool has_port = false;
        if (!SplitHostPort(item, &host, &port, &has_port)) continue;
        if (has_port) {
            e.port = ParsePort(port);
            if (e.port == 0) continue;
        }
        if (host.substr(0, 2) == "*.") host.remove_prefix(2);
        if (!host.empty() && host.front() == '.') host.remove_prefix(1);
        if (host.empty()) continue;
        e.host = Lower(host);
        unsigned char addr[16];
        if (ParseIp(e.host, &e.family, addr)) std::memcpy(e.net, addr, sizeof addr);
        entries_.push_back(std::move(e));
    }
}

bool NoProxyList::Matches(const Origin& origin) const noexcept {
    if (all_) return true;
    if (entries_.empty()) return false;
    unsigned char addr[16];
    int family = 0;
    char buf[64];
    bool is_ip = false;
    if (origin.host.size() < sizeof buf) {
        origin.host.copy(buf, origin.host.size());
        buf[origin.host.size()] = '\0';
        if (inet_pton(AF_INET, buf, addr) == 1) {
            family = AF_INET;
            is_ip = true;
        } else if (inet_pton(AF_INET6, buf, addr) == 1) {
            family = AF_INET6;
            is_ip = true;
        }
    }
    for (const Entry& e : entries_) {
        if (e.port != 0 && e.port != origin.port) continue;
        if (e.prefix_bits >= 0) {
            if (is_ip && family == e.family && PrefixEquals(addr, e.net, e.prefix_bits)) return true;
            continue;
        }
        if (e.family != 0) {  // an IP literal: exact address
            if (is_ip && family == e.family &&
                std::memcmp(addr, e.net, family == AF_INET ? 4 : 16) == 0) {
                return true;
            }
            continue;
        }
        if (is_ip) continue;
        const std::string& h = origin.host;
        if (h == e.host) return true;
        if (h.size() > e.host.size() && h.compare(h.size() - e.host.size(), e.host.size(), e.host) == 0 &&
            h[h.size() - e.host.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

ProxySettings ProxySettingsFromEnvironment(const std::function<const char*(const char*)>& getenv) {
    auto first = [&](const char* lower, const char* upper, std::string* source) -> std::string {
        for (const char* name : {lower, upper}) {
            const char* v = getenv(name);
            if (v != nullptr && *v != '\0') {
                if (source != nullptr) *source = name;
                return v;
            }
        }
        return {};
    };
    ProxySettings s;
    s.http_proxy = first("http_proxy", "HTTP_PROXY", &s.http_source);
    s.https_proxy = first("https_proxy", "HTTPS_PROXY", &s.https_source);
    std::string all_source;
    const std::string all = first("all_proxy", "ALL_PROXY", &all_source);
    if (s.http_proxy.empty() && !all.empty()) {
        s.http_proxy = all;
        s.http_source = all_source;
    }
    if (s.https_proxy.empty() && !all.empty()) {
        s.https_proxy = all;
        s.https_source = all_source;
    }
    s.no_proxy = first("no_proxy", "NO_PROXY", nullptr);
    return s;
}

ProxySettings ProxySettingsFromEnvironment() {
    return ProxySettingsFromEnvironment([](const char* name) -> const char* { return std::getenv(name); });
}

ProxySettings ResolveProxySettings(const std::string& proxy_flag, const std::string& no_proxy_flag) {
    ProxySettings s = ProxySettingsFromEnvironment();
    if (!proxy_flag.empty()) {
        s.http_proxy = s.https_proxy = proxy_flag;
        s.http_source = s.https_source = "--proxy";
    }
    if (!no_proxy_flag.empty()) s.no_proxy = no_proxy_flag;
    if (!s.http_proxy.empty()) (void)ParseProxyUrl(s.http_proxy, s.http_source);
    if (!s.https_proxy.empty()) (void)ParseProxyUrl(s.https_proxy, s.https_source);
    return s;
}

ConnectResponse ParseConnectResponse(std::string_view bytes) {
    ConnectResponse r;
    const size_t line_end = bytes.find("\r\n");
    if (line_end == std::string_view::npos) {
        // Whatever has arrived must at least start like a status line.
        const size_t n = std::min<size_t>(bytes.size(), 5);
        if (bytes.substr(0, n) != std::string_view("HTTP/").substr(0, n)) r.state = ConnectResponse::State::kInvalid;
        return r;
    }
    const std::string_view line = bytes.substr(0, line_end);
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(line[9])) || !std::isdigit(static_cast<unsigned char>(line[10])) ||
        !std::isdigit(static_cast<unsigned char>(line[11])) || (line.size() > 12 && line[12] != ' ')) {
        r.state = ConnectResponse::State::kInvalid;
        return r;
    }
    r.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (line.size() > 13) r.reason = std::string(line.substr(13));
    const size_t end = bytes.find("\r\n\r\n", line_end);
    if (end == std::string_view::npos) return r;  // still kNeedMore, status already known
    r.header_end = end + 4;
    r.state = ConnectResponse::State::kDone;
    return r;
}

std::string BuildConnectRequest(const Origin& origin, const ProxyEndpoint& proxy) {
    const bool v6 = origin.host.find(':') != std::string::npos;
    const std::string authority = (v6 ? "[" + origin.host + "]" : origin.host) + ":" + std::to_string(origin.port);
    std::string out = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!proxy.authorization.empty()) out += "Proxy-Authorization: " + proxy.authorization + "\r\n";
    out += "\r\n";
    return out;
}

bool SplitRequestLine(std::string_view request, std::size_t* target_start, std::size_t* line_end) noexcept {
    const size_t space = request.find(' ');
    const size_t crlf = request.find("\r\n");
    if (space == std::string_view::npos || crlf == std::string_view::npos || space > crlf) return false;
    *target_start = space + 1;
    *line_end = crlf + 2;
    return true;
}

}  // namespace lse::http
