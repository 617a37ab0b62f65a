// Secrets never leak (issue 6): a scripted run whose on_start logs in with a password and whose tasks send a
// bearer token, an API key, a session cookie and a token in the query string, with every output on, then every
// byte it produced (stdout, stderr, each file, a Prometheus scrape) is searched for the literal secret values.
// The same for --dry-run (single-node and distributed), URL mode, URLs with user:pass, and the coordinator's log
// with --external-agents (whose embedded broker must always require a token).

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
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

// The demo target's login password is fixed ("secret"); the other values are unique enough to grep for.
constexpr char kPassword[] = "secret";
constexpr char kApiKey[] = "ak-7Hq2Lm9xQv";
constexpr char kSessionCookie[] = "ck-9Zr3TtWp1d";
constexpr char kQueryToken[] = "qt-P4ssW0rdz8";
constexpr char kBodyPassword[] = "pw-Bn5Jx2Kc7f";

/// Fails once per secret found in `text`, showing where it appeared.
void ExpectNoSecrets(const std::string& where, const std::string& text, const std::vector<std::string>& secrets) {
    for (const std::string& secret : secrets) {
        const size_t at = text.find(secret);
        if (at == std::string::npos) continue;
        const size_t from = at > 120 ? at - 120 : 0;
        ADD_FAILURE() << where << " contains the secret '" << secret << "':\n..." << text.substr(from, 240) << "...";
    }
}

/// Every regular file in `dir`, by path.
std::vector<std::string> FilesIn(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file()) out.push_back(entry.path().string());
    }
    return out;
}

std::string ShopScenario() {
    return std::string(R"(
local shop = scenario { name = "shop", rps = 10, vusers = 2, duration = "2s" }

function shop:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = ")") + kPassword + R"(" } })
  check("login ok", r.status == 200)
  self.token = r:json().access_token
end

shop:task("browse", { weight = 1 }, function(self, http)
  local r = http:get("/api/products", { headers = {
    Authorization = "Bearer " .. self.token,
    ["X-Api-Key"] = ")" + kApiKey + R"(",
    Cookie = "session=)" + kSessionCookie + R"(",
  } })
  check("products ok", r.status == 200)
end)

shop:task("projects", { weight = 1 }, function(self, http)
  http:get("/api/v1/projects?page=1&access_token=)" + kQueryToken + R"(")
end)
)";
}

// on_start sends a request that fails: the dry run reports it as a problem, naming the request.
std::string FailingLoginScenario() {
    return std::string(R"(
local broken = scenario { name = "broken", vusers = 1, duration = "1s" }

function broken:on_start(http)
  http:post("/status/401?api_key=)") + kQueryToken + R"(", { json = { user = "u1", password = ")" + kBodyPassword +
           R"(" } })
end

broken:task("home", { weight = 1 }, function(self, http)
  http:get("/")
end)
)";
}

class CliSecretsTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        dir_ = MakeTempDir("lse-sec-out-");
    }
    void TearDown() override {
        std::error_code ec;
        if (!HasFailure()) std::filesystem::remove_all(dir_, ec);  // kept for a look when something failed
    }
    std::string Base() const { return "http://127.0.0.1:" + std::to_string(target_.Port()); }

    /// The fixed secrets plus every bearer token the target saw so far, and the prefix of every token it hands out
    /// ("tok-u<n>-<hex>"): a token only captured into a plan (never sent) is caught by that.
    std::vector<std::string> Secrets() {
        std::vector<std::string> out = {kPassword, kApiKey, kSessionCookie, kQueryToken, kBodyPassword, "tok-u"};
        const auto stats = target_.Stats();
        for (const auto& [token, count] : stats["by_token"].items()) out.push_back(token);
        return out;
    }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }

    DemoTargetProcess target_;
    std::string dir_;
};

