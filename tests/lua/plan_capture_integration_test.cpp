// Plan capture against the demo target: on_start logs in for real, tasks are captured with each
// virtual user's token and on_start state, nothing of the tasks reaches the target, and on_stop
// runs later for every prepared virtual user.

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "lse/core/clock.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

constexpr char kShop[] = R"(
local flow = scenario { name = "shop", vusers = 3, duration = "1s" }
function flow:on_start(http)
  if self.id == 4 then error("no account for this one") end
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  self.token = r:json().access_token
  local p = http:post("/api/v1/projects", { json = { name = "p" .. self.id },
                                            headers = { Authorization = "Bearer " .. self.token } })
  self.project = p:json().id
end
flow:task("browse", { weight = 3 }, function(self, http)
  local r = http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
  check("products", r.status == 200)
  sleep(0.5)
  http:get("/api/v1/projects/" .. self.project, { name = "project" })
end)
flow:task("create", function(self, http)
  http:post("/api/v1/projects", { json = { name = "n" .. lsengine.seq(), size = lsengine.random(1, 9) },
                                  headers = { Authorization = "Bearer " .. self.token }, expect = 201 })
end)
function flow:on_stop(http)
  http:delete("/api/v1/projects/" .. self.project, { expect = 204 })
end
)";

constexpr char kMany[] = R"(
local flow = scenario { name = "many", vusers = 1000, duration = "1s" }
function flow:on_start(http)
  self.token = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } }):json().access_token
end
flow:task("browse", function(self, http)
  http:get("/api/products")
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
)";

class PlanCaptureTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    std::shared_ptr<LuaRunConfig> Config(const std::string& file, const std::string& text, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write(file, text);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:" + std::to_string(target_.Port()) + "/");
        cfg->shared = std::make_shared<SharedStore>();
        return cfg;
    }
    std::uint64_t Route(const std::string& route) const {
        const nlohmann::json stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }
    static std::string HeaderValue(const plan::PlannedRequest& r, const std::string& name) {
        for (const auto& [n, v] : r.headers) {
            if (n == name) {
                EXPECT_TRUE(v.IsLiteral()) << name;
                return v.segments.empty() ? std::string() : v.segments[0].text;
            }
        }
        return std::string();
    }

    lua::testing::TempScripts scripts_;
    lse::testing::DemoTargetProcess target_;
};

