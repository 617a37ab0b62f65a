#include "lse/prometheus/listen_address.hpp"

#include <charconv>

#include "lse/core/errors.hpp"

namespace lse::prometheus {
namespace {

[[noreturn]] void Malformed(std::string_view flag, std::string_view text, std::string_view why) {
    throw UsageError(std::string(flag) + " '" + std::string(text) + "': " + std::string(why) +
                     " (expected HOST:PORT, :PORT or [IPv6]:PORT, e.g. 127.0.0.1:9464)");
}

bool IsHostChar(char c) {
    // Host names and IPv4/IPv6 literals; anything else (spaces, '/', '@') is a typo, not a host.
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == ':' || c == '%';
}

}  // namespace

ListenAddress ParseListenAddress(std::string_view text, std::string_view flag) {
    ListenAddress out;
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) Malformed(flag, text, "missing ']' after the IPv6 address");
        host = text.substr(1, close - 1);
        if (host.empty()) Malformed(flag, text, "empty IPv6 address");
        if (close + 1 >= text.size() || text[close + 1] != ':') Malformed(flag, text, "missing ':PORT'");
        port = text.substr(close + 2);
    } else {
        const size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) Malformed(flag, text, "missing ':PORT'");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) Malformed(flag, text, "put IPv6 addresses in brackets");
    }
    for (char c : host) {
        if (!IsHostChar(c)) Malformed(flag, text, "invalid character in the host");
    }
    if (port.empty()) Malformed(flag, text, "missing port");
    int value = -1;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535) {
        Malformed(flag, text, "port must be a number from 0 to 65535");
    }
    out.host = std::string(host);
    out.port = value;
    return out;
}

}  // namespace lse::prometheus
