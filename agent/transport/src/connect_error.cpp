#include "lse/transport/connect_error.hpp"

#include <algorithm>
#include <cctype>

namespace lse::transport {

bool LooksLikeAuthFailure(std::string_view detail) noexcept {
    std::string lower(detail.size(), '\0');
    std::transform(detail.begin(), detail.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("authorization") != std::string::npos || lower.find("authentication") != std::string::npos;
}

namespace {

bool Contains(std::string_view text, std::string_view word) noexcept {
    std::string lower(text.size(), '\0');
    std::transform(text.begin(), text.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find(word) != std::string::npos;
}

}  // namespace

std::string DescribeRefusal(std::string_view detail, const OfferedCredentials& offered) {
    // nats.c prefixes its error stack's source position: "(conn.c:1905): Authorization Violation".
    if (const auto end = detail.find("): "); !detail.empty() && detail.front() == '(' && end != std::string_view::npos) {
        detail.remove_prefix(end + 3);
    }
    const std::string suffix = detail.empty() ? std::string() : " (" + std::string(detail) + ")";
    if (LooksLikeAuthFailure(detail)) {
        if (offered.creds_file) return "authorization violation: check --nats-creds / LSENGINE_NATS_CREDS" + suffix;
        if (offered.user && !offered.token) {
            return "authorization violation: check --nats-user / --nats-password (LSENGINE_NATS_USER / "
                   "LSENGINE_NATS_PASSWORD)" + suffix;
        }
        return "authorization violation: check --nats-token / LSENGINE_NATS_TOKEN" + suffix;
    }
    if (Contains(detail, "ssl") || Contains(detail, "tls") || Contains(detail, "handshake") ||
        Contains(detail, "secure") || Contains(detail, "certificate")) {
        return std::string(offered.tls ? "TLS handshake failed: check --nats-ca-file, --nats-cert / --nats-key and "
                                         "that the broker serves TLS"
                                       : "TLS required by the broker: add --nats-tls (and --nats-ca-file)") + suffix;
    }
    if (offered.creds_file && (Contains(detail, "file") || Contains(detail, "creds") || Contains(detail, "jwt") ||
                               Contains(detail, "nkey") || Contains(detail, "signature"))) {
        return "cannot read the credentials file: check --nats-creds / LSENGINE_NATS_CREDS" + suffix;
    }
    return "the broker closed the connection" +
           (detail.empty() ? std::string(": no reason given") : ": " + std::string(detail));
}

std::string DescribeConnectFailure(std::string_view urls, std::string_view detail, bool auth_failure) {
    std::string out = "cannot connect to NATS at ";
    out.append(urls);
    out.append(": ");
    if (auth_failure) {
        out.append("authorization failed (check the token, user/password or credentials file)");
        if (!detail.empty()) out.append(": ").append(detail);
        return out;
    }
    out.append(detail.empty() ? std::string_view("unknown error") : detail);
    return out;
}

}  // namespace lse::transport
