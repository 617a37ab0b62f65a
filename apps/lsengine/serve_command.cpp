// `lsengine serve`: the service mode (docs/user-guide.md, "Service mode"). Keeps a NATS broker, the agent
// registry and optional local agents up between runs, and runs one `lsengine run` child at a time on request
// over an HTTP API with bearer auth. The pieces live in serve/ (lse_service); this file wires them and owns the
// main thread: signals, the broker and the local agents (children die with the thread that forked them).

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "lse/coordinator/local_agents.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/prometheus/listen_address.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/broker_config.hpp"
#include "lse/transport/embedded_broker.hpp"
#include "serve/agent_registry.hpp"
#include "serve/bearer_auth.hpp"
#include "serve/http_server.hpp"
#include "serve/run_manager.hpp"
#include "serve/service_agents.hpp"
#include "serve/service_api.hpp"

namespace lse::cli {
namespace {

struct ServeFlags {
    std::string listen = "127.0.0.1:8089";
    std::string token_file;
    std::string data_dir = "lsengine-runs";
    int agents = 0;
    int agent_capacity = 0;
    std::string cluster_id = "default";
    std::string nats_url;
    std::string nats_token;
    std::string nats_host = "0.0.0.0";
    int nats_port = 4222;
    bool no_broker = false;
    std::string stop_grace = "30s";
};

void Log(const std::string& line) { std::cerr << "lsengine serve: " << line << std::endl; }

std::string SelfExe() {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw SetupError("cannot find the lsengine executable (/proc/self/exe)");
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string AgentBinary() {
    const char* env = std::getenv("LSENGINE_AGENT_BINARY");
    if (env != nullptr && *env != '\0') return env;
    const std::string beside = coordinator::AgentBinaryBeside();
    if (beside.empty()) throw SetupError("--agents: no lsengine-agent next to lsengine (set LSENGINE_AGENT_BINARY)");
    return beside;
}

// Blocks the stop signals in every thread (they inherit the mask); the main thread takes them with sigtimedwait.
sigset_t BlockStopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

int Serve(const ServeFlags& f) {
    std::string warning;
    const std::string token = service::ReadTokenFile(f.token_file, &warning);
    if (!warning.empty()) Log("warning: " + warning);
    const prometheus::ListenAddress listen = prometheus::ParseListenAddress(f.listen, "--listen");
    const std::int64_t grace_ns = ParseDurationNs(f.stop_grace, "--stop-grace");
    protocol::ValidateId("--cluster-id", f.cluster_id);
    if (f.agents < 0) throw UsageError("--agents: must be 0 or more");
    if (f.no_broker && (f.agents > 0 || !f.nats_url.empty())) {
        throw UsageError("--no-broker: runs on agents need a broker (drop --agents / --nats-url)");
    }
    if (!f.nats_url.empty() && f.agents > 0) {
        throw UsageError("--agents starts agents against the embedded broker: not with --nats-url");
    }
    const sigset_t stop_signals = BlockStopSignals();

    // The broker: embedded (kept up for the service's life, restarted if it dies) or the user's.
    transport::EmbeddedBroker broker;
    service::BrokerAccess access;
    std::string nats_token = f.nats_token;
    if (!f.no_broker && f.nats_url.empty()) {
        transport::BrokerOptions bo;
        bo.host = f.nats_host;
        bo.port = f.nats_port;
        bo.token = f.nats_token;
        broker.Start(bo);
        nats_token = broker.Token();
        access.nats_url = "nats://127.0.0.1:" + std::to_string(broker.Port());
        Log("NATS broker listening on port " + std::to_string(broker.Port()) +
            "; start agents with: lsengine-agent --coordinator <this-host>:" + std::to_string(broker.Port()) +
            " --nats-token " + (f.nats_token.empty() ? broker.Token() : "<your --nats-token>") + " --cluster-id " +
            f.cluster_id);
    } else if (!f.nats_url.empty()) {
        access.nats_url = f.nats_url;
    }
    access.cluster_id = f.cluster_id;

    std::unique_ptr<service::AgentRegistry> registry;
    if (!access.nats_url.empty()) {
        transport::NatsOptions nats;
        nats.urls.push_back(access.nats_url);
        nats.token = nats_token;
        registry = std::make_unique<service::AgentRegistry>(nats, f.cluster_id);
    }
    service::RunManagerOptions ro;
    ro.lsengine_binary = SelfExe();
    ro.data_dir = f.data_dir;
    ro.broker = access;
    if (!nats_token.empty()) ro.child_env = {{"LSENGINE_NATS_TOKEN", nats_token}};  // never argv: `ps` shows it
    service::RunManager runs(ro);
    // After the RunManager: it creates --data-dir, where the agents' logs go.
    service::ServiceAgents local_agents;
    if (f.agents > 0) {
        local_agents.Start({AgentBinary(), "127.0.0.1:" + std::to_string(broker.Port()), nats_token, f.cluster_id,
                            f.agents, f.agent_capacity, f.data_dir});
    }
    service::ServiceApi api(&runs, registry.get(), token);
    service::HttpServer server(listen, "--listen",
                               [&api](const service::HttpRequest& r, service::HttpResponder& out) { api.Handle(r, out); });
    Log("API on http://" + (listen.host.empty() ? std::string("0.0.0.0") : listen.host) + ":" +
        std::to_string(server.BoundPort()) + " (bearer token from " + f.token_file + "); runs kept in " + f.data_dir);

    int sig = 0;
    while (sig <= 0) {
        timespec tick{0, 500'000'000};
        sig = sigtimedwait(&stop_signals, nullptr, &tick);
        // A dead embedded broker comes back on the same port: agents and the registry reconnect by themselves.
        if (sig <= 0 && !f.no_broker && f.nats_url.empty()) {
            const std::string gone = broker.Exited();
            if (!gone.empty()) {
                Log("the NATS broker " + gone + "; restarting it");
                try {
                    broker.Restart();
                } catch (const std::exception& e) {
                    Log(std::string("cannot restart the broker: ") + e.what());
                }
            }
        }
        if (sig <= 0) local_agents.Supervise(Log);
    }
    Log(std::string("got ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping (a running run drains for up to " +
        f.stop_grace + ")");
    runs.Shutdown(static_cast<int>(grace_ns / 1'000'000));
    server.Stop();
    if (registry) registry->Stop();
    local_agents.Stop();
    broker.Stop();
    Log("stopped");
    return 0;
}

}  // namespace

CommandFn RegisterServeCommand(CLI::App& app) {
    auto f = std::make_shared<ServeFlags>();
    CLI::App* cmd = app.add_subcommand("serve", "Service mode: an HTTP API that runs scenarios on request");
    cmd->add_option("--listen", f->listen, "Address of the HTTP API (HOST:PORT)")->capture_default_str();
    cmd->add_option("--token-file", f->token_file, "File holding the API's bearer token")->required();
    cmd->add_option("--data-dir", f->data_dir, "Directory of the runs' files (script, ndjson, summary, report, log)")
        ->capture_default_str();
    cmd->add_option("--agents", f->agents, "Start N local lsengine-agent processes that stay up between runs");
    cmd->add_option("--agent-capacity", f->agent_capacity, "Worker threads of each local agent (default: its cores)");
    cmd->add_option("--cluster-id", f->cluster_id, "Cluster id of the service's agents")->capture_default_str();
    cmd->add_option("--nats-url", f->nats_url, "Use this NATS server instead of an embedded one");
    cmd->add_option("--nats-token", f->nats_token, "NATS token (embedded broker: default random, printed)")
        ->envname("LSENGINE_NATS_TOKEN");
    cmd->add_option("--nats-host", f->nats_host, "Interface of the embedded broker")->capture_default_str();
    cmd->add_option("--nats-port", f->nats_port, "Port of the embedded broker (0: any free port)")
        ->capture_default_str();
    cmd->add_flag("--no-broker", f->no_broker, "No broker: single-node runs only");
    cmd->add_option("--stop-grace", f->stop_grace, "On SIGTERM, how long a running run may drain before it is killed")
        ->capture_default_str();
    return [f] { return Serve(*f); };
}

}  // namespace lse::cli
