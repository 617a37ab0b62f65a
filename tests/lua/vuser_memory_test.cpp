// The idle-VU budget: < 2 KB per virtual user after on_start, Lua heap plus C++ bookkeeping,
// and no libuv handle per virtual user. Measured, not estimated: the Lua side comes from
// lua_gc(LUA_GCCOUNT) before and after creating and preparing 20k virtual users.

#include <gtest/gtest.h>

#include <cstdio>

extern "C" {
#include <lua.h>
}

#include "lse/runtime/metrics_recorder.hpp"
#include "lua_test_util.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {
namespace {

constexpr int kVusers = 20'000;
constexpr double kBudgetBytes = 2048;

class CountingListener final : public EngineListener {
public:
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        ++done;
        if (!outcome.ok()) ++failed;
        vu.prepared = outcome.ok();
    }
    int done = 0;
    int failed = 0;
};

int CountHandles(uv_loop_t* loop) {
    int n = 0;
    uv_walk(
        loop, [](uv_handle_t*, void* arg) { ++*static_cast<int*>(arg); }, &n);
    return n;
}

double LuaBytes(lua_State* L) {
    lua_gc(L, LUA_GCCOLLECT, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return lua_gc(L, LUA_GCCOUNT, 0) * 1024.0 + lua_gc(L, LUA_GCCOUNTB, 0);
}

TEST(VuserMemory, TwentyThousandPreparedIdleVirtualUsersStayUnderTwoKilobytesEach) {
    testing::TempScripts scripts;
    LuaRunConfig config;
    config.script_path = scripts.Write("mem.lua", R"(
local flow = scenario { name = "mem", vusers = 20000, duration = "1s" }
function flow:on_start(http)
  self.token = "tok-" .. self.id
end
flow:task("browse", function(self, http) end)
)");
    config.scenario = "mem";
    config.target = http::ParseUrl("http://127.0.0.1:9/");

    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        http::Client client(&loop, http::ClientOptions{});
        runtime::MetricsRecorder recorder;
        CountingListener listener;
        EngineContext ctx{&loop, &client, &recorder, 0, 1};
        ScenarioEngine engine(config, ctx, &listener);
        const int handles_before = CountHandles(&loop);
        const double before = LuaBytes(engine.L());
        for (int i = 1; i <= kVusers; ++i) engine.AddVu(i);
        for (int i = 0; i < kVusers; ++i) engine.Start(engine.VuAt(i), Phase::kOnStart, -1, 0);
        EXPECT_EQ(listener.done, kVusers);
        EXPECT_EQ(listener.failed, 0);
        const double lua_per_vu = (LuaBytes(engine.L()) - before) / kVusers;
        const double per_vu = lua_per_vu + static_cast<double>(ScenarioEngine::CppBytesPerVu());
        std::printf("idle virtual user: %.0f bytes Lua + %zu bytes C++ = %.0f bytes\n", lua_per_vu,
                    ScenarioEngine::CppBytesPerVu(), per_vu);
        EXPECT_LT(per_vu, kBudgetBytes);
        EXPECT_GT(lua_per_vu, 0);  // the measurement sees the coroutines and self tables at all
        EXPECT_EQ(CountHandles(&loop), handles_before) << "virtual users must not own libuv handles";

        bool closed = false;
        engine.Close([&] { closed = true; });
        client.Close([] {});
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_TRUE(closed);
    }
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace lse::lua
