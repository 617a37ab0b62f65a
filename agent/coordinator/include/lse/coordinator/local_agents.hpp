#pragma once
/// @file
/// `lsengine run --agents N`: the lsengine-agent child processes the coordinator starts on this machine.
/// Each child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the coordinator on every exit path (even
/// SIGKILL); Stop() and the destructor end them politely first.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "lse/process/process.hpp"

namespace lse::coordinator {

struct LocalAgentOptions {
    std::string binary;       ///< path of lsengine-agent
    std::string nats_url;     ///< nats://127.0.0.1:PORT
    std::string token;        ///< passed through the environment (LSENGINE_NATS_TOKEN), never argv: `ps` shows argv
    std::string cluster_id;
    int count = 1;
    int capacity = 0;         ///< 0: the agent's default (its cores)
    std::vector<std::string> extra_args;  ///< e.g. --timeout, --insecure
    std::vector<std::pair<std::string, std::string>> extra_env;  ///< secrets for the agent (LSENGINE_PROXY)
};

/// The lsengine-agent next to the running executable (same directory), or "" when there is none.
std::string AgentBinaryBeside(const std::string& self_exe = "/proc/self/exe");

class LocalAgents {
public:
    LocalAgents() = default;
    ~LocalAgents();  ///< Stop().
    LocalAgents(const LocalAgents&) = delete;
    LocalAgents& operator=(const LocalAgents&) = delete;

    /// Spawns agents agent-0 .. agent-<count-1> with --once. Throws lse::SetupError when the binary
    /// cannot be executed. Call from a thread that lives as long as the agents should (PDEATHSIG is per thread).
    void Start(const LocalAgentOptions& options);

    /// Ids of children that already exited (for error messages while waiting for registration).
    std::vector<std::string> Exited();

    /// Last lines of an agent's log (its stderr), for error messages.
    std::string LogTail(int index, std::size_t max_bytes = 2000) const;

    /// SIGTERM to all, wait up to 3 s, SIGKILL the rest, reap, remove the logs. Idempotent.
    void Stop() noexcept;

    int Count() const noexcept { return static_cast<int>(children_.size()); }
    pid_t Pid(int index) const noexcept { return children_[index].process.Pid(); }

private:
    struct Child {
        std::string id;
        process::Process process;
        std::string log_path;
    };
    std::vector<Child> children_;
    std::string log_dir_;
};

}  // namespace lse::coordinator
