// The checks a distributed run makes of its options before any script is loaded: the same usage errors the CLI
// always gave, and the defaults (a random cluster for local agents, "default" for external ones).
#include "lse/coordinator/distributed_options.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/core/clock.hpp"

namespace lse::coordinator {
namespace {

std::string UsageMessage(const DistributedOptions& o) {
    try {
        ResolveOptions(o);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(DistributedOptions, LocalAndExternalAgentsExcludeEachOther) {
    DistributedOptions o;
    o.local_agents = 2;
    o.external_agents = 2;
    EXPECT_EQ(UsageMessage(o), "--agents and --external-agents exclude each other");
}

TEST(DistributedOptions, NegativeCountsAreRefused) {
    DistributedOptions o;
    o.external_agents = -1;
    EXPECT_EQ(UsageMessage(o), "--agents/--external-agents: must be positive");
}

TEST(DistributedOptions, NatsUrlOnlyWithExternalAgents) {
    DistributedOptions o;
    o.local_agents = 1;
    o.nats_url = "nats://127.0.0.1:4222";
    EXPECT_EQ(UsageMessage(o), "--nats-url: only with --external-agents");
}

TEST(DistributedOptions, BadClusterIdAndWaitAreUsageErrors) {
    DistributedOptions o;
    o.external_agents = 1;
    o.cluster_id = "a b";
    EXPECT_NE(UsageMessage(o).find("--cluster-id"), std::string::npos);
    o.cluster_id = "";
    o.agent_wait = "soon";
    EXPECT_NE(UsageMessage(o).find("--agent-wait"), std::string::npos);
}

TEST(DistributedOptions, RegionWeightsAreParsedAndNeedExternalAgents) {
    DistributedOptions o;
    o.external_agents = 3;
    o.region_weights = "us=60,eu=30,asia=10";
    EXPECT_EQ(ResolveOptions(o).region_weights,
              (std::vector<RegionWeight>{{"us", 60}, {"eu", 30}, {"asia", 10}}));
    o.region_weights = "us=60,eu";
    EXPECT_NE(UsageMessage(o).find("--region-weights: 'eu': expected region=weight"), std::string::npos)
        << UsageMessage(o);
    o.external_agents = 0;
    o.local_agents = 2;
    o.region_weights = "us=1";
    EXPECT_NE(UsageMessage(o).find("local agents (--agents) have no region"), std::string::npos) << UsageMessage(o);
    o.region_weights = "";
    EXPECT_TRUE(ResolveOptions(o).region_weights.empty());
}

TEST(DistributedOptions, DefaultsDependOnWhereTheAgentsComeFrom) {
    DistributedOptions local;
    local.local_agents = 3;
    const ResolvedOptions l = ResolveOptions(local);
    EXPECT_TRUE(l.local);
    EXPECT_EQ(l.agent_count, 3);
    EXPECT_EQ(l.cluster_id.rfind("local-", 0), 0u) << l.cluster_id;
    EXPECT_NE(ResolveOptions(local).cluster_id, l.cluster_id);  // concurrent local runs stay apart
    EXPECT_EQ(l.agent_wait_ns, 60 * kNsPerSec);

    DistributedOptions external;
    external.external_agents = 2;
    external.agent_wait = "5s";
    const ResolvedOptions e = ResolveOptions(external);
    EXPECT_FALSE(e.local);
    EXPECT_EQ(e.agent_count, 2);
    EXPECT_EQ(e.cluster_id, "default");
    EXPECT_EQ(e.agent_wait_ns, 5 * kNsPerSec);
}

TEST(DistributedOptions, RebalanceIsOnOrOff) {
    DistributedOptions o;
    o.local_agents = 2;
    EXPECT_TRUE(ResolveOptions(o).rebalance);  // on by default
    o.rebalance = "off";
    EXPECT_FALSE(ResolveOptions(o).rebalance);
    o.rebalance = "yes";
    EXPECT_EQ(UsageMessage(o), "--rebalance: 'yes' is neither on nor off");
}

TEST(DistributedOptions, ExternalNatsCarriesTheCredentials) {
    DistributedOptions o;
    o.nats_url = "nats://broker:4222";
    o.nats_user = "u";
    o.nats_password = "p";
    o.nats_ca_file = "/ca.pem";
    const transport::NatsOptions n = ExternalNats(o);
    ASSERT_EQ(n.urls.size(), 1u);
    EXPECT_EQ(n.urls[0], "nats://broker:4222");
    EXPECT_EQ(n.user, "u");
    EXPECT_EQ(n.password, "p");
    EXPECT_TRUE(n.tls);  // a CA file implies TLS
}

}  // namespace
}  // namespace lse::coordinator