TEST_F(PlanCaptureTest, OnStartStateEndsUpInEachVirtualUsersRequestsAndTasksAreNotSent) {
    auto cfg = Config("shop.lua", kShop, "shop");
    const std::string base = "http://127.0.0.1:" + std::to_string(target_.Port());
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(4, plan::LoadShape{});
    EXPECT_TRUE(out.problems.empty()) << out.problems[0];
    EXPECT_EQ(out.vusers_prepared, 3);
    EXPECT_EQ(out.vusers_failed, 1);
    ASSERT_EQ(out.warnings.size(), 1u);
    EXPECT_NE(out.warnings[0].find("no account for this one"), std::string::npos) << out.warnings[0];

    // Only on_start reached the target: one login and one project per prepared virtual user.
    const nlohmann::json stats = target_.Stats();
    EXPECT_EQ(stats["by_route"].value("POST /auth/login", 0), 3) << stats.dump();
    EXPECT_EQ(stats["by_route"].value("POST /api/v1/projects", 0), 3) << stats.dump();
    EXPECT_EQ(stats["by_route"].value("GET /api/products", 0), 0) << stats.dump();
    EXPECT_EQ(stats["by_route"].value("GET /api/v1/projects/{id}", 0), 0) << stats.dump();

    const plan::ScenarioPlan& p = out.plan;
    ASSERT_EQ(p.vusers.size(), 3u);
    std::set<std::string> tokens, project_urls;
    std::set<std::uint32_t> create_requests;
    for (int v = 0; v < 3; ++v) {
        const plan::VuPlan& vu = p.vusers[static_cast<size_t>(v)];
        EXPECT_EQ(vu.id, v + 1);
        ASSERT_EQ(vu.task_steps.size(), 2u);
        const auto& browse = vu.task_steps[0];
        ASSERT_EQ(browse.size(), 3u);
        const plan::PlannedRequest& products = p.requests[browse[0].request];
        const std::string auth = HeaderValue(products, "Authorization");
        EXPECT_EQ(auth.rfind("Bearer tok-", 0), 0u) << auth;
        EXPECT_TRUE(stats["by_token"].contains(auth.substr(7))) << auth;  // the token on_start got
        tokens.insert(auth);
        EXPECT_TRUE(browse[1].pause);
        EXPECT_EQ(browse[1].pause_ns, 500 * kNsPerMs);
        const plan::PlannedRequest& project = p.requests[browse[2].request];
        ASSERT_TRUE(project.url.IsLiteral());
        const std::string url = project.url.segments[0].text;
        EXPECT_EQ(url.rfind(base + "/api/v1/projects/", 0), 0u) << url;
        EXPECT_GT(url.size(), (base + "/api/v1/projects/").size());
        project_urls.insert(url);
        EXPECT_EQ(project.name, "project");

        ASSERT_EQ(vu.task_steps[1].size(), 1u);
        const plan::PlannedRequest& create = p.requests[vu.task_steps[1][0].request];
        create_requests.insert(vu.task_steps[1][0].request);
        EXPECT_EQ(HeaderValue(create, "Authorization"), auth);
        ASSERT_EQ(create.body.segments.size(), 5u);
        EXPECT_EQ(create.body.segments[0].text, "{\"name\":\"n");
        EXPECT_EQ(create.body.segments[1].kind, plan::Segment::Kind::kSeq);
        EXPECT_EQ(create.body.segments[2].text, "\",\"size\":");
        EXPECT_EQ(create.body.segments[3].kind, plan::Segment::Kind::kRandom);
        EXPECT_EQ(create.body.segments[4].text, "}");
        EXPECT_EQ(create.expect, (std::vector<std::pair<int, int>>{{201, 201}}));
    }
    EXPECT_EQ(tokens.size(), 3u);
    EXPECT_EQ(project_urls.size(), 3u);
    EXPECT_EQ(create_requests.size(), 3u);  // different tokens: not shared

    // on_stop: one DELETE per prepared virtual user, with the state from on_start.
    EXPECT_TRUE(capture.RunOnStop().empty());
    EXPECT_EQ(Route("DELETE /api/v1/projects/{id}"), 3u);
    EXPECT_EQ(Route("GET /api/products"), 0u);
}

TEST_F(PlanCaptureTest, ThousandVirtualUsersCaptureQuicklyAndShareIdenticalRequests) {
    auto cfg = Config("many.lua", kMany, "many");
    cfg->on_start_concurrency = 32;
    const auto start = std::chrono::steady_clock::now();
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(1000, plan::LoadShape{});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(60));
    EXPECT_TRUE(out.problems.empty()) << out.problems[0];
    EXPECT_EQ(out.vusers_prepared, 1000);
    ASSERT_EQ(out.plan.vusers.size(), 1000u);
    // One anonymous request shared by everyone plus one per token.
    EXPECT_EQ(out.plan.requests.size(), 1001u);
    const std::uint32_t shared = out.plan.vusers[0].task_steps[0][0].request;
    for (const auto& vu : out.plan.vusers) EXPECT_EQ(vu.task_steps[0][0].request, shared);
    const nlohmann::json stats = target_.Stats();
    EXPECT_EQ(stats["by_route"].value("POST /auth/login", 0), 1000);
    EXPECT_EQ(stats["logins"].size(), 1000u);
    EXPECT_EQ(stats["by_route"].value("GET /api/products", 0), 0);
}

constexpr char kHooks[] = R"(
local flow = scenario { name = "hooks", vusers = 2, duration = "1s" }
function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  check("login ok", r.status == 200)
  self.token = r:json().access_token
