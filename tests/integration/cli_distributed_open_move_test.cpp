// Open model: a lost agent's virtual users move to the survivors with its arrivals (issue 12 item 4: the pool is
// re-partitioned on rebalance). Before, the survivor took the lost agent's arrivals but kept rotating through its
// own slice of the pool only: the lost agent's identities were never used again and the survivor's twice as often.
// Every virtual user logs in once (one token each), so the demo target's per-token counts are the referee.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "distributed_test_util.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using OpenMoveTest = CliDistributedTest;

TEST_F(OpenMoveTest, KilledAgentsIdentitiesServeItsArrivalsOnTheSurvivor) {
    constexpr int kVusers = 12, kRps = 40;
    const int port = FreeTcpPort();
    ChildProcess a, b;
    StartAgent(&a, port, "steady", "omove1");
    StartAgent(&b, port, "victim", "omove1");
    const std::string script = WriteTempScenario(OpenScenario(kRps, "36s", kVusers));
    const std::string out_path = TempPath("lse-test-omove1", ".out");
    const std::string err_path = TempPath("lse-test-omove1", ".err");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--external-agents", "2",
                       "--cluster-id", "omove1", "--nats-port", std::to_string(port), "--nats-token", kToken},
                      ChildOptions{{}, out_path, err_path});
    for (int i = 0; i < 300 && Route("GET /api/products") < kRps * 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GE(Route("GET /api/products"), kRps * 2) << "load never started\n" << ReadWhole(err_path);
    b.Signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the victim's in-flight requests are over
    const auto after_kill = ByToken();
    for (int i = 0; i < 300 && ReadWhole(err_path).find("victim timed out") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto at_timeout = ByToken();  // the Rebalance takes effect 1 s later
    ASSERT_EQ(after_kill.size(), static_cast<size_t>(kVusers)) << "every identity was used before the kill";
    // The victim's virtual users are the tokens that stood still while it was dead and not yet replaced.
    std::vector<std::string> stalled;
    for (const auto& [token, n] : after_kill) {
        if (at_timeout.at(token) == n) stalled.push_back(token);
    }
    EXPECT_EQ(stalled.size(), static_cast<size_t>(kVusers / 2)) << "one agent of two hosted half of the pool";
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the Rebalance's instant has passed
    const auto at_takeover = ByToken();

    const auto rc = coordinator.Wait(120'000);
    ASSERT_TRUE(rc.has_value());
    const std::string err = ReadWhole(err_path);
    EXPECT_EQ(*rc, 9) << "the victim's last arrivals were lost with it\n" << err;
    EXPECT_NE(err.find("steady 100% 12 VUs victim 0% 0 VUs"), std::string::npos) << err;
    EXPECT_NE(ReadWhole(TempPath("lse-test-steady", ".log")).find("serving arrivals with 6 moved virtual user(s)"),
              std::string::npos);
    // From the takeover on (about 14 s at 40 rps: ~560 arrivals over 12 identities, ~47 each), every identity
    // serves its part: the moved ones as often as the survivor's own (before the fix: 0 and ~93).
    const auto at_end = ByToken();
    long most = 0, least = 1 << 30;
    for (const auto& [token, n] : at_takeover) {
        const long used = at_end.at(token) - n;
        most = std::max(most, used);
        least = std::min(least, used);
    }
    EXPECT_GE(least, 20) << "moved identities are used after the takeover";
    EXPECT_LE(most, 2 * least) << "evenly";
}

}  // namespace
}  // namespace lse::testing
