#pragma once
/// @file
/// The HTTP client flags every load command shares (--timeout, --connect-timeout,
/// --insecure, --ca-file), registered once and turned into http::ClientOptions.

#include <CLI/CLI.hpp>

#include <string>

#include "lse/http/client.hpp"

namespace lse::cli {

struct ClientFlags {
    std::string timeout = "30s";
    std::string connect_timeout = "5s";
    bool insecure = false;
    std::string ca_file;
};

void AddClientFlags(CLI::App* cmd, ClientFlags* flags);

/// Throws UsageError naming the flag for a bad duration.
http::ClientOptions ToClientOptions(const ClientFlags& flags);

}  // namespace lse::cli
