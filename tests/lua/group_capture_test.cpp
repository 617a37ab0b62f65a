// group() in plan capture (distributed runs): every captured request carries the group path it was made in, so
// agents record it under the same grouped stat key as a local run. Offline: tasks are recorded, never sent.

#include <gtest/gtest.h>

#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::lua {
namespace {

TEST(GroupCapture, RequestsCarryTheirGroupPathIntoThePlan) {
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = std::string(LSE_LUA_TEST_SCRIPTS) + "/capture_groups.lua";
    cfg->scenario = "groups";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    plan::LoadShape load;
    load.vusers = 1;
    const CaptureOutcome out = capture.Capture(1, load);
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    ASSERT_EQ(out.vusers_prepared, 1);

    const plan::ScenarioPlan& p = out.plan;
    ASSERT_EQ(p.vusers.size(), 1u);
    const auto& steps = p.vusers[0].task_steps[0];
    ASSERT_EQ(steps.size(), 4u);
    const auto request = [&](size_t i) -> const plan::PlannedRequest& { return p.requests[steps[i].request]; };
    EXPECT_EQ(request(0).name, "GET /api/items");
    EXPECT_EQ(request(0).group, "");
    EXPECT_EQ(request(1).name, "GET /api/cart");
    EXPECT_EQ(request(1).group, "checkout");
    EXPECT_EQ(request(2).name, "POST /api/pay");
    EXPECT_EQ(request(2).group, "checkout::payment");
    // The same request after the group ended is ungrouped again: a request of its own, not deduplicated.
    EXPECT_EQ(request(3).name, "GET /api/cart");
    EXPECT_EQ(request(3).group, "");
    EXPECT_NE(steps[1].request, steps[3].request);
}

}  // namespace
}  // namespace lse::lua
