#include "lse/transport/nats_url.hpp"

#include <charconv>

#include "lse/core/errors.hpp"

namespace lse::transport {

namespace {

constexpr std::string_view kDefaultScheme = "nats://";
constexpr std::string_view kDefaultPort = "4222";
constexpr std::string_view kKnownSchemes[] = {"nats://", "tls://", "ws://", "wss://"};

}  // namespace

std::string NormaliseNatsUrl(std::string_view url) {
    while (!url.empty() && (url.front() == ' ' || url.front() == '\t')) url.remove_prefix(1);
    while (!url.empty() && (url.back() == ' ' || url.back() == '\t' || url.back() == '/')) url.remove_suffix(1);
    if (url.empty()) throw UsageError("empty NATS server URL");

    std::string_view scheme = kDefaultScheme;
    std::string_view rest = url;
    const auto sep = url.find("://");
    if (sep != std::string_view::npos) {
        scheme = url.substr(0, sep + 3);
        bool known = false;
        for (auto candidate : kKnownSchemes) known = known || candidate == scheme;
        if (!known) {
            throw UsageError("unsupported NATS URL scheme in '" + RedactNatsUrl(url) +
                             "' (use nats://, tls://, ws:// or wss://)");
        }
        rest = url.substr(sep + 3);
    }
    // Credentials may contain ':' so the port is looked for after the last '@'.
    const auto at = rest.rfind('@');
    const std::string_view host_port = at == std::string_view::npos ? rest : rest.substr(at + 1);
    if (host_port.empty() || host_port.front() == ':') {
        throw UsageError("NATS URL '" + RedactNatsUrl(url) + "' has no host");
    }
    const auto bracket = host_port.rfind(']');  // IPv6 literal: [::1]:4222
    const auto colon = host_port.rfind(':');
    const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
    std::string out(scheme);
    out.append(rest);
    if (!has_port) {
        out.append(":").append(kDefaultPort);
        return out;
    }
    const std::string_view port_text = host_port.substr(colon + 1);
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
        throw UsageError("bad port in NATS URL '" + RedactNatsUrl(url) + "'");
    }
    return out;
}

std::string RedactNatsUrl(std::string_view url) {
    const auto sep = url.find("://");
    const std::size_t start = sep == std::string_view::npos ? 0 : sep + 3;
    const auto at = url.rfind('@');
    if (at == std::string_view::npos || at < start) return std::string(url);
    std::string out(url.substr(0, start));
    out.append("***");
    out.append(url.substr(at));
    return out;
}

}  // namespace lse::transport
