// How a failing run looks from outside (issue 11): script errors grouped by message, a broken script stopped
// early, virtual users whose on_start failed counted and kept out of the load, transport errors with their
// reason, and exit codes that never say "green" for a run that failed. The demo target counts what it got.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) { return json::parse(ReadWhole(path), nullptr, false); }

class CliRunFailuresTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }
    // Runs `lsengine run` with --summary-json and --out ndjson into fresh files; fills json_ and end_.
    CliResult Run(const std::string& script, std::vector<std::string> extra = {}, CliOptions o = {}) {
        const std::string summary = MakeTempFile("summary-", ".json");
        const std::string ndjson = MakeTempFile("stream-", ".ndjson");
        std::vector<std::string> args = {"run", script, "--target", Target(), "-q", "--summary-json", summary,
                                         "--out", "ndjson=" + ndjson};
        args.insert(args.end(), extra.begin(), extra.end());
        CliResult r = RunLsengine(args, o);
        json_ = ReadJson(summary);
        std::ifstream lines(ndjson);
        std::string line;
        while (std::getline(lines, line)) {
            json j = json::parse(line, nullptr, false);
            if (!j.is_discarded() && j.value("type", "") == "end") end_ = j;
        }
        return r;
    }
    DemoTargetProcess target_;
    json json_;
    json end_;
};

// A task that raises for one virtual user only: the others succeed, so the run goes on to its end, but it does
// not pass: exit 7, with the message grouped (file:line, count, first seen) in every output.
TEST_F(CliRunFailuresTest, ScriptErrorsOnSomeIterationsFailTheRunWithTheirGroupedMessage) {
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = "some", rps = 40, vusers = 4, duration = "2s" }
s:task("browse", function(self, http)
  http:get("/api/v1/projects")
  if self.id == 1 then
    local t = nil
    return t.field
  end
end)
)");
    const CliResult r = Run(script);
    EXPECT_EQ(r.exit_code, 7) << r.err << r.out;
    EXPECT_NE(r.out.find("errors by message"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(":7: attempt to index local 't' (a nil value)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("FAIL (exit 7)"), std::string::npos) << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 80) << "the run went to its end";
    ASSERT_TRUE(json_.is_object()) << r.err;
    EXPECT_EQ(json_["version"], 3);
    EXPECT_EQ(json_["exit_code"], 7);
    const json& s = json_["scenarios"][0];
    EXPECT_EQ(s["script_errors"].get<int>(), 20) << s.dump(2);
    ASSERT_EQ(s["errors"].size(), 1u) << s.dump(2);
    const json& e = s["errors"][0];
    EXPECT_EQ(e["scope"], "task");
    EXPECT_EQ(e["task"], "browse");
    EXPECT_EQ(e["kind"], "script");
    EXPECT_EQ(e["count"].get<int>(), 20);
    EXPECT_NE(e["message"].get<std::string>().find(":7: attempt to index local 't'"), std::string::npos);
    EXPECT_GE(e["first_seen_s"].get<double>(), 0.0);
    EXPECT_LT(e["first_seen_s"].get<double>(), 1.0);
    ASSERT_FALSE(json_["fail_reasons"].empty());
    EXPECT_NE(json_["fail_reasons"][0].get<std::string>().find("20 iterations"), std::string::npos);
    ASSERT_TRUE(end_.is_object()) << "ndjson end line";
    EXPECT_EQ(end_["exit_code"], 7);
    ASSERT_EQ(end_["errors"].size(), 1u);
    EXPECT_EQ(end_["errors"][0]["scenario"], "some");

    // Relaxed on purpose: by flag, or by a threshold that says how many failed iterations are fine.
    EXPECT_EQ(Run(script, {"--allow-script-errors"}).exit_code, 0);
    EXPECT_EQ(Run(script, {"--threshold", "iteration_failures < 50%"}).exit_code, 0);
    EXPECT_EQ(Run(script, {"--threshold", "iteration_failures < 10%"}).exit_code, 3);
}

// A task that fails on every iteration from the start is a broken script: the run stops within about a second
// with exit 4 and the message (with a did-you-mean for the misspelt global), instead of failing for 30 s.
TEST_F(CliRunFailuresTest, ABrokenTaskStopsTheRunEarlyWithItsMessage) {
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = "broken", rps = 50, vusers = 10, duration = "30s" }
s:task("buy", function(self, http)
  local r = http:get("/api/v1/projects")
  chek("ok", r.status == 200)
end)
)");
    const auto started = std::chrono::steady_clock::now();
    const CliResult r = Run(script);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(r.exit_code, 4) << r.err << r.out;
    EXPECT_LT(elapsed, 10.0) << "stopped early, not after 30 s";
    EXPECT_NE(r.out.find("Run stopped early"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("attempt to call global 'chek' (a nil value) (did you mean 'check'?)"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("task 'buy': every iteration failed"), std::string::npos) << r.out;
    EXPECT_EQ(json_["exit_code"], 4);
    EXPECT_NE(json_["stop_reason"].get<std::string>().find("broken"), std::string::npos) << json_.dump(2);
    EXPECT_LT(Route("GET /api/v1/projects"), 500) << "no load after the stop";
}

// on_start fails for two of four users: one raises, one gets 401 from the login without raising. Neither takes
// load (no request goes out without a token), the summary says "2 of 4 ready" with both reasons; with
// on_start_failure = "abort" the run does not start at all.
TEST_F(CliRunFailuresTest, VirtualUsersWhoseOnStartFailedAreCountedAndTakeNoLoad) {
    const std::string body = R"(
function s:on_start(http)
  if self.id == 2 then error("no credentials for user " .. self.id) end
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = self.id == 3 and "wrong" or "secret" } })
  self.token = r.status == 200 and r:json().access_token or "none"
