// Closed-model virtual users of a lost agent move to the survivors (docs/protocol.md, Rebalance): every
// virtual user sends its own bearer token, so the demo target shows which ones kept looping after the kill.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "distributed_test_util.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

std::string ClosedScenario(int vusers, const std::string& duration) {
    return "local s = scenario { name = 'loop', vusers = " + std::to_string(vusers) + ", duration = '" + duration +
           "', think_time = '200ms' }\n" +
           R"(s:task("ping", function(self, http)
  http:get("/", { headers = { Authorization = "Bearer vu-" .. self.id } })
end)
)";
}

using ClosedMoveTest = CliDistributedTest;

TEST_F(ClosedMoveTest, KilledAgentsVirtualUsersKeepLoopingOnTheSurvivor) {
    const int port = FreeTcpPort();
    ChildProcess a, b;
    StartAgent(&a, port, "steady", "move1");
    StartAgent(&b, port, "victim", "move1");
    const std::string script = WriteTempScenario(ClosedScenario(6, "28s"));
    const std::string out_path = TempPath("lse-test-move1", ".out");
    const std::string err_path = TempPath("lse-test-move1", ".err");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--external-agents", "2",
                       "--cluster-id", "move1", "--nats-port", std::to_string(port), "--nats-token", kToken},
                      ChildOptions{{}, out_path, err_path});
    // About 2.5 s of load: each agent has reported some seconds, so the victim's unreported tail can be estimated.
    for (int i = 0; i < 300 && Route("GET /") < 75; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_GE(Route("GET /"), 75) << "load never started\n" << ReadWhole(err_path);
    b.Signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the victim's in-flight requests are over
    const auto after_kill = ByToken();
    for (int i = 0; i < 300 && ReadWhole(err_path).find("victim timed out") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto at_timeout = ByToken();
    // The victim's virtual users are the tokens that stood still while it was dead and not yet replaced.
    std::vector<std::string> stalled, running;
    for (int id = 1; id <= 6; ++id) {
        const std::string token = "vu-" + std::to_string(id);
        ASSERT_TRUE(after_kill.count(token)) << token << " never sent anything";
        (at_timeout.at(token) == after_kill.at(token) ? stalled : running).push_back(token);
    }
    EXPECT_EQ(stalled.size(), 3u) << "one agent of two hosted half of the virtual users";
    EXPECT_EQ(running.size(), 3u);

    const auto rc = coordinator.Wait(90'000);
    ASSERT_TRUE(rc.has_value());
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    // What the victim sent after its last report is in no total: never a green run, and the row says so.
    ASSERT_EQ(*rc, 9) << out << err;
    EXPECT_NE((out + err).find("victim stopped reporting at"), std::string::npos) << out << err;
    EXPECT_NE(out.find("requests unreported"), std::string::npos) << out;
    EXPECT_NE(err.find("steady 100% 6 VUs victim 0% 0 VUs"), std::string::npos)
        << err;
    EXPECT_NE(ReadWhole(TempPath("lse-test-steady", ".log")).find("hosting 3 moved virtual user(s)"),
              std::string::npos);
    const auto at_end = ByToken();
    // Taken over about 17 s after the kill, about 8 s before the end: at 200 ms think time each moved
    // virtual user loops some 40 more times (10 is a generous floor on two noisy cores).
    for (const std::string& token : stalled) EXPECT_GE(at_end.at(token) - at_timeout.at(token), 10) << token;
    for (const std::string& token : running) EXPECT_GE(at_end.at(token) - at_timeout.at(token), 10) << token;
    // Exactly one agent per virtual user: a moved one does not loop faster than one that never moved.
    long most = 0;
    for (const std::string& token : running) most = std::max(most, at_end.at(token) - at_timeout.at(token));
    for (const std::string& token : stalled) EXPECT_LE(at_end.at(token) - at_timeout.at(token), most + 5) << token;

    // The summary counts what the target received, except what the victim sent in the interval it was killed in
    // (3 virtual users at about 5 requests/s each: allow 2 s of it).
    const long total = SummaryTotal(out);
    const long received = Route("GET /");
    EXPECT_GE(received, total) << out;
    EXPECT_LE(received, total + 30) << out;
    // The survivor's row includes its supplementary run: more than its own three virtual users could send alone.
    const long steady = AgentRequests(out, "steady");
    long steady_own = 0;
    for (const std::string& token : running) steady_own += at_end.at(token);
    EXPECT_GE(steady, steady_own + 3 * 10) << out;
}

}  // namespace
}  // namespace lse::testing
