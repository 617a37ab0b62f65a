// The coordinator's plan capture (issue 12 items 6 and 7): Ctrl-C during a long on_start stops it within a second
// and sends the agents nothing; a capture in which every on_start failed says why, also with -q.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "distributed_test_util.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

// 600 virtual users whose on_start waits 300 ms at the target, then logs in: at 64 at a time, ~3 s of capture.
std::string SlowLoginScenario() {
    return R"(local s = scenario { name = 'slowlogin', rps = 20, vusers = 600, duration = '5s' }
function s:on_start(http)
  http:get("/slow?ms=300")
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  self.token = r:json().access_token
end
function s:on_stop(http)
  http:get("/api/products?bye=" .. self.id, { headers = { Authorization = "Bearer " .. self.token } })
end
s:task("browse", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
)";
}

TEST_F(CliDistributedTest, CtrlCDuringPlanCaptureStopsAtOnceAndSendsNoPlan) {
    const int port = FreeTcpPort();
    const std::string agent_log = TempPath("lse-test-capture-int-agent", ".log");
    ChildProcess agent;
    agent.Start({LSE_AGENT_PATH, "--coordinator", "127.0.0.1:" + std::to_string(port), "--agent-id", "watcher",
                 "--cluster-id", "capint", "--nats-token", kToken},
                ChildOptions{{}, "/dev/null", agent_log});
    const std::string script = WriteTempScenario(SlowLoginScenario());
    const std::string out_path = TempPath("lse-test-capture-int", ".out");
    const std::string err_path = TempPath("lse-test-capture-int", ".err");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "--external-agents", "1",
                       "--cluster-id", "capint", "--nats-port", std::to_string(port), "--nats-token", kToken},
                      ChildOptions{{}, out_path, err_path});
    // The agent registers while the plan is captured (the broker comes up first).
    for (int i = 0; i < 200 && Route("POST /auth/login") < 64; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GE(Route("POST /auth/login"), 64) << "the capture never logged in\n" << ReadWhole(err_path);
    const int logins_at_signal = Route("POST /auth/login");
    ASSERT_LT(logins_at_signal, 400) << "the capture was over before the signal: make on_start slower";
    const auto signalled = std::chrono::steady_clock::now();
    coordinator.Signal(SIGINT);
    const auto rc = coordinator.Wait(30'000);
    ASSERT_TRUE(rc.has_value());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    EXPECT_EQ(*rc, 130) << out << err;
    EXPECT_LT(took, 2.0) << "Ctrl-C during the capture must stop it at once\n" << err;
    // The users whose on_start was waiting at the signal were cancelled before their login (at most a batch was
    // already past its wait).
    EXPECT_LE(Route("POST /auth/login") - logins_at_signal, 64) << err;
    // on_stop ran for the users whose on_start finished, and only for them.
    const int logins = Route("POST /auth/login");
    const int on_stops = Route("GET /api/products");  // on_stop's request; no task ever ran
    EXPECT_LE(on_stops, logins) << err;
    EXPECT_GE(on_stops, logins - 64) << err;
    // Nothing reached the agent.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string log = ReadWhole(agent_log);
    EXPECT_EQ(log.find("preparing"), std::string::npos) << "the agent received a plan after Ctrl-C\n" << log;
    EXPECT_EQ(log.find("assignment"), std::string::npos) << log;
}

TEST_F(CliDistributedTest, QuietRunSaysWhyNoVirtualUserFinishedOnStart) {
    const std::string raising = WriteTempScenario(R"(local s = scenario { name = 'af', rps = 10, vusers = 3, duration = '2s' }
function s:on_start(http)
  error("login broke: bad credentials")
end
s:task("browse", function(self, http) http:get("/api/products") end)
)");
    const CliResult r = RunLsengine({"run", raising, "--target", Target(), "--agents", "1", "-q"});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_EQ(r.err.find("scenario 'af': scenario 'af'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("scenario 'af': no virtual user finished on_start"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("login broke: bad credentials (3 virtual users)"), std::string::npos) << r.err;

    // A login the target refuses is a cause too, not only a Lua error.
    const std::string refused = WriteTempScenario(R"(local s = scenario { name = 'af', rps = 10, vusers = 3, duration = '2s' }
function s:on_start(http)
  http:post("/auth/login", { name = "login", json = { user = "u" .. self.id, pass = "wrong" } })
end
s:task("browse", function(self, http) http:get("/api/products") end)
)");
    const CliResult q = RunLsengine({"run", refused, "--target", Target(), "--agents", "1", "-q"});
    EXPECT_EQ(q.exit_code, 4) << q.out << q.err;
    EXPECT_NE(q.err.find("cause: login in on_start: unexpected status 401"), std::string::npos) << q.err;
    EXPECT_EQ(Route("GET /api/products"), 0);
}

// Issue 16 item 5: unless -q, each scenario's capture says how many users it captured and how long it took (the
// bench script reads this line); the users stream through on_start and the capture, all of them logged in once.
TEST_F(CliDistributedTest, CaptureSaysHowManyUsersItCapturedAndHowLongItTook) {
    const std::string script = WriteTempScenario(R"(local s = scenario { name = 'cap', rps = 20, vusers = 300,
                                                                 duration = '1s' }
function s:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  self.auth = { Authorization = "Bearer " .. r:json().access_token }
end
s:task("browse", function(self, http) http:get("/api/products", { headers = self.auth }) end)
)");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::regex line("lsengine: scenario 'cap': captured 300 virtual users in ([0-9]+\\.[0-9]) s\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, line)) << r.err;
    EXPECT_LT(std::stod(m[1]), 60.0) << r.err;
    EXPECT_EQ(Route("POST /auth/login"), 300);

    const CliResult q = RunLsengine({"run", script, "--target", Target(), "--agents", "1", "-q"});
    EXPECT_EQ(q.exit_code, 0) << q.out << q.err;
    EXPECT_EQ(q.err.find("captured"), std::string::npos) << q.err;
    EXPECT_EQ(Route("POST /auth/login"), 600);
}

