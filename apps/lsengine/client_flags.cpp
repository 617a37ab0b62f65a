#include "client_flags.hpp"

#include "lse/core/units.hpp"

namespace lse::cli {

void AddClientFlags(CLI::App* cmd, ClientFlags* flags) {
    cmd->add_option("--timeout", flags->timeout, "Per-request timeout")->capture_default_str();
    cmd->add_option("--connect-timeout", flags->connect_timeout, "DNS + TCP connect + TLS handshake timeout")
        ->capture_default_str();
    cmd->add_flag("-k,--insecure", flags->insecure, "Do not verify TLS certificates");
    cmd->add_option("--ca-file", flags->ca_file, "PEM file of CA certificates to trust");
}

void AddMaxWaitFlag(CLI::App* cmd, std::string* max_wait) {
    cmd->add_option("--max-wait", *max_wait,
                    "Open model: longest an arrival waits for a free virtual user before it is dropped "
                    "(default: --timeout; 0 = drop at once)");
}

std::int64_t MaxWaitNs(const std::string& max_wait_flag, std::optional<std::int64_t> scenario_value,
                       const ClientFlags& client) {
    if (!max_wait_flag.empty()) return ParseDurationNs(max_wait_flag, "--max-wait");
    if (scenario_value) return *scenario_value;
    return ParseDurationNs(client.timeout, "--timeout");
}

http::ClientOptions ToClientOptions(const ClientFlags& flags) {
    http::ClientOptions options;
    options.request_timeout_ns = ParseDurationNs(flags.timeout, "--timeout");
    options.connect_timeout_ns = ParseDurationNs(flags.connect_timeout, "--connect-timeout");
    options.insecure = flags.insecure;
    options.ca_file = flags.ca_file;
    return options;
}

}  // namespace lse::cli
