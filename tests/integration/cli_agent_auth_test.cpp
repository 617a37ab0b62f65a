// Issue 12 item 5: an agent the broker refuses (wrong or missing token, a creds file it cannot read) says which
// flag to check, exits non-zero with --once, and otherwise keeps retrying with backoff, saying so once a minute
// rather than on every retry. Before, it printed "broker not reachable yet", then "the NATS connection is closed
// for good", and hung forever, even with --once. A real nats-server with token auth; real agent processes.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "distributed_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr const char* kAuthHint = "authorization violation: check --nats-token / LSENGINE_NATS_TOKEN";

int Count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

class AgentAuthTest : public ::testing::Test {
protected:
    void SetUp() override {
        port_ = FreeTcpPort();
        StartNats(&nats_, port_, TempPath("lse-test-auth-nats", ".log"));
    }
    // An agent with `extra` flags; the token variable is emptied so only the flags count.
    void StartAgent(ChildProcess* p, const std::string& id, std::vector<std::string> extra, const std::string& log) {
        std::vector<std::string> argv{LSE_AGENT_PATH, "--coordinator", "127.0.0.1:" + std::to_string(port_),
                                      "--agent-id", id, "--cluster-id", "auth"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        p->Start(argv, ChildOptions{{{"LSENGINE_NATS_TOKEN", ""}, {"LSENGINE_NATS_CREDS", ""}}, log, log});
    }
    int port_ = 0;
    ChildProcess nats_;
};

TEST_F(AgentAuthTest, OnceWithAWrongOrMissingTokenExitsNonZeroNamingTheFlag) {
    for (const auto& [id, flags] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"wrong", {"--nats-token", "not-the-token", "--once"}}, {"none", {"--once"}}}) {
        const std::string log = TempPath("lse-test-auth-" + id, ".log");
        ChildProcess agent;
        StartAgent(&agent, id, flags, log);
        const auto rc = agent.Wait(10'000);
        ASSERT_TRUE(rc.has_value()) << id << ": still running 10 s later\n" << ReadWhole(log);
        EXPECT_NE(*rc, 0) << id << "\n" << ReadWhole(log);
        EXPECT_NE(ReadWhole(log).find(kAuthHint), std::string::npos) << id << "\n" << ReadWhole(log);
    }
}

TEST_F(AgentAuthTest, OnceWithAnUnreadableCredsFileSaysSo) {
    const std::string log = TempPath("lse-test-auth-creds", ".log");
    ChildProcess agent;
    StartAgent(&agent, "creds", {"--nats-creds", "/nonexistent/lse-test.creds", "--once"}, log);
    const auto rc = agent.Wait(10'000);
    ASSERT_TRUE(rc.has_value()) << "still running 10 s later\n" << ReadWhole(log);
    EXPECT_NE(*rc, 0) << ReadWhole(log);
    EXPECT_NE(ReadWhole(log).find("cannot read the credentials file: check --nats-creds"), std::string::npos)
        << ReadWhole(log);
}

TEST_F(AgentAuthTest, WithoutOnceKeepsRetryingAndSaysItOnceNotPerRetry) {
    const std::string log = TempPath("lse-test-auth-retry", ".log");
    ChildProcess agent;
    StartAgent(&agent, "retry", {"--nats-token", "not-the-token"}, log);
    // Backoff 1 s, 2 s, 4 s: three retries or so in 8 s, all refused.
    std::this_thread::sleep_for(std::chrono::seconds(8));
    ASSERT_FALSE(agent.Wait(0).has_value()) << "exited instead of retrying\n" << ReadWhole(log);
    const std::string text = ReadWhole(log);
    EXPECT_EQ(Count(text, kAuthHint), 1) << text;
    EXPECT_EQ(Count(text, "retrying with backoff"), 1) << text;
    agent.Signal(SIGTERM);
    EXPECT_TRUE(agent.Wait(5'000).has_value()) << "SIGTERM during the backoff\n" << ReadWhole(log);
}

TEST_F(AgentAuthTest, WithoutOnceItConnectsOnceTheBrokerAcceptsItsToken) {
    const std::string log = TempPath("lse-test-auth-later", ".log");
    nats_.Stop();
    ChildProcess other;  // the broker on the port wants another token for now...
    other.Start({"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port_), "--auth", "another-token"},
                ChildOptions{{}, "/dev/null", "/dev/null"});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ChildProcess agent;
    StartAgent(&agent, "later", {"--nats-token", kToken}, log);  // ...than the agent's
    for (int i = 0; i < 100 && ReadWhole(log).find(kAuthHint) == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_NE(ReadWhole(log).find(kAuthHint), std::string::npos) << ReadWhole(log);
    other.Stop();
    StartNats(&nats_, port_, TempPath("lse-test-auth-nats2", ".log"));
    for (int i = 0; i < 300 && ReadWhole(log).find("waiting for a plan") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(ReadWhole(log).find("waiting for a plan"), std::string::npos) << "never retried\n" << ReadWhole(log);
    EXPECT_FALSE(agent.Wait(0).has_value()) << ReadWhole(log);
}

// The coordinator side: a refused agent never registers, so the wait for agents times out. The message names the
// agents the embedded broker refused (from its log) and the flag to check, instead of a bare "0 registered".
TEST_F(CliDistributedTest, WaitTimeoutNamesTheAgentsTheBrokerRefused) {
    const int port = FreeTcpPort();
    ChildProcess agent;
    const std::string agent_log = TempPath("lse-test-refused-agent", ".log");
    agent.Start({LSE_AGENT_PATH, "--coordinator", "127.0.0.1:" + std::to_string(port), "--agent-id", "mistyped",
                 "--cluster-id", "refused", "--nats-token", "not-the-token"},
                ChildOptions{{{"LSENGINE_NATS_TOKEN", ""}}, agent_log, agent_log});
    const std::string script = WriteTempScenario(OpenScenario(10, "2s", 2));
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "-q", "--external-agents", "1",
                                     "--cluster-id", "refused", "--nats-port", std::to_string(port), "--nats-token",
                                     kToken, "--agent-wait", "4s"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("0 registered"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the broker refused mistyped (127.0.0.1)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--nats-token"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lse::testing
