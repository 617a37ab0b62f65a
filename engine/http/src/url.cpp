#include "lse/http/url.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"

namespace lse::http {
namespace {

[[noreturn]] void Fail(std::string_view url, std::string_view why) {
    // Echoed redacted: "http://user:pass@host" is rejected exactly because it carries a password, and the
    // message must not print it to a terminal or a CI log.
    throw UsageError("invalid URL '" + RedactUrl(url) + "': " + std::string(why));
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
}

bool Failed(const char** why, const char* text) noexcept {
    if (why != nullptr) *why = text;
    return false;
}

bool IsHostNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

bool IsIpLiteral(std::string_view host) noexcept {
    char buf[64];
    if (host.empty() || host.size() >= sizeof(buf)) return false;
    host.copy(buf, host.size());
    buf[host.size()] = '\0';
    unsigned char addr[16];
    return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

std::string Origin::HostHeader() const {
    std::string out;
    const bool v6 = host.find(':') != std::string::npos;
    if (v6) out += '[';
    out += host;
    if (v6) out += ']';
    if (port != DefaultPort()) {
        out += ':';
        out += std::to_string(port);
    }
    return out;
}

std::string Origin::ToString() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string out = tls ? "https://" : "http://";
    out += v6 ? "[" + host + "]" : host;
    out += ':';
    out += std::to_string(port);
    return out;
}

bool ParseUrlInto(std::string_view url, Url* out_url, const char** why) noexcept {
    // Fields assigned one by one: a reused *out_url keeps its strings' capacity (a redirect per hop).
    Url& out = *out_url;
    out.origin.tls = false;
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return Failed(why, "contains whitespace or a control character");
    }
    std::string_view rest;
    if (StartsWithNoCase(url, "http://")) {
        rest = url.substr(7);
    } else if (StartsWithNoCase(url, "https://")) {
        out.origin.tls = true;
        rest = url.substr(8);
    } else if (url.find("://") != std::string_view::npos) {
        return Failed(why, "only http:// and https:// are supported");
    } else {
        return Failed(why, "missing scheme (expected http:// or https://)");
    }

    const size_t authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

    if (authority.find('@') != std::string_view::npos) return Failed(why, "userinfo (user@host) is not supported");
    if (authority.empty()) return Failed(why, "missing host");

    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    if (authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return Failed(why, "unterminated IPv6 literal");
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Failed(why, "unexpected characters after IPv6 literal");
            has_port = true;
            port_text = after.substr(1);
        }
        char buf[64];
        unsigned char addr[16];
        if (host.empty() || host.size() >= sizeof(buf)) return Failed(why, "invalid IPv6 literal");
        host.copy(buf, host.size());
        buf[host.size()] = '\0';
        if (inet_pton(AF_INET6, buf, addr) != 1) return Failed(why, "invalid IPv6 literal");
    } else {
        const size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            has_port = true;
            port_text = authority.substr(colon + 1);
        }
        if (host.empty()) return Failed(why, "missing host");
        for (char c : host) {
            if (!IsHostNameChar(c)) return Failed(why, "invalid character in host");
        }
    }

    out.origin.port = out.origin.DefaultPort();
    if (has_port) {
        if (port_text.empty()) return Failed(why, "empty port");
        if (port_text.size() > 5) return Failed(why, "port out of range");
        unsigned value = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9') return Failed(why, "port is not a number");
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535) return Failed(why, "port out of range");
        out.origin.port = static_cast<std::uint16_t>(value);
    }

    out.origin.host.clear();
    for (char c : host) out.origin.host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

    const size_t fragment = target.find('#');
    target = target.substr(0, fragment);
    out.path_and_query.clear();
    if (target.empty() || target.front() == '?') out.path_and_query += '/';
    out.path_and_query.append(target);
    return true;
}

Url ParseUrl(std::string_view url) {
    Url out;
    const char* why = nullptr;
    if (!ParseUrlInto(url, &out, &why)) Fail(url, why);
    return out;
}

}  // namespace lse::http
