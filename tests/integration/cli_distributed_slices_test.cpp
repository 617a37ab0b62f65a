// Plan slices (docs/protocol.md "Plan slices"): each agent receives only the plans of the virtual users it hosts,
// and when one is lost its users move to the survivor with their own plans, which the coordinator cuts from the lost
// agent's slice and sends first (VuPlans). Each virtual user logs in in on_start and sends its own token, which the
// demo target counts: it shows the moved users' tokens arriving again, from the survivor.
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "distributed_test_util.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr int kVusers = 40;
constexpr int kPadBytes = 200;  // per user, pseudo-random: a plan slice's size follows the users it carries

std::string LoginScenario() {
    return "local s = scenario { name = 'members', vusers = " + std::to_string(kVusers) +
           ", duration = '26s', think_time = '1s' }\n" +
           R"(function s:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  local pad, x = {}, self.id
  for i = 1, )" + std::to_string(kPadBytes) +
           R"( do x = (x * 75 + 74) % 65537; pad[i] = string.char(97 + x % 26) end
  self.headers = { Authorization = "Bearer " .. r:json().access_token, ["x-pad"] = table.concat(pad) }
end
s:task("browse", function(self, http)
  http:get("/api/products", { headers = self.headers })
end)
)";
}

// The plan size an agent logged when its assignment came ("plan N bytes"); -1 when absent.
long PlanBytes(const std::string& log) {
    std::smatch m;
    if (!std::regex_search(log, m, std::regex("plan ([0-9]+) bytes"))) return -1;
    return std::stol(m[1]);
}

using SlicesTest = CliDistributedTest;

TEST_F(SlicesTest, EachAgentGetsItsSliceAndALostAgentsUsersMoveWithTheirOwnPlans) {
    const int port = FreeTcpPort();
    ChildProcess keep, lost;
    StartAgent(&keep, port, "keep", "slices1");
    StartAgent(&lost, port, "lost", "slices1");
    const std::string script = WriteTempScenario(LoginScenario());
    const std::string out_path = TempPath("lse-test-slices1", ".out");
    const std::string err_path = TempPath("lse-test-slices1", ".err");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "--external-agents", "2",
                       "--cluster-id", "slices1", "--nats-port", std::to_string(port), "--nats-token", kToken},
                      ChildOptions{{}, out_path, err_path});
    // Every user has looped a couple of times (40 users at about 1 request/s).
    for (int i = 0; i < 300 && Route("GET /api/products") < 3 * kVusers; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GE(Route("GET /api/products"), 3 * kVusers) << "load never started\n" << ReadWhole(err_path);

    // Each agent got about half of the plan: its 20 users' pads, not the 40 of the whole plan.
    const std::string keep_log_path = TempPath("lse-test-keep", ".log");
    const long keep_bytes = PlanBytes(ReadWhole(keep_log_path));
    const long lost_bytes = PlanBytes(ReadWhole(TempPath("lse-test-lost", ".log")));
    for (const long bytes : {keep_bytes, lost_bytes}) {
        EXPECT_GT(bytes, kVusers / 2 * kPadBytes) << "its own users' plans";
        EXPECT_LT(bytes, kVusers * kPadBytes * 3 / 4) << "not the others' (the whole plan has 40 pads)";
    }
    EXPECT_NE(ReadWhole(err_path).find("plan: "), std::string::npos) << ReadWhole(err_path);
    EXPECT_NE(ReadWhole(err_path).find(" for 40 virtual users ("), std::string::npos) << ReadWhole(err_path);

    lost.Signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // its in-flight requests are over
    const auto after_kill = ByToken();
    for (int i = 0; i < 300 && ReadWhole(err_path).find("lost timed out") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto at_timeout = ByToken();
    std::vector<std::string> moved;  // the lost agent's users: their tokens stood still while it was dead
    for (const auto& [token, count] : after_kill) {
        if (at_timeout.count(token) != 0 && at_timeout.at(token) == count) moved.push_back(token);
    }
    EXPECT_EQ(moved.size(), static_cast<std::size_t>(kVusers / 2)) << "one agent of two hosted half of the users";

    const auto rc = coordinator.Wait(90'000);
    ASSERT_TRUE(rc.has_value());
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    EXPECT_EQ(*rc, 9) << "what the lost agent sent after its last report is in no total\n" << out << err;
    EXPECT_NE(err.find("plans of 20 moved VUs sent to their new agents"), std::string::npos) << err;
    const std::string keep_log = ReadWhole(keep_log_path);
    EXPECT_NE(keep_log.find("received the plans of 20 virtual user(s) moving here"), std::string::npos) << keep_log;
    EXPECT_NE(keep_log.find("hosting 20 moved virtual user(s)"), std::string::npos) << keep_log;
    // The moved users kept looping, from the survivor, each with the token its own on_start got: the target accepts
    // only tokens it issued (401 otherwise), and counts them.
    const auto at_end = ByToken();
    for (const std::string& token : moved) EXPECT_GE(at_end.at(token) - at_timeout.at(token), 3) << token;
    EXPECT_EQ(at_end.size(), static_cast<std::size_t>(kVusers)) << "no other token appeared";
    EXPECT_FALSE(target_.Stats()["by_status"].contains("401")) << target_.Stats().dump();
}

}  // namespace
}  // namespace lse::testing
