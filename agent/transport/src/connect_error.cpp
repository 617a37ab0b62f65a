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
