// Issue 12 item 4: in an open-model distributed run, the virtual-user pool is split across the agents (disjoint
// slices proportional to their shares), so every identity is used and evenly. Before, every agent cycled through
// the whole pool from user 1: with arrivals < agents x VUs, the last users were never used and the first ones
// were used by every agent at once. The demo target's by_token counts are the referee (one token per login).

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cli_test_util.hpp"
#include "distributed_test_util.hpp"

namespace lse::testing {
namespace {

class VuPartitionTest : public CliDistributedTest {
protected:
    // Runs `agents` local agents over `vusers` VUs at rps for 2 s, then checks the target's per-token counts.
    void RunAndCheck(int agents, int vusers, int rps) {
        const std::string script = WriteTempScenario(OpenScenario(rps, "2s", vusers));
        const CliResult r = RunLsengine({"run", script, "--target", Target(), "-q", "--seed", "5", "--agents",
                                         std::to_string(agents)});
        ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
        const auto stats = target_.Stats();
        ASSERT_EQ(stats["logins"].size(), static_cast<size_t>(vusers)) << stats.dump();
        const int arrivals = rps * 2;
        long sum = 0, most = 0, least = arrivals;
        for (const auto& [token, n] : stats["by_token"].items()) {
            sum += n.get<long>();
            most = std::max(most, n.get<long>());
            least = std::min(least, n.get<long>());
        }
        EXPECT_EQ(sum, arrivals) << stats["by_token"].dump();
        EXPECT_EQ(stats["by_token"].size(), static_cast<size_t>(vusers))
            << "every identity of the pool is used\n" << stats["by_token"].dump();
        EXPECT_LE(most, 2 * least) << stats["by_token"].dump();
    }
};

// 90 arrivals over 60 VUs: each agent has 30 VUs for its 45 arrivals (before: 45 arrivals over users 1-60 on
// each agent, so users ~46-60 never ran and the first ones ran twice at once).
TEST_F(VuPartitionTest, TwoAgentsUseDisjointSlicesOfThePool) { RunAndCheck(2, 60, 45); }

// 90 arrivals over 36 VUs (2.5x): 12 VUs and 30 arrivals per agent, so every user 2 or 3 times (before: users
// 1-30 three times, 31-36 never). Exactly 2x is not asserted: the arrival grid gives an agent or a worker thread
// one arrival more or less than its exact share, so one VU may run once and another three times.
TEST_F(VuPartitionTest, ThreeAgentsUseEveryIdentityEvenly) { RunAndCheck(3, 36, 45); }

}  // namespace
}  // namespace lse::testing
