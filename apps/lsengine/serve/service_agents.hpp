#pragma once
/// @file
/// `lsengine serve --agents N`: lsengine-agent processes on the service's own machine that stay up between runs
/// (no --once), registered with the service's broker like any external agent. A child that exits is started
/// again, at most once every kRestartDelayMs, so a run that needs them finds them.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/process/process.hpp"

namespace lse::service {

struct ServiceAgentOptions {
    std::string binary;     ///< lsengine-agent
    std::string nats_url;   ///< host:port of the service's broker
    std::string token;      ///< into the environment, never argv
    std::string cluster_id;
    int count = 0;
    int capacity = 0;       ///< 0: the agent's default (its cores)
    std::string log_dir;    ///< agent-<i>.log files
};

class ServiceAgents {
public:
    static constexpr std::int64_t kRestartDelayMs = 2000;

    /// Starts them; throws lse::SetupError when the binary cannot be run. Call from the main thread
    /// (PR_SET_PDEATHSIG is per thread).
    void Start(ServiceAgentOptions options);
    /// Restarts exited agents (same thread as Start); `log` tells why.
    void Supervise(const std::function<void(const std::string&)>& log);
    void Stop() noexcept;

private:
    void StartOne(std::size_t i);

    ServiceAgentOptions options_;
    std::vector<process::Process> agents_;
    std::vector<std::int64_t> exited_at_ms_;
};

}  // namespace lse::service
