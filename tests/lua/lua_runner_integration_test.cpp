// Scenario files run through the real engine (LoadRun + MakeLuaRunnerFactory) against the
// demo target; assertions compare lsengine's numbers with what the target itself counted.

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/runtime/weighted_picker.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

class LuaRunnerTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    std::shared_ptr<LuaRunConfig> Config(const std::string& file, const std::string& text, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write(file, text);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:" + std::to_string(target_.Port()) + "/");
        cfg->shared = shared_;
        cfg->seed = 7;
        return cfg;
    }

    runtime::RunResult Run(std::shared_ptr<LuaRunConfig> cfg, const runtime::LoadSpec& spec) {
        cfg->total_vusers = spec.vusers;
        std::vector<runtime::Workload> workloads;
        workloads.push_back(runtime::Workload{spec, MakeLuaRunnerFactory(cfg),
                                              MakeStatKey(StatKind::kScenario, cfg->scenario)});
        runtime::LoadRun run(std::move(workloads), http::ClientOptions{});
        return run.Run(nullptr);
    }

    static runtime::LoadSpec Closed(int vusers, std::int64_t duration_ns, int threads) {
        runtime::LoadSpec s;
        s.model = runtime::LoadModel::kClosed;
        s.vusers = vusers;
        s.duration_ns = duration_ns;
        s.threads = threads;
        s.seed = 7;
        return s;
    }

    static runtime::LoadSpec Open(double rps, std::int64_t duration_ns, int vusers, int threads) {
        runtime::LoadSpec s;
        s.model = runtime::LoadModel::kOpen;
        s.profile = sched::RateProfile::Constant(rps, duration_ns);
        s.vusers = vusers;
        s.threads = threads;
        s.seed = 7;
        return s;
    }

    std::uint64_t Route(const nlohmann::json& stats, const std::string& route) {
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }

    static const metrics::RequestStats& Entry(const runtime::RunResult& r, const std::string& key) {
        static const metrics::RequestStats kEmpty;
        auto it = r.total.by_name.find(key);
        return it == r.total.by_name.end() ? kEmpty : it->second;
    }

    testing::TempScripts scripts_;
    std::shared_ptr<SharedStore> shared_ = std::make_shared<SharedStore>();
    lse::testing::DemoTargetProcess target_;
};

constexpr char kShop[] = R"(
local flow = scenario { name = "shop", vusers = 4, duration = "1s" }
function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  check("login ok", r.status == 200)
  self.token = r:json().access_token
  local p = http:post("/api/v1/projects", { json = { name = "p" .. self.id },
                                            headers = { Authorization = "Bearer " .. self.token } })
  self.project = p:json().id
end
flow:task("browse", { weight = 3 }, function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
flow:task("view", { weight = 1 }, function(self, http)
  local r = http:get("/api/v1/projects/" .. self.project, { name = "project" })
  check("project found", r.status == 200)
end)
function flow:on_stop(http)
  http:delete("/api/v1/projects/" .. self.project, { expect = 204 })
end
)";

TEST_F(LuaRunnerTest, ClosedModelLifecycleTokensWeightsAndCleanup) {
    auto cfg = Config("shop.lua", kShop, "shop");
    const runtime::RunResult r = Run(cfg, Closed(4, kNsPerSec, 2));
    const nlohmann::json stats = target_.Stats();

    // on_start: one login per virtual user, ids 1..4 across the two workers.
    ASSERT_TRUE(stats["logins"].is_object()) << stats.dump();
    EXPECT_EQ(stats["logins"].size(), 4u) << stats["logins"].dump();
    for (int id = 1; id <= 4; ++id) EXPECT_EQ(stats["logins"].value("u" + std::to_string(id), 0), 1) << id;

    // Each virtual user's own token: 4 distinct tokens, each used once in on_start (project POST)
    // plus its browse requests; together they account for every products request.
    const auto& browse = Entry(r, MakeStatKey(StatKind::kTask, "shop", "browse"));
    const auto& view = Entry(r, MakeStatKey(StatKind::kTask, "shop", "view"));
    const std::uint64_t products = Route(stats, "GET /api/products");
    EXPECT_EQ(stats["by_token"].size(), 4u);
    std::uint64_t token_uses = 0;
    for (const auto& [token, n] : stats["by_token"].items()) {
        EXPECT_GE(n.get<std::uint64_t>(), 2u) << token;
        token_uses += n.get<std::uint64_t>();
    }
    EXPECT_EQ(token_uses, products + 4);
    EXPECT_EQ(products, browse.requests);
    EXPECT_EQ(browse.ok, browse.requests);
    EXPECT_GT(browse.requests, 20u);

    // Weights 3:1, within WeightedPicker's bound per worker: 1 after every shuffled block, kBlock / 4 + 2 in between
    // (two workers: twice that overall).
    const double expected_browse = 0.75 * static_cast<double>(browse.requests + view.requests);
    EXPECT_NEAR(static_cast<double>(browse.requests), expected_browse,
                2.0 * (runtime::WeightedPicker::kBlock / 4 + 2));

    // R keys: on_start requests are out of the totals; task requests are in.
    const auto& login = Entry(r, MakeStatKey(StatKind::kRequest, "shop", "on_start", "POST /auth/login"));
    EXPECT_EQ(login.requests, 4u);
    EXPECT_EQ(Entry(r, MakeStatKey(StatKind::kRequest, "shop", "view", "project")).requests, view.requests);
    EXPECT_EQ(r.total.total.requests, browse.requests + view.requests);

    const auto& check = r.total.checks.at(MakeStatKey(StatKind::kCheck, "shop", "on_start", "login ok"));
    EXPECT_EQ(check.passes, 4u);
    EXPECT_EQ(check.fails, 0u);
    EXPECT_EQ(r.total.checks.at(MakeStatKey(StatKind::kCheck, "shop", "view", "project found")).passes,
              view.requests);

    // on_stop ran once per virtual user: every project created in on_start was deleted.
    const auto list = lse::testing::HttpGet(target_.Port(), "/api/v1/projects");
    EXPECT_EQ(list.body, "[]");
    EXPECT_TRUE(r.finish_errors.empty());
}