end
s:task("browse", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
)";
    const std::string script =
        WriteTempScenario("local s = scenario { name = \"login\", rps = 40, vusers = 4, duration = \"2s\" }\n" + body);
    const CliResult r = Run(script);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("4 VUs (2 of 4 ready)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no credentials for user 2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("virtual user not ready: a request got status 401"), std::string::npos) << r.out;
    EXPECT_EQ(Route("GET /api/products"), 80);
    const auto stats = target_.Stats();
    EXPECT_EQ(stats["by_status"].value("401", 0), 1) << "only the failed login: no load without a token";
    const json& s = json_["scenarios"][0];
    EXPECT_EQ(s["vusers_ready"], 2);
    EXPECT_EQ(s["vusers_started"], 4);
    ASSERT_EQ(s["errors"].size(), 2u) << s.dump(2);
    for (const json& e : s["errors"]) {
        EXPECT_EQ(e["scope"], "lifecycle");
        EXPECT_EQ(e["task"], "on_start");
        EXPECT_LT(e["first_seen_s"].get<double>(), 0.0) << "before load";
    }
    // A threshold can fail on it.
    EXPECT_EQ(Run(script, {"--threshold", "on_start.iteration_failures == 0%"}).exit_code, 3);

    const std::string aborting = WriteTempScenario(
        "local s = scenario { name = \"login\", rps = 40, vusers = 4, duration = \"2s\", on_start_failure = \"abort\" "
        "}\n" +
        body);
    const int before = Route("GET /api/products");
    const CliResult a = RunLsengine({"run", aborting, "--target", Target(), "-q"});
    EXPECT_EQ(a.exit_code, 4) << a.err << a.out;
    EXPECT_NE(a.err.find("virtual users failed on_start"), std::string::npos) << a.err;
    EXPECT_EQ(Route("GET /api/products"), before) << "no load after an aborted on_start";

    const std::string typo = WriteTempScenario(
        "local s = scenario { name = \"x\", rps = 1, duration = \"1s\", on_start_failure = \"abrt\" }\n"
        "s:task(\"t\", function() end)\n");
    const CliResult t = RunLsengine({"run", typo, "--target", Target(), "--dry-run"});
    EXPECT_EQ(t.exit_code, 2) << t.err;
    EXPECT_NE(t.err.find("did you mean 'abort'"), std::string::npos) << t.err;
}

