#pragma once
/// @file
/// A nats-server child process that lsengine starts and stops (the coordinator's built-in broker).

#include <sys/types.h>

#include <ios>
#include <string>
#include <string_view>
#include <vector>

#include "lse/process/process.hpp"

namespace lse::transport {

struct BrokerOptions {
    std::string host = "127.0.0.1";
    int port = 0;        ///< 0 = pick a free port.
    std::string token;   ///< Empty = 32 random hex characters: the embedded broker always requires a token.
    std::string binary = "nats-server";  ///< Searched in PATH when it has no '/'.
    /// Server log; empty = a temporary file removed by Stop(). Temporary files live in $TMPDIR/lsengine-<pid>-XXXXXX
    /// (locked while in use); a start removes such directories left by killed processes.
    std::string log_file;
    int start_timeout_ms = 5000;
};

/// The clients a nats-server log shows refused for authentication (see EmbeddedBroker::RefusedClients), in order
/// of first refusal, each once. Lines look like
/// `[ERR] 127.0.0.1:45656 - cid:4 - "v3.4.1:C:lsengine-agent x" - authentication error`.
std::vector<std::string> RefusedClientsInLog(std::string_view log);

class EmbeddedBroker {
public:
    EmbeddedBroker() = default;
    ~EmbeddedBroker();  ///< Stop().
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    /// Spawns nats-server and waits until it accepts TCP connections. Throws lse::SetupError when the binary is
    /// missing, when the server exits early (the message carries its log tail, e.g. "address already in use"),
    /// or when it is not ready within start_timeout_ms; lse::UsageError for a bad token; SetupError if running.
    /// The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with this process on every exit path. Linux ties that
    /// signal to the *thread* that forked: call Start from a thread that lives as long as the broker should.
    void Start(BrokerOptions options);

    /// SIGTERM, wait up to 3 s, SIGKILL, reap, remove temporary files. Idempotent.
    void Stop() noexcept;

    /// Non-blocking check for a server that died under us (crash, OOM killer, kill -9): reaps it and says how
    /// ("was killed by signal 9"); empty while it runs or when it was never started. The owner polls this so a
    /// lost broker is noticed at once instead of looking like agents that went quiet.
    std::string Exited() noexcept;

    /// Starts the server again after Exited() reported it gone: same host, port and token, so every client
    /// (the coordinator, the agents) reconnects to the URL it already has. Throws as Start. Same thread rule.
    void Restart();

    /// Clients the broker refused (wrong or missing token), from its log: one entry per distinct client, its
    /// connection name ("lsengine-agent agent-0", our agents name themselves) or "unnamed", then its address, e.g.
    /// "agent-0 (127.0.0.1)". Empty when none was refused, or for a log it does not own (read it anyway: any path).
    std::vector<std::string> RefusedClients() const;

    bool Running() const noexcept { return process_.Running(); }
    std::string ClientUrl() const;  ///< nats://127.0.0.1:PORT (no token inside: pass Token() separately).
    const std::string& Token() const noexcept { return token_; }
    int Port() const noexcept { return port_; }
    pid_t Pid() const noexcept { return process_.Pid(); }

private:
    void StartOnce(const BrokerOptions& options, const std::string& binary_path, int port);
    void MakeRunDir();

    BrokerOptions options_;    ///< as given to Start (token filled in): Restart reuses them
    std::string binary_path_;

    process::Process process_;  ///< nats-server, while it runs
    int port_ = 0;
    std::string host_;
    std::string token_;
    std::string config_path_;
    std::string log_path_;
    bool owns_log_ = false;
    std::streamoff log_start_ = 0;  ///< where this broker's first start began writing in log_path_
    bool restarting_ = false;       ///< StartOnce called from Restart (the log is appended to)
    std::string run_dir_;    ///< per-run directory of the config and the owned log
    int run_dir_lock_ = -1;  ///< flock held on run_dir_/.lock while it is in use
};

}  // namespace lse::transport