constexpr char kErrors[] = R"(
local flow = scenario { name = "errs", rps = 40, vusers = 10, duration = "1s" }
flow:task("boom", { weight = 1 }, function(self, http)
  http:get("/")
  error("boom from task")
end)
flow:task("bad", { weight = 1 }, function(self, http)
  local r = http:get("/status/503", { expect = { 200, 503 } })
  check("is 200", r.status == 200)
end)
flow:task("nap", { weight = 2 }, function(self, http)
  sleep("20ms")
  local r = http:get("/status/500")
  check("never reached on failure?", true)
end)
)";

TEST_F(LuaRunnerTest, OpenModelCountsScriptErrorsChecksAndStatusesAndKeepsRunning) {
    auto cfg = Config("errs.lua", kErrors, "errs");
    // 64 arrivals on one worker: two whole shuffled blocks of WeightedPicker, so each task is within 1 of its share.
    const runtime::RunResult r = Run(cfg, Open(64, kNsPerSec, 10, 1));
    const auto& boom = Entry(r, MakeStatKey(StatKind::kTask, "errs", "boom"));
    const auto& bad = Entry(r, MakeStatKey(StatKind::kTask, "errs", "bad"));
    const auto& nap = Entry(r, MakeStatKey(StatKind::kTask, "errs", "nap"));
    const auto& dropped = Entry(r, MakeStatKey(StatKind::kScenario, "errs"));
    EXPECT_EQ(boom.requests + bad.requests + nap.requests + dropped.dropped, 64u);
    EXPECT_EQ(dropped.dropped, 0u);
    EXPECT_NEAR(static_cast<double>(boom.requests), 16, 1);
    EXPECT_NEAR(static_cast<double>(nap.requests), 32, 1);
    EXPECT_EQ(boom.ErrorsOf(ErrorKind::kScript), boom.requests);
    EXPECT_EQ(bad.ErrorsOf(ErrorKind::kCheck), bad.requests);
    EXPECT_EQ(nap.ErrorsOf(ErrorKind::kStatus), nap.requests);  // first failure wins over the later check
    EXPECT_EQ(r.total.checks.at(MakeStatKey(StatKind::kCheck, "errs", "bad", "is 200")).fails, bad.requests);
    // The request before error() still completed and counted.
    EXPECT_EQ(Route(target_.Stats(), "GET /"), boom.requests);
}

TEST_F(LuaRunnerTest, PrepareFailsWhenEveryOnStartFails) {
    auto cfg = Config("bad_start.lua", R"(
local flow = scenario { name = "bad", vusers = 3, duration = "1s" }
function flow:on_start(http)
  error("cannot log in")
end
flow:task("t", function(self, http) http:get("/") end)
)",
                      "bad");
    try {
        Run(cfg, Closed(3, kNsPerSec, 1));
        FAIL() << "expected ScriptError";
    } catch (const ScriptError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("bad_start.lua:4:"), std::string::npos) << what;
        EXPECT_NE(what.find("cannot log in"), std::string::npos) << what;
    }
    EXPECT_EQ(Route(target_.Stats(), "GET /"), 0u);
}

TEST_F(LuaRunnerTest, SharedOnceAndIncrAcrossTwoWorkers) {
    auto cfg = Config("shared.lua", R"(
local flow = scenario { name = "sh", vusers = 6, duration = "1s" }
function flow:on_start(http)
  self.token = shared:once("token", function()
    local r = http:post("/auth/login", { json = { user = "shared", pass = "secret" } })
    return r:json().access_token
  end)
  shared:incr("started")
end
flow:task("t", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
  sleep(0.01)
end)
function flow:on_stop(http)
  shared:incr("stopped")
end
)",
                      "sh");
    const runtime::RunResult r = Run(cfg, Closed(6, kNsPerSec / 2, 2));
    const nlohmann::json stats = target_.Stats();
    EXPECT_EQ(stats["logins"].value("shared", 0), 1);
    EXPECT_EQ(stats["by_token"].size(), 1u);
    EXPECT_EQ(std::get<double>(shared_->Get("started").v), 6.0);
    EXPECT_EQ(std::get<double>(shared_->Get("stopped").v), 6.0);
    const auto& t = Entry(r, MakeStatKey(StatKind::kTask, "sh", "t"));
    EXPECT_GT(t.requests, 6u);
    EXPECT_EQ(t.ok, t.requests);
}