TEST_F(CliSecretsTest, ScriptedRunWithEveryOutputLeaksNoSecret) {
    const std::string script = WriteTempScenario(ShopScenario());
    const int prom_port = FreeTcpPort();
    const std::string out_path = dir_ + "/stdout.txt";
    const std::string err_path = dir_ + "/stderr.txt";
    ChildProcess run;
    run.Start({LSE_LSENGINE_PATH, "run", script, "--target", Base(), "--summary-json", dir_ + "/summary.json",
               "--out", "ndjson=" + dir_ + "/run.ndjson", "--report", dir_ + "/report.html", "--prometheus",
               "127.0.0.1:" + std::to_string(prom_port), "--threshold", "p99 < 10s"},
              ChildOptions{{}, out_path, err_path});
    std::string scrape;
    for (int i = 0; i < 100 && scrape.empty(); ++i) {
        const SimpleResponse resp = HttpGet(prom_port, "/metrics");
        if (resp.status == 200 && resp.body.find("projects") != std::string::npos) scrape = resp.body;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto rc = run.Wait(60'000);
    ASSERT_TRUE(rc.has_value()) << "the run did not finish";
    ASSERT_EQ(*rc, 0) << ReadWhole(err_path) << ReadWhole(out_path);
    ASSERT_FALSE(scrape.empty()) << "no Prometheus scrape with the request rows during the run";

    // The secrets really went out: logins, bearer tokens the target accepted, the query-token route.
    ASSERT_GT(target_.Stats()["by_token"].size(), 0u);
    ASSERT_GT(Route("GET /api/products"), 0);
    ASSERT_GT(Route("GET /api/v1/projects"), 0);
    const std::vector<std::string> secrets = Secrets();
    ASSERT_GE(secrets.size(), 7u);

    const std::vector<std::string> files = FilesIn(dir_);
    ASSERT_EQ(files.size(), 5u) << "stdout, stderr, summary.json, run.ndjson, report.html";
    for (const std::string& file : files) {
        const std::string text = ReadWhole(file);
        EXPECT_FALSE(text.empty() && file.find("stderr") == std::string::npos) << file << " is empty";
        ExpectNoSecrets(file, text, secrets);
    }
    ExpectNoSecrets("the Prometheus scrape", scrape, secrets);
    // The outputs are about the run that sent them: the request rows are there, only the secrets are not.
    EXPECT_NE(ReadWhole(dir_ + "/summary.json").find("GET /api/products"), std::string::npos);
}

TEST_F(CliSecretsTest, DryRunShowsRequestsWithTheirSecretsMasked) {
    const std::string script = WriteTempScenario(ShopScenario());
    const CliResult r = RunLsengine({"run", script, "--target", Base(), "--dry-run"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    ASSERT_GT(target_.Stats()["by_token"].size(), 0u) << "the dry run sent the requests with real tokens";
    ExpectNoSecrets("dry-run stdout", r.out, Secrets());
    ExpectNoSecrets("dry-run stderr", r.err, Secrets());
    // What was sent is still visible, with the secret parts masked.
    EXPECT_NE(r.out.find("Authorization: Bearer ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("X-Api-Key: ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Cookie: ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"pass\":\"***\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/api/v1/projects?page=1&access_token=***"), std::string::npos) << r.out;
}

TEST_F(CliSecretsTest, DryRunProblemsNameTheFailedRequestWithoutItsSecrets) {
    const std::string script = WriteTempScenario(FailingLoginScenario());
    const CliResult r = RunLsengine({"run", script, "--target", Base(), "--dry-run"});
    ASSERT_EQ(r.exit_code, 4) << "a failed on_start request is a problem\n" << r.err << r.out;
    ASSERT_EQ(Route("POST /status/{id}"), 1) << "the request was sent";
    EXPECT_NE(r.out.find("/status/401?api_key=***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("unexpected status 401"), std::string::npos) << r.out;
    ExpectNoSecrets("dry-run stdout", r.out, Secrets());
    ExpectNoSecrets("dry-run stderr", r.err, Secrets());
}

TEST_F(CliSecretsTest, DistributedDryRunPrintsThePlanWithoutSecrets) {
    const std::string script = WriteTempScenario(ShopScenario());
    // --dry-run captures the plan the agents would get and prints it; no broker or agent is started.
    const CliResult r = RunLsengine({"run", script, "--target", Base(), "--agents", "1", "--dry-run"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    ASSERT_NE(r.out.find("on agents"), std::string::npos) << r.out;
    ASSERT_EQ(Route("POST /auth/login"), 2) << "on_start logged in for real";
    ExpectNoSecrets("distributed dry-run stdout", r.out, Secrets());
    ExpectNoSecrets("distributed dry-run stderr", r.err, Secrets());
    EXPECT_NE(r.out.find("Authorization: Bearer ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("access_token=***"), std::string::npos) << r.out;
}

TEST_F(CliSecretsTest, UrlModeWithEveryOutputLeaksNoSecret) {
    const std::string bearer = "s3cr3t-Ur1M0de";
    const std::string body = std::string(R"({"user":"u1","password":")") + kBodyPassword + R"("})";
    const CliResult r = RunLsengine(
        {"url", Base() + "/api/v1/projects?token=" + std::string(kQueryToken), "-H", "Authorization: Bearer " + bearer,
         "-H", std::string("X-Api-Key: ") + kApiKey, "-X", "POST", "--body", body, "--rps", "10", "--duration", "2s",
         "--expect", "2xx,4xx", "--summary-json", dir_ + "/summary.json", "--out", "ndjson=" + dir_ + "/run.ndjson",
         "--report", dir_ + "/report.html"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    ASSERT_EQ(Route("POST /api/v1/projects"), 20) << "the requests (and their secrets) went out";
    std::vector<std::string> secrets = Secrets();
    secrets.push_back(bearer);
    ExpectNoSecrets("url stdout", r.out, secrets);
    ExpectNoSecrets("url stderr", r.err, secrets);
    const std::vector<std::string> files = FilesIn(dir_);
    ASSERT_EQ(files.size(), 3u);
    for (const std::string& file : files) ExpectNoSecrets(file, ReadWhole(file), secrets);
    // The configuration still says which headers were sent, and the request is still named by its path.
    const nlohmann::json summary = nlohmann::json::parse(ReadWhole(dir_ + "/summary.json"));
    EXPECT_NE(summary["run"].dump().find("Bearer ***"), std::string::npos) << summary["run"].dump();
    EXPECT_NE(summary.dump().find("POST /api/v1/projects?token=***"), std::string::npos) << summary.dump();
}

TEST_F(CliSecretsTest, UrlWithUserAndPasswordIsRefusedWithoutEchoingThePassword) {
    const std::string password = "pw-Us3rInfo9";
    const std::string url = "http://alice:" + password + "@127.0.0.1:" + std::to_string(target_.Port()) + "/";
    const CliResult u = RunLsengine({"url", url, "--rps", "1", "--duration", "1s"});
    EXPECT_EQ(u.exit_code, 2) << u.err;
    EXPECT_NE(u.err.find("userinfo"), std::string::npos) << u.err;
    ExpectNoSecrets("url stderr", u.err + u.out, {password, "alice:"});

    const std::string script = WriteTempScenario(ShopScenario());
    const CliResult r = RunLsengine({"run", script, "--target", url, "--duration", "1s"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("userinfo"), std::string::npos) << r.err;
    ExpectNoSecrets("run stderr", r.err + r.out, {password, "alice:"});
    EXPECT_EQ(Route("GET /"), 0);
}

/// Where nats-server really is (PATH, then the Debian location).
std::string RealNatsServer() {
    std::string dirs = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    dirs += ":/usr/sbin:/usr/local/sbin";
    std::stringstream ss(dirs);
    for (std::string dir; std::getline(ss, dir, ':');) {
        const std::string candidate = dir + "/nats-server";
        if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

// The coordinator starts its broker by name ("nats-server" in PATH): a wrapper first in PATH keeps a copy of the
// config file the broker was started with (lsengine deletes it once the server has read it), then runs the real
// server. There is no flag to start the embedded broker without auth; this proves none is needed to get it.
TEST_F(CliSecretsTest, ExternalAgentsBrokerAlwaysRequiresATokenAndTheLogKeepsAChosenOneSecret) {
    const std::string real = RealNatsServer();
    ASSERT_FALSE(real.empty()) << "nats-server is not installed";
    const std::string bin = dir_ + "/bin";
    const std::string configs = dir_ + "/configs";
    std::filesystem::create_directories(bin);
    std::filesystem::create_directories(configs);
    {
        std::ofstream wrapper(bin + "/nats-server");
        wrapper << "#!/bin/sh\n"
                << "# lsengine runs: nats-server -c CONFIG -l LOG\n"
                << "cp \"$2\" \"" << configs << "/broker-$$.conf\"\n"
                << "exec \"" << real << "\" \"$@\"\n";
    }
    std::filesystem::permissions(bin + "/nats-server", std::filesystem::perms::owner_all);
    CliOptions options;
    options.env = {{"PATH", bin + ":" + std::string(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "")}};
    const std::string script = WriteTempScenario(ShopScenario());
    auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"run",          script, "--target", Base(), "--external-agents", "1",
                                         "--agent-wait", "1s",   "--nats-port", std::to_string(FreeTcpPort())};
        args.insert(args.end(), extra.begin(), extra.end());
        return RunLsengine(args, options);
    };
    auto captured = [&] {
        std::vector<std::string> texts;
        for (const std::string& f : FilesIn(configs)) texts.push_back(ReadWhole(f));
        std::filesystem::remove_all(configs);
        std::filesystem::create_directories(configs);
        return texts;
    };
    const std::regex token_line(R"re(authorization \{\s*token: "([^"]+)"\s*\})re");

    // A token the user chose: the broker requires it, and the coordinator never prints it.
    const std::string chosen = "nt-Q8zR5wLk3";
    const CliResult with_token = run({"--nats-token", chosen});
    EXPECT_NE(with_token.exit_code, 0) << "no agent ever came";
    std::vector<std::string> conf = captured();
    ASSERT_EQ(conf.size(), 1u) << with_token.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(conf[0], m, token_line)) << conf[0];
    EXPECT_EQ(m[1], chosen);
    EXPECT_NE(with_token.err.find("start agents with"), std::string::npos) << with_token.err;
    ExpectNoSecrets("coordinator log", with_token.err + with_token.out, {chosen});

    // No token given (and an empty one): a random one is generated, so the broker still requires one. It is
    // printed once, because the user has no other way to learn it.
    for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--nats-token", ""}}) {
        const CliResult random = run(extra);
        EXPECT_NE(random.exit_code, 0);
        conf = captured();
        ASSERT_EQ(conf.size(), 1u) << random.err;
        ASSERT_TRUE(std::regex_search(conf[0], m, token_line)) << conf[0];
        EXPECT_TRUE(std::regex_match(m[1].str(), std::regex("[0-9a-f]{32}"))) << m[1];
        EXPECT_NE(random.err.find("--nats-token " + m[1].str()), std::string::npos) << random.err;
    }
}

}  // namespace
}  // namespace lse::testing
