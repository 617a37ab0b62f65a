// `lsengine run FILE.lua` end to end: the CLI as a user runs it, checked against
// what the demo target itself counted.

#include <gtest/gtest.h>

#include <sstream>

#include <dirent.h>

#include <set>
#include <string>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::testing {
namespace {

class CliRunTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }
    int Status(int status) {
        const auto stats = target_.Stats();
        const std::string key = std::to_string(status);
        return stats["by_status"].contains(key) ? stats["by_status"][key].get<int>() : 0;
    }
    DemoTargetProcess target_;
};

TEST_F(CliRunTest, EachVirtualUserLogsInOnceAndUsesItsOwnToken) {
    const CliResult r = RunLsengine({"run", Scenario("shop.lua"), "--target", Target(), "-q", "--seed", "7"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto stats = target_.Stats();

    // on_start ran exactly once for each of the 5 virtual users, with ids 1..5.
    ASSERT_EQ(stats["logins"].size(), 5u) << stats.dump();
    for (int id = 1; id <= 5; ++id) EXPECT_EQ(stats["logins"].value("u" + std::to_string(id), 0), 1) << id;

    // 20 rps x 2 s = 40 arrivals, split 3:1 between the tasks.
    const int products = Route("GET /api/products");
    const int projects = Route("GET /api/v1/projects");
    EXPECT_EQ(products + projects, 40);
    EXPECT_NEAR(products, 30, 2);
    EXPECT_NEAR(projects, 10, 2);

    // Every products request carried one of the issued tokens: 5 distinct, all authorised.
    int by_token = 0;
    std::set<std::string> tokens;
    for (auto& [token, n] : stats["by_token"].items()) {
        tokens.insert(token);
        by_token += n.get<int>();
    }
    EXPECT_EQ(tokens.size(), 5u) << "arrivals rotate through every virtual user of the pool";
    EXPECT_EQ(by_token, products);
    EXPECT_EQ(Status(401), 0) << "a request went out without its virtual user's token";

    // The summary names the scenario, both tasks and the check.
    for (const char* s : {"shop", "browse", "projects", "products ok", "login ok"}) {
        EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
    }
    EXPECT_EQ(r.out.find('\x1f'), std::string::npos);
}

TEST_F(CliRunTest, TargetFromEnvironment) {
    CliOptions o;
    o.env = {{"LSENGINE_TARGET", Target()}};
    const CliResult r = RunLsengine({"run", Scenario("two_scenarios.lua"), "-q"}, o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Status(201), 5);
    EXPECT_EQ(Status(202), 5);
}

TEST_F(CliRunTest, MissingTargetIsAUsageError) {
    const CliResult r = RunLsengine({"run", Scenario("shop.lua")}, CliOptions{{{"LSENGINE_TARGET", ""}}});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--target"), std::string::npos) << r.err;
}

TEST_F(CliRunTest, ScenarioSelection) {
    CliResult r = RunLsengine({"run", Scenario("two_scenarios.lua"), "--target", Target(), "--scenario", "beta", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Status(201), 0);
    EXPECT_EQ(Status(202), 5);
    r = RunLsengine({"run", Scenario("two_scenarios.lua"), "--target", Target(), "--scenario", "bta"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("did you mean 'beta'"), std::string::npos) << r.err;
}

TEST_F(CliRunTest, CommandLineOverridesTheFile) {
    const CliResult r = RunLsengine(
        {"run", Scenario("two_scenarios.lua"), "--target", Target(), "--scenario", "alpha", "--rps", "10", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Status(201), 10);
}

TEST_F(CliRunTest, FailedThresholdsGiveTheirOwnExitCode) {
    const CliResult r = RunLsengine({"run", Scenario("slow_threshold.lua"), "--target", Target(), "-q"});
    EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
    EXPECT_NE(r.out.find("p95 < 1ms"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("error_rate < 1%"), std::string::npos) << r.out;
    EXPECT_EQ(Route("GET /slow"), 10);
}

TEST_F(CliRunTest, CommandLineThresholdsAreCheckedToo) {
    const CliResult r = RunLsengine({"run", Scenario("two_scenarios.lua"), "--target", Target(), "-q", "--threshold",
                                     "requests > 1000"});
    EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
}

TEST_F(CliRunTest, ScriptErrorsFailIterationsNotTheProcess) {
    const CliResult r = RunLsengine({"run", Scenario("script_error.lua"), "--target", Target(), "-q"});
    // The process survives every error and prints its summary; the task that fails every time is a broken script:
    // exit 4 (cli_run_failures_test.cpp has the details).
    EXPECT_EQ(r.exit_code, 4) << r.err << r.out;
    const std::string all = r.out + r.err;
    EXPECT_NE(all.find("script_error.lua:11:"), std::string::npos) << all;
    EXPECT_NE(all.find("script"), std::string::npos) << all;
    EXPECT_GT(Route("GET /api/v1/projects"), 0) << "the healthy task kept running";
}

TEST_F(CliRunTest, SyntaxErrorNamesFileAndLine) {
    const CliResult r = RunLsengine({"run", Scenario("syntax_error.lua"), "--target", Target()});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("syntax_error.lua:3:"), std::string::npos) << r.err;
    EXPECT_EQ(target_.Stats()["total"].get<int>(), 0);
}

TEST_F(CliRunTest, UnknownOptionSuggestsTheRightOne) {
    const CliResult r = RunLsengine({"run", Scenario("bad_option.lua"), "--target", Target()});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("bad_option.lua:1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("durration"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'duration'"), std::string::npos) << r.err;
}

TEST_F(CliRunTest, DryRunShowsWhatWasSentWithSecretsRedacted) {
    const CliResult r = RunLsengine({"run", Scenario("shop.lua"), "--target", Target(), "--dry-run"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("POST " + Target() + "/auth/login"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("GET " + Target() + "/api/products"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Bearer ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"pass\":\"***\""), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("tok-"), std::string::npos) << "a token leaked into dry-run output\n" << r.out;
    EXPECT_EQ(r.out.find("secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("open model"), std::string::npos) << r.out;
    const auto stats = target_.Stats();
    EXPECT_EQ(stats["logins"].size(), 5u) << "on_start runs for the whole pool";
    EXPECT_EQ(Route("GET /api/products"), 1) << "one iteration of each task";
    EXPECT_EQ(Route("GET /api/v1/projects"), 1);
}

TEST_F(CliRunTest, DryRunFailsOnAFailedCheck) {
    const CliResult r = RunLsengine({"run", Scenario("failing_check.lua"), "--target", Target(), "--dry-run"});
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("status is 200"), std::string::npos) << r.out;
}

TEST_F(CliRunTest, CtrlCStopsDrainsAndRunsOnStop) {
    CliOptions o;
    o.sigint_after_ms = 2000;
    o.timeout_ms = 15000;
    const CliResult r = RunLsengine({"run", Scenario("crud.lua"), "--target", Target(), "-q"}, o);
    ASSERT_NE(r.exit_code, -1) << "did not stop after Ctrl-C";
    EXPECT_EQ(r.exit_code, 130) << "an interrupted run says so\n" << r.err;
    EXPECT_NE(r.out.find("read"), std::string::npos) << "summary printed\n" << r.out;
    EXPECT_EQ(Route("POST /api/v1/projects"), 3);
    EXPECT_EQ(Route("DELETE /api/v1/projects/{id}"), 3) << "on_stop ran for every virtual user";
    EXPECT_GT(Route("GET /api/v1/projects/{id}"), 10);
    // on_stop's requests are measured like on_start's: a lifecycle row with one request per virtual user.
    const auto row = r.out.find("\n  on_stop ");
    ASSERT_NE(row, std::string::npos) << "no on_stop row in the lifecycle table\n" << r.out;
    std::istringstream fields(r.out.substr(row + 1, r.out.find('\n', row + 1) - row - 1));
    std::string name;
    long requests = -1;
    fields >> name >> requests;
    EXPECT_EQ(requests, 3) << r.out;
}

TEST_F(CliRunTest, ExamplesRunAgainstTheDemoTarget) {
    DIR* dir = opendir(LSE_EXAMPLES_DIR);
    ASSERT_NE(dir, nullptr) << LSE_EXAMPLES_DIR;
    int examples = 0;
    while (dirent* e = readdir(dir)) {
        const std::string name = e->d_name;
        if (name.size() < 5 || name.substr(name.size() - 4) != ".lua") continue;
        ++examples;
        const CliResult r = RunLsengine(
            {"run", std::string(LSE_EXAMPLES_DIR) + "/" + name, "--target", Target(), "--duration", "2s", "--ramp-up", "1s", "-q"});
        EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.err << r.out;
    }
    closedir(dir);
    EXPECT_GE(examples, 3);
}

}  // namespace
}  // namespace lse::testing