TEST_F(LuaRunnerTest, DryRunCapturesRequestsAndReportsProblemsWithFileLine) {
    auto cfg = Config("dry.lua", R"(
local flow = scenario { name = "dry", vusers = 2, duration = "1s" }
function flow:setup(http)
  shared.greeting = "hello"
end
function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "d" .. self.id, pass = "secret" } })
  self.token = r:json().access_token
end
flow:task("ok", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token }, query = { page = 2 } })
end)
flow:task("missing", function(self, http)
  local r = http:get("/nope")
  check("found", r.status == 200)
end)
flow:task("broken", function(self, http)
  sleep(0.3)
  local x = nil
  return x.field
end)
function flow:on_stop(http)
  http:get("/")
end
)",
                      "dry");
    const auto started = std::chrono::steady_clock::now();
    const DryRunResult d = DryRunScenario(*cfg, 2);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_GE(elapsed, std::chrono::milliseconds(290));  // sleep(0.3) really waited
    EXPECT_EQ(d.vusers_prepared, 2);
    EXPECT_EQ(d.vusers_failed, 0);

    std::vector<std::string> phases;
    for (const auto& req : d.requests) phases.push_back(req.phase + " " + std::to_string(req.vu) + " " + req.method);
    const std::vector<std::string> expected = {"on_start 1 POST", "on_start 2 POST", "ok 1 GET",
                                               "missing 1 GET",   "on_stop 1 GET",   "on_stop 2 GET"};
    EXPECT_EQ(phases, expected);
    ASSERT_GE(d.requests.size(), 3u);
    EXPECT_NE(d.requests[2].url.find("/api/products?page=2"), std::string::npos) << d.requests[2].url;
    EXPECT_EQ(d.requests[2].status, 200);
    EXPECT_NE(d.requests[0].body.find("\"user\":\"d1\""), std::string::npos) << d.requests[0].body;

    std::string all;
    for (const auto& p : d.problems) all += p + "\n";
    EXPECT_EQ(d.problems.size(), 3u) << all;
    EXPECT_NE(all.find("unexpected status 404"), std::string::npos) << all;
    EXPECT_NE(all.find("check 'found' failed in task 'missing'"), std::string::npos) << all;
    EXPECT_NE(all.find("dry.lua:20:"), std::string::npos) << all;
    EXPECT_EQ(std::get<std::string>(shared_->Get("greeting").v), "hello");
}

TEST_F(LuaRunnerTest, SetupHookRunsOnceWithIdZeroAndFailuresThrow) {
    auto cfg = Config("hooks.lua", R"(
local flow = scenario { name = "hooks", vusers = 1, duration = "1s" }
function flow:setup(http)
  local r = http:post("/auth/login", { json = { user = "setup" .. self.id, pass = "secret" } })
  shared.token = r:json().access_token
end
function flow:teardown(http)
  error("teardown exploded")
end
flow:task("t", function(self, http) end)
)",
                      "hooks");
    RunScenarioHook(*cfg, "setup");
    EXPECT_EQ(target_.Stats()["logins"].value("setup0", 0), 1);
    EXPECT_FALSE(std::get<std::string>(shared_->Get("token").v).empty());
    try {
        RunScenarioHook(*cfg, "teardown");
        FAIL() << "expected ScriptError";
    } catch (const ScriptError& e) {
        EXPECT_NE(std::string(e.what()).find("hooks.lua:8:"), std::string::npos) << e.what();
    }
}

TEST_F(LuaRunnerTest, ScriptMisuseIsALuaErrorNamingTheProblem) {
    auto cfg = Config("misuse.lua", R"(
local flow = scenario { name = "m", vusers = 1, duration = "1s" }
flow:task("typo", function(self, http)
  http:get("/", { heders = {} })
end)
flow:task("badexpect", function(self, http)
  http:get("/", { expect = "abc" })
end)
flow:task("dot", function(self, http)
  http.get("/")
end)
)",
                      "m");
    const DryRunResult d = DryRunScenario(*cfg, 1);
    ASSERT_EQ(d.problems.size(), 3u);
    EXPECT_NE(d.problems[0].find("misuse.lua:4: http:get: unknown option 'heders' (did you mean 'headers'?)"),
              std::string::npos)
        << d.problems[0];
    EXPECT_NE(d.problems[1].find("misuse.lua:7: http:get: "), std::string::npos) << d.problems[1];
    EXPECT_NE(d.problems[2].find("misuse.lua:10:"), std::string::npos) << d.problems[2];
    EXPECT_NE(d.problems[2].find("colon"), std::string::npos) << d.problems[2];
    EXPECT_TRUE(d.requests.empty());
}

}  // namespace
}  // namespace lse::lua
