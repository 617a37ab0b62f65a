// wrk/hey/ab habits and lsengine.toml, end to end: the binary as a user coming from those tools runs it,
// checked against what the demo target received (and that nothing was sent when the input is refused).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::testing {
namespace {

constexpr const char* kOneRequestPerIteration = R"(
local flow = scenario { name = "browse", vusers = 3, duration = "30s" }
flow:task("list", function(self, http)
  http:get("/api/v1/projects")
end)
)";

class CliHabitsTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        // A directory of our own: an lsengine.toml in the shared TMPDIR would reach other tests' scenarios.
        const char* tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/lse-habits-XXXXXX";
        ASSERT_NE(::mkdtemp(templ.data()), nullptr);
        dir_ = templ;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }
    int Total() { return target_.Stats()["total"].get<int>(); }
    std::string Write(const std::string& name, const std::string& text) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    DemoTargetProcess target_;
    std::filesystem::path dir_;
};

TEST_F(CliHabitsTest, WrkStyleCommandLineWithoutACommandSendsExactlyNRequests) {
    // As hey/ab users type it: no `url`, -c connections, -t threads, -n requests, flags before and after the URL.
    const CliResult r = RunLsengine({"-c", "4", "-t", "2", Target() + "/api/v1/projects", "-n", "250", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 250);
    EXPECT_EQ(Total(), 250) << "not one request more than -n";
    EXPECT_NE(r.out.find("250"), std::string::npos) << r.out;
}

TEST_F(CliHabitsTest, HeyStyleCountWithADurationEndsAtTheCountFirst) {
    const auto t0 = std::chrono::steady_clock::now();
    const CliResult r = RunLsengine({"url", "-c", "3", "-n", "40", "-z", "30s", "-m", "POST", "--body", R"({"name":"hey"})",
                                     "-H", "Content-Type: application/json", Target() + "/api/v1/projects", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("POST /api/v1/projects"), 40);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15)) << "the count ends the run, not -z";
}

TEST_F(CliHabitsTest, HabitsThatMeanSomethingElseAreRefusedNamingTheLsengineFlagAndNothingIsSent) {
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::string url = Target() + "/api/v1/projects";
    const Case cases[] = {
        {{url, "-d", "30"}, "did you mean 30s?"},
        {{url, "-c", "2", "-d", R"({"name":"x"})"}, "--body"},
        {{url, "-T", "application/json"}, "-H 'Content-Type: VALUE'"},
        {{url, "-q", "10"}, "--rps"},
        {{url, "-disable-compression"}, "--no-compression"},
        {{url, "--latency"}, "percentiles"},
        {{"-s", "wrk.lua", url}, "lsengine run SCRIPT.lua"},
        {{url, url}, "takes one URL"},
        {{url, "-n", "10", "--rps", "5"}, "closed model"},
        {{url, "--durration", "2s"}, "did you mean '--duration'"},
        {{"run", url}, "lsengine url " + url},
        {{"run", Write("flow.lua", kOneRequestPerIteration), url}, "--target " + url},
        {{"run", Write("flow.lua", kOneRequestPerIteration), "--target", Target(), "-n", "5"}, "--iterations"},
    };
    for (const Case& c : cases) {
        const CliResult r = RunLsengine(c.args);
        std::string cmd;
        for (const auto& a : c.args) cmd += a + " ";
        EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err << r.out;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << cmd << "\n" << r.err;
        EXPECT_EQ(r.err.find("not expected"), std::string::npos) << cmd << "\n" << r.err;
    }
    EXPECT_EQ(Total(), 0) << "nothing may be sent when the input is refused";
}

TEST_F(CliHabitsTest, RunIterationsEndsAfterExactlyThatMany) {
    const std::string script = Write("flow.lua", kOneRequestPerIteration);
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "-i", "17", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 17);
}

TEST_F(CliHabitsTest, ConfigFileBesideTheScriptGivesDefaultsAndFlagsWin) {
    const std::string script = Write("flow.lua", kOneRequestPerIteration);
    Write("lsengine.toml", "# project defaults\n[run]\ntarget = \"" + Target() +
                               "\"\niterations = 12\nvusers = 2\nquiet = true\n");
    CliResult r = RunLsengine({"run", script});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 12) << "target and iterations came from lsengine.toml";

    r = RunLsengine({"run", script, "--iterations", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 12 + 5) << "the command line wins over the file";

    const std::string bad = Write("bad.toml", "[run]\ntarget = \"" + Target() + "\"\nvuser = 3\n");
    r = RunLsengine({"run", script, "--config", bad});
    EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
    EXPECT_NE(r.err.find(bad + ":3: unknown key 'vuser' in [run] (did you mean 'vusers'?)"), std::string::npos)
        << r.err;
    EXPECT_EQ(Route("GET /api/v1/projects"), 17) << "a bad config file sends nothing";
}

TEST_F(CliHabitsTest, UrlModeTakesItsDefaultsFromConfig) {
    const std::string config = Write("load.toml", "[url]\nrequests = 30\nvusers = 3\nquiet = true\n");
    const CliResult r = RunLsengine({Target() + "/api/v1/projects", "--config", config});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 30);
}

}  // namespace
}  // namespace lse::testing
