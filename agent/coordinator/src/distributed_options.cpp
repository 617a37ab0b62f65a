#include "lse/coordinator/distributed_options.hpp"

#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/broker_config.hpp"

namespace lse::coordinator {

ResolvedOptions ResolveOptions(const DistributedOptions& o) {
    if (o.local_agents > 0 && o.external_agents > 0) {
        throw UsageError("--agents and --external-agents exclude each other");
    }
    if (o.local_agents < 0 || o.external_agents < 0) throw UsageError("--agents/--external-agents: must be positive");
    ResolvedOptions r;
    r.options = o;
    r.local = o.local_agents > 0;
    if (r.local && !o.nats_url.empty()) throw UsageError("--nats-url: only with --external-agents");
    r.agent_count = r.local ? o.local_agents : o.external_agents;
    // A random id keeps concurrent local runs on one machine apart; external agents join "default" unless told.
    r.cluster_id = !o.cluster_id.empty() ? o.cluster_id
                                         : (r.local ? "local-" + transport::RandomHexToken(12) : "default");
    protocol::ValidateId("--cluster-id", r.cluster_id);
    protocol::ValidateOptionalId("--agent-group", o.agent_group);
    r.agent_wait_ns = ParseDurationNs(o.agent_wait, "--agent-wait");
    if (!o.region_weights.empty()) {
        if (r.local) {
            throw UsageError("--region-weights: local agents (--agents) have no region; start lsengine-agent --region "
                             "NAME on each machine and use --external-agents");
        }
        r.region_weights = ParseRegionWeights(o.region_weights);
    }
    if (o.rebalance != "on" && o.rebalance != "off") {
        throw UsageError("--rebalance: '" + o.rebalance + "' is neither on nor off");
    }
    r.rebalance = o.rebalance == "on";
    return r;
}

transport::NatsOptions ExternalNats(const DistributedOptions& o) {
    transport::NatsOptions n;
    n.urls.push_back(o.nats_url);
    n.token = o.nats_token;
    n.user = o.nats_user;
    n.password = o.nats_password;
    n.creds_file = o.nats_creds;
    n.tls = o.nats_tls || !o.nats_ca_file.empty();
    n.ca_file = o.nats_ca_file;
    return n;
}

}  // namespace lse::coordinator
