// A distributed run longer than two minutes (nats-server's default ping interval): the NATS keepalive, the
// heartbeats both ways and the dead-man switch must hold for the whole run, with nothing timed out, nothing
// reconnected and totals that still equal what the demo target counted.

#include <string>

#include "distributed_test_util.hpp"

namespace lse::testing {
namespace {

TEST_F(CliDistributedTest, RunLongerThanTwoMinutesKeepsEveryAgentAndExactTotals) {
    const std::string script = WriteTempScenario(OpenScenario(10, "135s"));
    CliOptions options;
    options.timeout_ms = 300'000;
    // Not quiet: the coordinator's event log (timeouts, reconnects, rebalances) is on stderr.
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "2"}, options);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("timed out"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("NATS connection: disconnected"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("rebalanced"), std::string::npos) << r.err;
    const int products = Route("GET /api/products");
    EXPECT_EQ(products, 1350) << "10 rps x 135 s across both agents";
    EXPECT_EQ(SummaryTotal(r.out), products) << r.out;
    EXPECT_EQ(AgentRequests(r.out, "agent-0") + AgentRequests(r.out, "agent-1"), products) << r.out;
}

}  // namespace
}  // namespace lse::testing
