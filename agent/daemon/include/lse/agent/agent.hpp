#pragma once
/// @file
/// The agent process (`lsengine-agent`): connects to the coordinator's NATS broker, announces itself,
/// and replays the plans it is assigned natively (no Lua), run after run, until it is signalled.
/// The exchange follows docs/protocol.md; the agent's own choices are in its "Agent behaviour" section.

#include <memory>
#include <string>

#include "lse/http/client.hpp"
#include "lse/transport/nats_options.hpp"

namespace lse::agent {

struct AgentOptions {
    transport::NatsOptions nats;
    std::string agent_id;
    std::string cluster_id = "default";
    std::string group;   ///< optional; empty = no group
    std::string region;  ///< optional (`--region`): for --region-weights and per-region results; empty = none
    int capacity = 1;    ///< worker threads per scenario; weights this agent's shard
    http::ClientOptions client;
    bool once = false;   ///< exit after one run instead of waiting for the next plan
};

class Agent {
public:
    /// Throws lse::UsageError for invalid ids (agent id, cluster id, group, region) or capacity < 1.
    explicit Agent(AgentOptions options);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    /// Blocks until SIGINT/SIGTERM (or, with `once`, the end of the first run). Returns the process
    /// exit code (0). Throws lse::SetupError when NATS cannot be set up at all.
    int Run();

private:
    AgentOptions options_;
};

}  // namespace lse::agent
