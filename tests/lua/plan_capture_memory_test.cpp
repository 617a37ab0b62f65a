// Plan capture streams its virtual users: each one's tasks are captured as soon as its on_start ends and its
// coroutine and self table go back to a few reused slots, so the Lua heap does not grow with the number of
// users, and only what on_stop needs stays after the capture. Without a server: on_start sends nothing here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

constexpr int kVusers = 20'000;

// on_start notes the Lua heap (KB, garbage included) when it runs; the task puts it in its URL, so the plan tells
// how big the heap was while user N started.
constexpr char kHeapScript[] = R"(
local flow = scenario { name = "heap", vusers = 1, duration = "1s" }
function flow:on_start(http)
  self.token = "tok-" .. self.id
  self.heap_kb = math.floor(collectgarbage("count"))
end
flow:task("browse", function(self, http)
  http:get("/heap/" .. self.heap_kb, { headers = { Authorization = "Bearer " .. self.token } })
end)
)";

// The same users with an on_stop that checks it gets each user's own self back.
constexpr char kOnStopScript[] = R"(
local flow = scenario { name = "stop", vusers = 1, duration = "1s" }
function flow:on_start(http)
  self.token = "tok-" .. self.id
end
flow:task("browse", function(self, http)
  http:get("/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
function flow:on_stop(http)
  check("own self", self.token == "tok-" .. self.id)
end
)";

class PlanCaptureMemory : public ::testing::Test {
protected:
    std::shared_ptr<LuaRunConfig> Config(const std::string& file, const char* text, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = scripts_.Write(file, text);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
        cfg->shared = std::make_shared<SharedStore>();
        return cfg;
    }
    lua::testing::TempScripts scripts_;
};

// The heap_kb a user's captured request carries.
long HeapKbOf(const plan::ScenarioPlan& plan, const plan::VuPlan& vu) {
    const std::string& url = plan.requests[vu.task_steps[0][0].request].url.segments[0].text;
    return std::stol(url.substr(url.rfind('/') + 1));
}

TEST_F(PlanCaptureMemory, TwentyThousandUsersWithoutOnStopKeepTheLuaHeapFlatAndLeaveNoLuaStateBehind) {
    auto cfg = Config("heap.lua", kHeapScript, "heap");
    cfg->on_start_concurrency = 64;
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(kVusers, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems[0];
    ASSERT_EQ(out.vusers_prepared, kVusers);
    ASSERT_EQ(out.plan.vusers.size(), static_cast<std::size_t>(kVusers));
    EXPECT_GT(out.seconds, 0.0);
    for (int i = 0; i < kVusers; ++i) ASSERT_EQ(out.plan.vusers[static_cast<std::size_t>(i)].id, i + 1) << "by id";

    // The heap's sawtooth (garbage between collections) at the start and at the end of the stream: about the
    // same. Holding every user (a coroutine of about 1 KB and a self table) would add well over 10 MB by the end.
    long early = 0;
    long late = 0;
    const auto heap_kb = [&out](int i) { return HeapKbOf(out.plan, out.plan.vusers[static_cast<std::size_t>(i)]); };
    for (int i = 1000; i < 3000; ++i) early = std::max(early, heap_kb(i));
    for (int i = kVusers - 2000; i < kVusers; ++i) late = std::max(late, heap_kb(i));
    std::printf("Lua heap while users start: at most %ld KB around user 2000, %ld KB around user %d\n", early, late,
                kVusers);
    EXPECT_LT(late - early, 2048) << "the Lua heap grew with the number of users";

    // No on_stop: nothing of the users, not even the Lua state, is kept after the capture.
    EXPECT_EQ(capture.LuaBytes(), 0u);
    EXPECT_TRUE(capture.RunOnStop().empty());
}

TEST_F(PlanCaptureMemory, WithOnStopOnlyEachUsersSelfStaysAndOnStopGetsItsOwn) {
    auto small_cfg = Config("stop.lua", kOnStopScript, "stop");
    PlanCapture small(small_cfg);
    ASSERT_EQ(small.Capture(1, plan::LoadShape{}).vusers_prepared, 1);
    const std::size_t base = small.LuaBytes();

    auto cfg = Config("stop.lua", kOnStopScript, "stop");
    cfg->on_start_concurrency = 16;  // slots are reused over and over: each user's self must still be its own
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(kVusers, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems[0];
    ASSERT_EQ(out.vusers_prepared, kVusers);
    const std::size_t kept = capture.LuaBytes();
    ASSERT_GT(kept, base);
    const double per_user = static_cast<double>(kept - base) / (kVusers - 1);
    std::printf("kept for on_stop: %.0f bytes of Lua per user (a self table with id and a token)\n", per_user);
    EXPECT_LT(per_user, 400) << "more than the self table stays per user";

    EXPECT_TRUE(capture.RunOnStop().empty());
    const std::string own = metrics::MakeStatKey(metrics::StatKind::kCheck, "stop", "on_stop", "own self");
    const metrics::Snapshot& lifecycle = capture.LifecycleMetrics();
    ASSERT_TRUE(lifecycle.checks.count(own)) << "on_stop did not run";
    EXPECT_EQ(lifecycle.checks.at(own).passes, static_cast<std::uint64_t>(kVusers));
    EXPECT_EQ(lifecycle.checks.at(own).fails, 0u);
    EXPECT_EQ(capture.LuaBytes(), 0u) << "after on_stop nothing is kept";
}

}  // namespace
}  // namespace lse::lua
