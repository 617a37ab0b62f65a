// The script's environment and modules (issue 15, item 9): `require` next to the script, -e and --env-file reaching
// lsengine.env and os.getenv, and their secret values masked in every output. Checked at the demo target (what it
// received: bodies, bearer tokens) and in every byte lsengine wrote.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr char kToken[] = "tok-envXYZ123";      // -e API_TOKEN: secret by its name
constexpr char kCustomer[] = "cust-4417-alpha";  // --env-file CUSTOMER, secret because of --redact

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

void ExpectNotIn(const std::string& where, const std::string& text, const std::string& secret) {
    const size_t at = text.find(secret);
    if (at == std::string::npos) return;
    ADD_FAILURE() << where << " contains '" << secret << "':\n..." << text.substr(at > 120 ? at - 120 : 0, 240);
}

class CliEnvTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        dir_ = MakeTempDir("lse-env-");
        std::filesystem::create_directories(dir_ + "/lib");
        Write(dir_ + "/lib/naming.lua", "return { label = function(p, r) return p .. '@' .. r end }\n");
        Write(dir_ + "/vars.env",
              "# the staging project\n"
              "PROJECT=\"alpha beta\"\n"
              "REGION=us-east   # -e overrides it\n"
              "export CUSTOMER=" + std::string(kCustomer) + "\n");
    }
    void TearDown() override {
        std::error_code ec;
        if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
    }
    std::string Base() const { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    std::vector<std::string> Bodies(const std::string& route) {
        const auto stats = target_.Stats();
        if (!stats["bodies"].contains(route)) return {};
        return stats["bodies"][route].get<std::vector<std::string>>();
    }

    DemoTargetProcess target_;
    std::string dir_;
};

