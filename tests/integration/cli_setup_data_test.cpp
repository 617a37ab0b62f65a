// setup()'s return value (issue 15, item 11) reaches on_start, the tasks, on_stop and teardown, in a single-node run
// and in a distributed one (the agents replay what the capture built from it; the plan carries it). Checked at the
// demo target: the routes the data named were requested, the teardown posted the data's marker once.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_test_util.hpp"
#include "distributed_test_util.hpp"

namespace lse::testing {
namespace {

// The data names the route the task requests and a marker the teardown posts: nothing else in the script says
// either. Closed model, 2 virtual users for 1 s with a 100 ms pause: at most ~20 iterations.
constexpr char kScript[] = R"(
local flow = scenario { name = "data", vusers = 2, duration = "1s" }
function flow:setup(http)
  local r = http:get("/")
  return { path = "/api/v1/projects", marker = "m-" .. r.status, users = { "ann", "bob" } }
end
function flow:on_start(http, data)
  self.user = data.users[self.id]
end
flow:task("list", function(self, http, data)
  http:get(data.path .. "?user=" .. self.user .. "&of=" .. #data.users)
  sleep(0.1)
end)
function flow:teardown(http, data)
  http:post("/", { body = data.marker })
end
)";

class CliSetupDataTest : public CliDistributedTest {
protected:
    std::vector<std::string> Bodies(const std::string& route) {
        const auto stats = target_.Stats();
        if (!stats["bodies"].contains(route)) return {};
        return stats["bodies"][route].get<std::vector<std::string>>();
    }
    void ExpectDataWasUsed(const CliResult& r) {
        ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
        EXPECT_EQ(Route("GET /"), 1) << "setup ran once";
        const int listed = Route("GET /api/v1/projects");
        EXPECT_GE(listed, 4) << "both virtual users iterated with the data's path";
        EXPECT_LE(listed, 30);
        EXPECT_EQ(Bodies("POST /"), std::vector<std::string>{"m-200"}) << "teardown got the data";
        EXPECT_EQ(r.err.find("script error"), std::string::npos) << r.err;
    }
};

TEST_F(CliSetupDataTest, SingleNodeTasksAndHooksGetSetupsValue) {
    const CliResult r = RunLsengine({"run", WriteTempScenario(kScript), "--target", Target(), "-q"});
    ExpectDataWasUsed(r);
}

TEST_F(CliSetupDataTest, AgentsReplayWhatTheDataShaped) {
    const CliResult r = RunLsengine({"run", WriteTempScenario(kScript), "--target", Target(), "-q", "--agents", "1"});
    ExpectDataWasUsed(r);
}

TEST_F(CliSetupDataTest, ASetupValueThatCannotCrossIsRefusedBeforeTheLoad) {
    const CliResult r = RunLsengine({"run", WriteTempScenario(R"(
local flow = scenario { name = "data", vusers = 1, duration = "1s" }
function flow:setup(http) return { handler = function() end } end
flow:task("t", function(self, http) http:get("/") end)
)"),
                                     "--target", Target(), "-q"});
    EXPECT_EQ(r.exit_code, 4) << r.err << r.out;
    EXPECT_NE(r.err.find("setup() returned a value that cannot be passed to the virtual users"), std::string::npos)
        << r.err;
    EXPECT_EQ(Route("GET /"), 0) << "no load was sent";
}

}  // namespace
}  // namespace lse::testing
