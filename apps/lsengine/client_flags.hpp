#pragma once
/// @file
/// The flags every load command shares: the HTTP client's (--timeout, --connect-timeout,
/// --insecure, --ca-file, --proxy, --no-proxy, --cert, --key), turned into http::ClientOptions, and the open
/// model's --max-wait.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lse/http/client.hpp"

namespace lse::cli {

struct ClientFlags {
    std::string timeout = "30s";
    std::string connect_timeout = "5s";
    bool insecure = false;
    std::string ca_file;
    std::string proxy;     ///< --proxy URL: both schemes' proxy, instead of the environment's
    std::string no_proxy;  ///< --no-proxy LIST: instead of NO_PROXY
    std::string cert;      ///< --cert FILE (PEM): client certificate for mutual TLS
    std::string key;       ///< --key FILE (PEM): its private key (default: in the --cert file)
    int max_redirects = -1;  ///< --max-redirects; -1: not given (the scenario's, else http::kDefaultMaxRedirects)
    /// --no-compression: requests do not offer compressed responses (no default Accept-Encoding).
    bool no_compression = false;
    std::string max_header_size = "64KiB";  ///< --max-header-size: longest status line + headers of a response
};

void AddClientFlags(CLI::App* cmd, ClientFlags* flags);

/// Throws UsageError naming the flag for a bad duration, size or proxy URL (or the environment variable the proxy
/// came from), SetupError naming --cert/--key and the file when the client certificate cannot be loaded. Proxies:
/// --proxy and --no-proxy when given, else the environment's (lse/http/proxy.hpp).
http::ClientOptions ToClientOptions(const ClientFlags& flags);

/// A scenario's `cert` / `key` / `max_header_size` options (issue 15) over the run's client options: the files are
/// resolved against the script's directory (ScenarioFilePath) and loaded now (SetupError naming the scenario and
/// option); the header limit replaces --max-header-size. Without those options, `base` as it is.
struct ScenarioClientSettings {
    std::string cert;  ///< as written in the script; empty: none
    std::string key;
    std::optional<std::uint64_t> max_header_bytes;
};
http::ClientOptions ScenarioClientOptions(const http::ClientOptions& base, const ScenarioClientSettings& scenario,
                                          const std::string& scenario_name, const std::string& script);
/// A file a script names (cert = "client.pem"): relative paths are relative to the script's directory.
std::string ScenarioFilePath(const std::string& script, const std::string& path);

/// The proxy settings as the run's description shows them: "http://***@proxy:3128" (credentials masked), or
/// "" when requests go direct.
std::string DescribeProxy(const ClientFlags& flags);

/// The proxy and client-certificate lines of a run's description ("proxy", "client certificate").
std::vector<std::pair<std::string, std::string>> DescribeClientFlags(const ClientFlags& flags);

/// lsengine-agent flags that carry the client flags to local agents; the proxy URL (it may hold credentials)
/// goes through the environment instead (AgentClientEnv), since `ps` shows argv.
std::vector<std::string> AgentClientArgs(const ClientFlags& flags);
std::vector<std::pair<std::string, std::string>> AgentClientEnv(const ClientFlags& flags);
/// Redirects a request follows when it does not say: --max-redirects when given, else the scenario's
/// `redirects`, else http::kDefaultMaxRedirects.
int MaxRedirects(const ClientFlags& flags, std::optional<int> scenario_value);

/// Registers --max-wait (open model) into *max_wait.
void AddMaxWaitFlag(CLI::App* cmd, std::string* max_wait);

/// How long an open-model arrival may wait for a free virtual user: --max-wait when given, else the
/// scenario's max_wait, else the request timeout (an arrival that cannot start within it would not
/// have finished within it). Throws UsageError naming the flag for a bad duration.
std::int64_t MaxWaitNs(const std::string& max_wait_flag, std::optional<std::int64_t> scenario_value,
                       const ClientFlags& client);

}  // namespace lse::cli
