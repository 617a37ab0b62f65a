#include "client_flags.hpp"

#include <filesystem>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/core/units.hpp"
#include "lse/http/proxy.hpp"
#include "lse/http/tls_context.hpp"
#include "lse/http/redirect.hpp"

namespace lse::cli {

void AddClientFlags(CLI::App* cmd, ClientFlags* flags) {
    cmd->add_option("--timeout", flags->timeout, "Per-request timeout")->capture_default_str();
    cmd->add_option("--connect-timeout", flags->connect_timeout, "DNS + TCP connect + TLS handshake timeout")
        ->capture_default_str();
    cmd->add_flag("-k,--insecure", flags->insecure, "Do not verify TLS certificates");
    cmd->add_option("--ca-file", flags->ca_file, "PEM file of CA certificates to trust");
    cmd->add_flag("--no-compression", flags->no_compression,
                  "Do not send the default 'Accept-Encoding: gzip, deflate, br' (responses come uncompressed)");
    cmd->add_option("--max-header-size", flags->max_header_size,
                    "Longest response status line + headers (e.g. 64KiB, 1MiB); a larger one fails the request")
        ->capture_default_str();
    cmd->add_option("--proxy", flags->proxy,
                    "HTTP proxy for every request, http://[user:password@]host:port (https goes through CONNECT); "
                    "default: http_proxy / https_proxy / all_proxy from the environment");
    cmd->add_option("--no-proxy", flags->no_proxy,
                    "Hosts that bypass the proxy: comma-separated names (with subdomains), IPs, CIDRs, host:port, "
                    "or '*' (default: NO_PROXY)");
    cmd->add_option("--cert", flags->cert, "Client certificate (PEM) for mutual TLS");
    cmd->add_option("--key", flags->key,
                    "Private key (PEM, unencrypted) of --cert (default: read from the --cert file)");
    cmd->add_option("--max-redirects", flags->max_redirects,
                    "Redirects (301, 302, 303, 307, 308) a request follows; 0 = none, the 3xx is the response "
                    "(default: the scenario's redirects, else " + std::to_string(http::kDefaultMaxRedirects) + ")")
        ->check(CLI::Range(0, http::kMaxRedirectsLimit));
}

int MaxRedirects(const ClientFlags& flags, std::optional<int> scenario_value) {
    if (flags.max_redirects >= 0) return flags.max_redirects;
    return scenario_value.value_or(http::kDefaultMaxRedirects);
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
    const http::ProxySettings proxies = http::ResolveProxySettings(flags.proxy, flags.no_proxy);
    options.http_proxy = proxies.http_proxy;
    options.https_proxy = proxies.https_proxy;
    options.no_proxy = proxies.no_proxy;
    if (!flags.key.empty() && flags.cert.empty()) throw UsageError("--key needs --cert (the client certificate)");
    if (!flags.cert.empty()) {
        try {
            http::CheckClientCertificate(flags.cert, flags.key);
        } catch (const SetupError& e) {
            throw SetupError(std::string(flags.key.empty() ? "--cert: " : "--cert/--key: ") + e.what());
        }
        options.cert_file = flags.cert;
        options.key_file = flags.key;
    }
    const std::uint64_t header_limit = ParseByteSize(flags.max_header_size, "--max-header-size");
    if (header_limit < 1024 || header_limit > (std::uint64_t{1} << 30)) {
        throw UsageError("--max-header-size: '" + flags.max_header_size + "' is outside 1KiB..1GiB");
    }
    options.max_response_header_bytes = static_cast<std::size_t>(header_limit);
    return options;
}

std::string ScenarioFilePath(const std::string& script, const std::string& path) {
    const std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    return (std::filesystem::path(script).parent_path() / p).lexically_normal().string();
}

http::ClientOptions ScenarioClientOptions(const http::ClientOptions& base, const ScenarioClientSettings& scenario,
                                          const std::string& scenario_name, const std::string& script) {
    http::ClientOptions options = base;
    if (!scenario.cert.empty()) {
        options.cert_file = ScenarioFilePath(script, scenario.cert);
        options.key_file = scenario.key.empty() ? std::string() : ScenarioFilePath(script, scenario.key);
        try {
            http::CheckClientCertificate(options.cert_file, options.key_file);
        } catch (const SetupError& e) {
            throw SetupError("scenario '" + scenario_name + "': option " +
                             (scenario.key.empty() ? "'cert'" : "'cert'/'key'") + ": " + e.what());
        }
    }
    if (scenario.max_header_bytes) {
        options.max_response_header_bytes = static_cast<std::size_t>(*scenario.max_header_bytes);
    }
    return options;
}

std::string DescribeProxy(const ClientFlags& flags) {
    const http::ProxySettings options = http::ResolveProxySettings(flags.proxy, flags.no_proxy);
    if (options.http_proxy.empty() && options.https_proxy.empty()) return "";
    std::string out;
    if (options.http_proxy == options.https_proxy) {
        out = RedactUrl(options.http_proxy);
    } else {
        if (!options.http_proxy.empty()) out += "http: " + RedactUrl(options.http_proxy);
        if (!options.https_proxy.empty()) {
            out += std::string(out.empty() ? "" : ", ") + "https: " + RedactUrl(options.https_proxy);
        }
    }
    if (!options.no_proxy.empty()) out += " (not for " + options.no_proxy + ")";
    return out;
}

std::vector<std::pair<std::string, std::string>> DescribeClientFlags(const ClientFlags& flags) {
    std::vector<std::pair<std::string, std::string>> out;
    if (std::string proxy = DescribeProxy(flags); !proxy.empty()) out.emplace_back("proxy", std::move(proxy));
    if (!flags.cert.empty()) {
        out.emplace_back("client certificate", flags.cert + (flags.key.empty() ? "" : " (key " + flags.key + ")"));
    }
    return out;
}

std::vector<std::string> AgentClientArgs(const ClientFlags& flags) {
    // Files as absolute paths: an agent need not share the coordinator's working directory.
    auto file = [](const std::string& path) { return std::filesystem::absolute(path).string(); };
    std::vector<std::string> args;
    if (!flags.no_proxy.empty()) args.insert(args.end(), {"--no-proxy", flags.no_proxy});
    if (!flags.ca_file.empty()) args.insert(args.end(), {"--ca-file", file(flags.ca_file)});
    if (!flags.cert.empty()) args.insert(args.end(), {"--cert", file(flags.cert)});
    if (!flags.key.empty()) args.insert(args.end(), {"--key", file(flags.key)});
    return args;
}

std::vector<std::pair<std::string, std::string>> AgentClientEnv(const ClientFlags& flags) {
    // Local agents inherit the environment (http_proxy & co. reach them as they are); only an explicit --proxy
    // needs passing, as LSENGINE_PROXY, which lsengine-agent reads like its --proxy flag.
    if (flags.proxy.empty()) return {};
    return {{"LSENGINE_PROXY", flags.proxy}};
}

}  // namespace lse::cli
