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

http::ClientOptions ToClientOptions(const ClientFlags& flags) {
    http::ClientOptions options;
    options.request_timeout_ns = ParseDurationNs(flags.timeout, "--timeout");
    options.connect_timeout_ns = ParseDurationNs(flags.connect_timeout, "--connect-timeout");
    options.insecure = flags.insecure;
    options.ca_file = flags.ca_file;
    return options;
}

}  // namespace lse::cli
