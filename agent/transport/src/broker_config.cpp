#include "lse/transport/broker_config.hpp"

#include <random>

#include "lse/core/errors.hpp"

namespace lse::transport {

std::string RandomHexToken(std::size_t chars) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::random_device entropy;  // getrandom(2) on Linux: not a predictable PRNG
    std::string out;
    out.reserve(chars);
    while (out.size() < chars) {
        unsigned value = entropy();
        for (int i = 0; i < 8 && out.size() < chars; ++i, value >>= 4) out.push_back(kHex[value & 0xF]);
    }
    return out;
}

void ValidateBrokerToken(std::string_view token) {
    if (token.empty()) throw UsageError("the NATS broker token must not be empty");
    for (char c : token) {
        if (c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '\'') {
            throw UsageError("the NATS broker token may only contain printable ASCII without spaces or quotes");
        }
    }
}

std::string RenderBrokerConfig(std::string_view host, int port, std::string_view token, std::string_view log_file) {
    std::string out;
    out.append("# written by lsengine for its embedded broker\n");
    out.append("listen: \"").append(host).append(":").append(std::to_string(port)).append("\"\n");
    out.append("authorization {\n  token: \"").append(token).append("\"\n}\n");
    if (!log_file.empty()) out.append("log_file: \"").append(log_file).append("\"\n");
    return out;
}

}  // namespace lse::transport