// Transport errors keep their reason: a TLS failure says why the certificate was refused.
TEST_F(CliRunFailuresTest, TlsErrorsSayWhyInTheSummary) {
    NginxServer nginx;
    nginx.Start();
    const std::string summary = MakeTempFile("tls-", ".json");
    const CliResult r = RunLsengine({"url", "https://127.0.0.1:" + std::to_string(nginx.HttpsPort()) + "/", "--rps",
                                     "10", "--duration", "1s", "-q", "--summary-json", summary});
    EXPECT_EQ(r.exit_code, 8) << "nothing succeeded\n" << r.err << r.out;
    EXPECT_NE(r.out.find("certificate verify failed"), std::string::npos) << r.out;
    const json j = ReadJson(summary);
    ASSERT_FALSE(j["scenarios"][0]["errors"].empty()) << j.dump(2);
    EXPECT_EQ(j["scenarios"][0]["errors"][0]["kind"], "tls");
}

// An interrupted run says so in its exit code (130), its banner and its JSON, and its rates divide by the time
// that ran, not by the plan.
TEST_F(CliRunFailuresTest, AnInterruptedRunExits130AndUsesItsElapsedTime) {
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = "long", rps = 100, vusers = 10, duration = "30s" }
s:task("browse", function(self, http) http:get("/api/v1/projects") end)
)");
    CliOptions o;
    o.sigint_after_ms = 2000;
    const CliResult r = Run(script, {}, o);
    EXPECT_EQ(r.exit_code, 130) << r.err << r.out;
    EXPECT_NE(r.out.find("Run interrupted"), std::string::npos) << r.out;
    EXPECT_EQ(json_["exit_code"], 130);
    EXPECT_TRUE(json_["interrupted"].get<bool>());
    const json& s = json_["scenarios"][0];
    EXPECT_LT(s["duration_s"].get<double>(), 5.0) << "elapsed, not planned";
    EXPECT_GT(s["achieved_rps"].get<double>(), 80.0) << "achieved rate over the elapsed time\n" << s.dump(2);
    EXPECT_NE(r.out.find("of 100.0 it/s"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("achieved 6."), std::string::npos) << "not divided by the planned 30 s\n" << r.out;
}

// A task that puts an id in its URL makes a request name per id: warned about while it runs and in the summary,
// and capped (the rest counted under "(other)") so memory stays bounded.
TEST_F(CliRunFailuresTest, ManyRequestNamesAreWarnedAboutAndCapped) {
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = "ids", rps = 300, vusers = 10, duration = "2s" }
s:task("buy", function(self, http)
  http:get("/api/v1/projects/" .. lsengine.seq())
end)
)");
    const CliResult r = Run(script, {"--threads", "1", "--allow-script-errors"});
    EXPECT_NE(r.err.find("task 'buy' produced 20 request names"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("warning: task 'buy' produced more than 100 request names"), std::string::npos) << r.out;
    const json& s = json_["scenarios"][0];
    ASSERT_FALSE(s["warnings"].empty()) << s.dump(2);
    EXPECT_EQ(s["requests"].size(), 101u) << "bounded rows: 100 names and (other)";
    std::uint64_t other = 0;
    std::uint64_t all = 0;
    for (const json& row : s["requests"]) {
        all += row["requests"].get<std::uint64_t>();
        if (row["name"] == "(other)") other = row["requests"].get<std::uint64_t>();
    }
    EXPECT_EQ(all, 600u) << "every request counted, in a named row or in (other)";
    EXPECT_EQ(other, 500u) << "100 names kept, the rest in (other)";
}

}  // namespace
}  // namespace lse::testing
