// lsengine-agent: a persistent load generator for distributed runs. It connects to
// the coordinator's NATS broker, announces itself, and replays the plans it is
// given natively (no Lua), run after run, until it is stopped. Setup errors are
// mapped to the documented exit codes here, and only here.

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "lse/agent/agent.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/http/proxy.hpp"
#include "lse/http/tls_context.hpp"

namespace {

// Flag value, else environment variable, else the default.
std::string FromEnv(const std::string& flag_value, const char* env, const std::string& fallback = "") {
    if (!flag_value.empty()) return flag_value;
    if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
    return fallback;
}

std::string DefaultAgentId() {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"lsengine-agent: replays lsengine plans on this machine, for a coordinator"};
    std::string coordinator, agent_id, cluster_id, group, region, token, user, password, creds, ca_file, cert, key;
    std::string timeout = "30s", connect_timeout = "5s";
    std::string target_ca_file, proxy, no_proxy, client_cert, client_key;
    std::string max_header_size = "64KiB";
    bool tls = false, insecure = false, once = false;
    int capacity = 0;
    app.add_option("--coordinator", coordinator,
                   "NATS address of the coordinator, host:4222 (env LSENGINE_COORDINATOR)");
    app.add_option("--agent-id", agent_id, "Unique name of this agent (env LSENGINE_AGENT_ID; default host-pid)");
    app.add_option("--cluster-id", cluster_id,
                   "Only take plans of this cluster (env LSENGINE_CLUSTER_ID; default 'default')");
    app.add_option("--group", group, "Agent group, for --agent-group targeting (env LSENGINE_AGENT_GROUP)");
    app.add_option("--region", region,
                   "Where this agent runs (e.g. eu): for --region-weights and per-region results (env "
                   "LSENGINE_AGENT_REGION)");
    app.add_option("--nats-token", token, "NATS auth token (env LSENGINE_NATS_TOKEN)");
    app.add_option("--nats-user", user, "NATS user (env LSENGINE_NATS_USER)");
    app.add_option("--nats-password", password, "NATS password (env LSENGINE_NATS_PASSWORD)");
    app.add_option("--nats-creds", creds, "NATS credentials file (env LSENGINE_NATS_CREDS)");
    app.add_flag("--nats-tls", tls, "Connect to NATS over TLS");
    app.add_option("--nats-ca-file", ca_file, "CA certificates for the NATS server");
    app.add_option("--nats-cert", cert, "Client certificate for NATS (mutual TLS)");
    app.add_option("--nats-key", key, "Client key for NATS (mutual TLS)");
    app.add_option("--capacity", capacity,
                   "Worker threads this agent offers (default: cores); shards are weighted by it");
    app.add_option("--timeout", timeout, "Default per-request timeout")->capture_default_str();
    app.add_option("--connect-timeout", connect_timeout, "DNS + TCP connect + TLS timeout")->capture_default_str();
    app.add_flag("-k,--insecure", insecure, "Do not verify the target's TLS certificates");
    app.add_option("--ca-file", target_ca_file, "PEM file of CA certificates to trust for the target");
    app.add_option("--proxy", proxy,
                   "HTTP proxy for the load, http://[user:password@]host:port (env LSENGINE_PROXY; default: "
                   "http_proxy / https_proxy / all_proxy)");
    app.add_option("--no-proxy", no_proxy, "Hosts that bypass the proxy (default: NO_PROXY)");
    app.add_option("--cert", client_cert, "Client certificate (PEM) for mutual TLS with the target");
    app.add_option("--key", client_key, "Private key (PEM) of --cert (default: read from the --cert file)");
    app.add_option("--max-header-size", max_header_size,
                   "Longest response status line + headers (e.g. 64KiB, 1MiB); a larger one fails the request")
        ->capture_default_str();
    app.add_flag("--once", once, "Exit after one run instead of waiting for the next plan");
    // Parse errors and lse::Error map to exit codes here exactly as in lsengine's main.cpp: each executable maps
    // them once, in main (docs/user-guide.md, "Exit codes"); eight lines are not worth a shared library.
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : static_cast<int>(lse::ExitCode::kUsage);
    }

    try {
        lse::agent::AgentOptions o;
        const std::string address = FromEnv(coordinator, "LSENGINE_COORDINATOR");
        if (address.empty()) {
            throw lse::UsageError("no coordinator: pass --coordinator host:4222 or set LSENGINE_COORDINATOR");
        }
        o.nats.urls.push_back(address);
        o.nats.token = FromEnv(token, "LSENGINE_NATS_TOKEN");
        o.nats.user = FromEnv(user, "LSENGINE_NATS_USER");
        o.nats.password = FromEnv(password, "LSENGINE_NATS_PASSWORD");
        o.nats.creds_file = FromEnv(creds, "LSENGINE_NATS_CREDS");
        o.nats.tls = tls || !ca_file.empty() || !cert.empty();
        o.nats.ca_file = ca_file;
        o.nats.cert_file = cert;
        o.nats.key_file = key;
        o.nats.retry_on_failed_connect = true;  // agents may start before the coordinator's broker
        o.agent_id = FromEnv(agent_id, "LSENGINE_AGENT_ID", DefaultAgentId());
        o.nats.name = "lsengine-agent " + o.agent_id;
        o.cluster_id = FromEnv(cluster_id, "LSENGINE_CLUSTER_ID", "default");
        o.group = FromEnv(group, "LSENGINE_AGENT_GROUP");
        o.region = FromEnv(region, "LSENGINE_AGENT_REGION");
        o.capacity = capacity > 0 ? capacity : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        o.client.request_timeout_ns = lse::ParseDurationNs(timeout, "--timeout");
        o.client.connect_timeout_ns = lse::ParseDurationNs(connect_timeout, "--connect-timeout");
        o.client.insecure = insecure;
        o.client.ca_file = target_ca_file;
        // The same rules as lsengine's client flags (apps/lsengine/client_flags.cpp), checked before the agent
        // registers, so a bad proxy URL or certificate is an exit code, not a failed run.
        const lse::http::ProxySettings proxies =
            lse::http::ResolveProxySettings(FromEnv(proxy, "LSENGINE_PROXY"), no_proxy);
        o.client.http_proxy = proxies.http_proxy;
        o.client.https_proxy = proxies.https_proxy;
        o.client.no_proxy = proxies.no_proxy;
        if (!client_key.empty() && client_cert.empty()) {
            throw lse::UsageError("--key needs --cert (the client certificate)");
        }
        if (!client_cert.empty()) {
            try {
                lse::http::CheckClientCertificate(client_cert, client_key);
            } catch (const lse::SetupError& e) {
                throw lse::SetupError(std::string(client_key.empty() ? "--cert: " : "--cert/--key: ") + e.what());
            }
            o.client.cert_file = client_cert;
            o.client.key_file = client_key;
        }
        const std::uint64_t header_limit = lse::ParseByteSize(max_header_size, "--max-header-size");
        if (header_limit < 1024 || header_limit > (std::uint64_t{1} << 30)) {  // as lsengine's flag
            throw lse::UsageError("--max-header-size: '" + max_header_size + "' is outside 1KiB..1GiB");
        }
        o.client.max_response_header_bytes = static_cast<std::size_t>(header_limit);
        o.once = once;
        lse::agent::Agent agent(std::move(o));
        return agent.Run();
    } catch (const lse::Error& e) {
        std::fprintf(stderr, "lsengine-agent: %s\n", e.what());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lsengine-agent: internal error: %s\n", e.what());
        return static_cast<int>(lse::ExitCode::kInternal);
    }
}