end
flow:task("browse", function(self, http)
  local r = http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
  check("products", r.status == 200)
end)
function flow:on_stop(http)
  local r = http:get("/")
  check("bye", r.status == 200)
end
)";

// Distributed runs show on_start/on_stop in the summary from these metrics: keyed like a single-node run,
// and nothing from the capture-mode task runs (no iterations, no checks against stand-in responses).
TEST_F(PlanCaptureTest, LifecycleMetricsHoldTheHooksRequestsAndChecksOnly) {
    using metrics::StatKind;
    auto cfg = Config("hooks.lua", kHooks, "hooks");
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(3, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems[0];
    auto lifecycle = [&capture] { return capture.LifecycleMetrics(); };
    const std::string login = metrics::MakeStatKey(StatKind::kRequest, "hooks", "on_start", "POST /auth/login");
    const std::string login_ok = metrics::MakeStatKey(StatKind::kCheck, "hooks", "on_start", "login ok");
    {
        const metrics::Snapshot m = lifecycle();
        ASSERT_EQ(m.by_name.size(), 1u) << m.by_name.begin()->first;
        ASSERT_TRUE(m.by_name.count(login));
        EXPECT_EQ(m.by_name.at(login).requests, 3u);
        EXPECT_EQ(m.by_name.at(login).ok, 3u);
        EXPECT_EQ(m.by_name.at(login).response_time_us.Count(), 3u);
        ASSERT_EQ(m.checks.size(), 1u);
        EXPECT_EQ(m.checks.at(login_ok), (metrics::CheckCounts{3, 0}));
        EXPECT_EQ(m.total.requests, 0u) << "lifecycle requests are not load";
    }
    EXPECT_TRUE(capture.RunOnStop().empty());
    const metrics::Snapshot m = lifecycle();
    const std::string bye = metrics::MakeStatKey(StatKind::kRequest, "hooks", "on_stop", "GET /");
    ASSERT_EQ(m.by_name.size(), 2u);
    ASSERT_TRUE(m.by_name.count(bye)) << "on_stop's request";
    EXPECT_EQ(m.by_name.at(bye).requests, 3u);
    EXPECT_EQ(m.by_name.at(login).requests, 3u) << "on_start's entry is kept, not counted twice";
    EXPECT_EQ(m.checks.size(), 2u);
    EXPECT_EQ(m.checks.at(metrics::MakeStatKey(StatKind::kCheck, "hooks", "on_stop", "bye")),
              (metrics::CheckCounts{3, 0}));
    EXPECT_EQ(m.total.requests, 0u);
}

// on_start opens a form session (a cookie) and keeps its CSRF token in self; on_stop posts the form, which the
// target accepts only with that session's cookie and token.
constexpr char kSession[] = R"lua(
local flow = scenario { name = "session", vusers = 2, duration = "1s" }
function flow:on_start(http)
  local page = http:get("/form")
  self.csrf = page.body:match('name="csrf" value="(%x+)"')
end
flow:task("browse", function(self, http)
  http:get("/api/products")
end)
function flow:on_stop(http)
  http:post("/form", { form = { csrf = self.csrf, text = "bye" } })
end
)lua";

// Capture streams users through a few slots and releases each one's coroutine; on_stop still gets every user's
// own self and cookie jar back at the end.
TEST_F(PlanCaptureTest, OnStopGetsEachStreamedUsersSelfAndCookieJarBack) {
    constexpr int kUsers = 300;
    auto cfg = Config("session.lua", kSession, "session");
    cfg->on_start_concurrency = 8;  // each slot serves about 40 users in turn
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(kUsers, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems[0];
    ASSERT_EQ(out.vusers_prepared, kUsers);
    EXPECT_EQ(Route("GET /form"), static_cast<std::uint64_t>(kUsers));
    EXPECT_TRUE(capture.RunOnStop().empty());
    const nlohmann::json form = target_.Stats()["form"];
    EXPECT_EQ(form["accepted"], kUsers) << form.dump();
    EXPECT_EQ(form["rejected"], 0) << form.dump();
}

}  // namespace
}  // namespace lse::lua
