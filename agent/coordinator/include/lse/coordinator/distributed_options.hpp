#pragma once
/// @file
/// What a distributed run needs to know before anything starts: how many agents and where they come from (local
/// processes with an embedded broker, or external agents on an embedded or external broker), the cluster, the
/// group, the wait, and the NATS credentials. The CLI maps its flags onto DistributedOptions; ResolveOptions
/// checks them (usage errors, before any script is loaded) and fills in the defaults.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lse/coordinator/region_weights.hpp"
#include "lse/transport/nats_options.hpp"

namespace lse::coordinator {

struct DistributedOptions {
    int local_agents = 0;       ///< --agents: spawn N lsengine-agent processes and an embedded broker
    int external_agents = 0;    ///< --external-agents: wait for N agents started elsewhere
    std::string cluster_id;     ///< empty: "local-<random>" with local agents, else "default"
    std::string agent_group;    ///< only agents of this group; empty = any
    std::string region_weights; ///< --region-weights text (ParseRegionWeights); empty = split by capacity alone
    std::string agent_wait = "60s";
    /// --rebalance on|off: move open-model arrivals away from saturated agents during the run (on), or keep the
    /// capacity shares (off; timeouts still redistribute).
    std::string rebalance = "on";
    // NATS: nats_url empty = an embedded broker (127.0.0.1:random for local agents, 0.0.0.0:nats_port otherwise).
    std::string nats_url;
    std::string nats_token;     ///< embedded broker: empty = random
    std::string nats_user;
    std::string nats_password;
    std::string nats_creds;
    bool nats_tls = false;
    std::string nats_ca_file;
    int nats_port = 4222;
    // Local agent processes.
    std::string agent_binary;   ///< empty: $LSENGINE_AGENT_BINARY, else the lsengine-agent beside this executable
    int agent_capacity = 0;     ///< 0: each agent's default (its cores)
    std::vector<std::string> agent_args;  ///< passed through (--timeout, --insecure, ...)
    /// Set in the local agents' environment: values that must not show in `ps` (LSENGINE_PROXY).
    std::vector<std::pair<std::string, std::string>> agent_env;
};

/// Options checked, with their defaults applied.
struct ResolvedOptions {
    DistributedOptions options;
    bool local = false;           ///< local agent processes
    int agent_count = 0;
    std::string cluster_id;
    std::int64_t agent_wait_ns = 0;
    std::vector<RegionWeight> region_weights;  ///< parsed --region-weights
    bool rebalance = true;
};

/// Throws lse::UsageError with the CLI's flag names ("--agents and --external-agents exclude each other",
/// a bad --cluster-id, a bad --agent-wait, ...).
ResolvedOptions ResolveOptions(const DistributedOptions& options);

/// The connection to an external broker (--nats-url and its credentials).
transport::NatsOptions ExternalNats(const DistributedOptions& options);

}  // namespace lse::coordinator