// Issue 14: --dry-run shows response values as {label} and, under the request whose response gives them, their
// extraction rules; a branch on a response value is a problem naming the task and the line.
TEST_F(CliDistributedTest, DryRunShowsResponseValuesWithTheirExtractionRules) {
    const std::string script = WriteTempScenario(R"(local s = scenario { name = 'orders', rps = 5, vusers = 2, duration = '1s' }
s:task("order lifecycle", { on_extract_error = "empty" }, function(self, http)
  local r = http:post("/api/v1/orders", { json = { sku = "A-" .. lsengine.seq() }, expect = 201 })
  local id = r:json().id
  http:get("/api/v1/orders/" .. id, { name = "GET /api/v1/orders/{id}" })
end)
s:task("redirect", function(self, http)
  local r = http:post("/login-redirect", { expect = 303, redirects = 0 })
  http:get(r.headers["location"])
end)
s:task("branchy", function(self, http)
  local r = http:get("/api/v1/projects")
  if r.status == 200 then http:get("/x") end
end)
)");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "1", "--dry-run"});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    const std::string base = Target();
    const std::string expected_crud = "order lifecycle (weight 1, on_extract_error empty):\n"
                                      "      POST " + base + "/api/v1/orders\n"
                                      "        id \u2190 step 1 json $.id\n";
    EXPECT_NE(r.out.find(expected_crud), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("      GET " + base + "/api/v1/orders/{id}\n"), std::string::npos) << r.out;
    // (each request lists its headers after its rules: here only the default Accept-Encoding, issue 15)
    EXPECT_NE(r.out.find("        location \u2190 step 1 header location\n        Accept-Encoding: gzip, deflate, br\n"
                         "      GET " + base + "{location}\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("task 'branchy' (" + script + ":11) branches on a response value at " + script + ":13"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(Route("POST /api/v1/orders"), 0) << "a dry run sends no task requests";
}

// Every file under `dir` (recursively) whose name starts with "lse-nats-", and every lsengine-<pid>-* directory.
std::vector<std::string> BrokerLeftovers(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("lse-nats-", 0) == 0 || (e.is_directory() && name.rfind("lsengine-", 0) == 0)) {
            out.push_back(e.path().string());
        }
    }
    return out;
}

TEST_F(CliDistributedTest, BrokerFilesLeftByAKilledRunAreRemovedByTheNextStart) {
    const std::string tmp = MakeTempDir("lse-test-brokerdir-");
    const std::string script = WriteTempScenario(OpenScenario(20, "30s"));
    ChildProcess killed;
    killed.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--agents", "1"},
                 ChildOptions{{{"TMPDIR", tmp}}, "/dev/null", TempPath("lse-test-brokerdir", ".err")});
    for (int i = 0; i < 300 && Route("GET /api/products") < 5; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GE(Route("GET /api/products"), 5) << "load never started";
    killed.Signal(SIGKILL);
    killed.Wait(5000);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its broker and agent die with it
    ASSERT_FALSE(BrokerLeftovers(tmp).empty()) << "a SIGKILL leaves the broker's log behind";

    const CliResult next = RunLsengine({"run", WriteTempScenario(OpenScenario(10, "1s")), "--target", Target(), "-q",
                                        "--agents", "1"},
                                       CliOptions{{{"TMPDIR", tmp}}});
    ASSERT_EQ(next.exit_code, 0) << next.out << next.err;
    std::string left;
    for (const auto& p : BrokerLeftovers(tmp)) left += p + "\n";
    EXPECT_TRUE(left.empty()) << "left behind:\n" << left;
    std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace lse::testing