TEST_F(CliEnvTest, ModulesEnvFileAndFlagsReachTheScriptAndSecretsStayOutOfEveryOutput) {
    // The token also names a request and a check, and the customer goes into a URL and a check: the outputs must
    // show those rows with the values masked. One virtual user for 2 s with a 100 ms pause: at most ~20 iterations.
    Write(dir_ + "/main.lua", R"(
local naming = require "lib.naming"
local flow = scenario { name = "env", vusers = 1, duration = "2s" }
flow:task("create", function(self, http)
  http:post("/", { body = naming.label(lsengine.env.PROJECT, os.getenv("REGION")),
                   headers = { Authorization = "Bearer " .. lsengine.env.API_TOKEN },
                   name = "create for " .. lsengine.env.API_TOKEN })
  http:get("/api/v1/projects?customer=" .. lsengine.env.CUSTOMER)
  check("customer " .. os.getenv("CUSTOMER") .. " is set", lsengine.env.CUSTOMER ~= nil)
  sleep(0.1)
end)
)");
    const std::string out = dir_ + "/out";
    std::filesystem::create_directories(out);
    const int prom_port = FreeTcpPort();
    ChildProcess run;
    // Started in the test's working directory (the build tree): `require "lib.naming"` must look next to the script.
    run.Start({LSE_LSENGINE_PATH, "run", dir_ + "/main.lua", "--target", Base(), "--env-file", dir_ + "/vars.env",
               "-e", std::string("API_TOKEN=") + kToken, "-e", "REGION=eu-west", "--redact", "CUSTOMER",
               "--summary-json", out + "/summary.json", "--out", "ndjson=" + out + "/run.ndjson", "--report",
               out + "/report.html", "--prometheus", "127.0.0.1:" + std::to_string(prom_port)},
              ChildOptions{{}, out + "/stdout.txt", out + "/stderr.txt"});
    std::string scrape;  // while the run lasts (2 s): the first one with the request rows
    std::string last;
    for (int i = 0; i < 150 && scrape.empty(); ++i) {
        const SimpleResponse resp = HttpGet(prom_port, "/metrics");
        if (resp.status == 200) last = resp.body;
        if (resp.status == 200 && resp.body.find("create for") != std::string::npos) scrape = resp.body;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto rc = run.Wait(30'000);
    ASSERT_TRUE(rc.has_value()) << "the run did not finish";
    ASSERT_EQ(*rc, 0) << ReadWhole(out + "/stderr.txt") << ReadWhole(out + "/stdout.txt");

    // At the target: every POST carried the env file's value with -e's override, and the -e token.
    const std::vector<std::string> bodies = Bodies("POST /");
    ASSERT_GE(bodies.size(), 3u);
    for (const std::string& b : bodies) EXPECT_EQ(b, "alpha beta@eu-west");
    const auto stats = target_.Stats();
    EXPECT_EQ(stats["by_token"].value(kToken, 0), static_cast<int>(bodies.size())) << stats.dump();
    EXPECT_EQ(stats["by_route"].value("GET /api/v1/projects", 0), static_cast<int>(bodies.size())) << stats.dump();

    // Every byte lsengine wrote: no secret, but the rows are there with the values masked.
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
        const std::string text = ReadWhole(entry.path().string());
        ExpectNotIn(entry.path().string(), text, kToken);
        ExpectNotIn(entry.path().string(), text, kCustomer);
    }
    ASSERT_FALSE(scrape.empty()) << "no Prometheus scrape with the request rows during the run; the last:\n" << last;
    ExpectNotIn("the Prometheus scrape", scrape, kToken);
    EXPECT_NE(scrape.find("create for ***"), std::string::npos) << scrape;
    const nlohmann::json summary = nlohmann::json::parse(ReadWhole(out + "/summary.json"));
    const std::string dumped = summary.dump();
    EXPECT_NE(dumped.find("create for ***"), std::string::npos) << dumped;
    EXPECT_NE(dumped.find("customer *** is set"), std::string::npos) << dumped;
    EXPECT_EQ(summary["run"]["config"].value("env API_TOKEN", ""), "***") << summary["run"].dump();
    EXPECT_EQ(summary["run"]["config"].value("env CUSTOMER", ""), "***") << summary["run"].dump();
    EXPECT_EQ(summary["run"]["config"].value("env PROJECT", ""), "alpha beta") << summary["run"].dump();
    EXPECT_NE(ReadWhole(out + "/stdout.txt").find("create for ***"), std::string::npos);
}

TEST_F(CliEnvTest, DryRunListingAndScriptErrorsMaskTheSecrets) {
    Write(dir_ + "/fails.lua", R"(
local flow = scenario { name = "fails", vusers = 1, duration = "1s" }
function flow:on_start(http)
  http:post("/", { body = lsengine.env.CUSTOMER })
  error("login refused for " .. lsengine.env.API_TOKEN)
end
flow:task("t", function(self, http) http:get("/") end)
)");
    const CliResult r = RunLsengine({"run", dir_ + "/fails.lua", "--target", Base(), "--dry-run", "--env-file",
                                     dir_ + "/vars.env", "-e", std::string("API_TOKEN=") + kToken, "--redact",
                                     "CUSTOMER"});
    ASSERT_EQ(r.exit_code, 4) << "on_start failed: a problem\n" << r.err << r.out;
    EXPECT_EQ(Bodies("POST /"), std::vector<std::string>{kCustomer}) << "the real value was sent";
    EXPECT_NE(r.out.find("login refused for ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("body: ***"), std::string::npos) << r.out;
    for (const std::string& text : {r.out, r.err}) {
        ExpectNotIn("dry run output", text, kToken);
        ExpectNotIn("dry run output", text, kCustomer);
    }
}

TEST_F(CliEnvTest, BadEnvInputNamesTheFlagAndLine) {
    Write(dir_ + "/main.lua", "local s = scenario { name = 's' }\ns:task('t', function() end)\n");
    Write(dir_ + "/bad.env", "A=1\nthis is not an assignment\n");
    CliResult r = RunLsengine({"run", dir_ + "/main.lua", "--target", Base(), "--env-file", dir_ + "/bad.env"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(dir_ + "/bad.env:2: expected KEY=VALUE"), std::string::npos) << r.err;
    r = RunLsengine({"run", dir_ + "/main.lua", "--target", Base(), "-e", "NOEQUALS"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("-e NOEQUALS: expected KEY=VALUE"), std::string::npos) << r.err;
    EXPECT_EQ(target_.Stats()["total"], 0) << "nothing was sent";
}

}  // namespace
}  // namespace lse::testing
