#pragma once
/// @file
/// The flags every load command shares: the HTTP client's (--timeout, --connect-timeout,
/// --insecure, --ca-file), turned into http::ClientOptions, and the open model's --max-wait.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
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

/// Registers --max-wait (open model) into *max_wait.
void AddMaxWaitFlag(CLI::App* cmd, std::string* max_wait);

/// How long an open-model arrival may wait for a free virtual user: --max-wait when given, else the
/// scenario's max_wait, else the request timeout (an arrival that cannot start within it would not
/// have finished within it). Throws UsageError naming the flag for a bad duration.
std::int64_t MaxWaitNs(const std::string& max_wait_flag, std::optional<std::int64_t> scenario_value,
                       const ClientFlags& client);

}  // namespace lse::cli
