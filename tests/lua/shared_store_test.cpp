// SharedStore and the `shared` proxy: thread safety, copy semantics, rejected values, once().
#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>
#include <thread>
#include <vector>

#include "lse/lua/script_state.hpp"
#include "lse/lua/shared_store.hpp"

namespace lse::lua {
namespace {

std::string Script(const std::string& name) { return std::string(LSE_LUA_TEST_SCRIPTS) + "/" + name; }

// Runs `code` in the state; returns "" on success or the error message.
std::string RunLua(lua_State* L, const char* code) {
    if (luaL_dostring(L, code) == 0) {
        lua_settop(L, 0);
        return "";
    }
    std::string msg = lua_tostring(L, -1);
    lua_settop(L, 0);
    return msg;
}

TEST(SharedStore, ConcurrentIncrIsExact) {
    SharedStore store;
    constexpr int kThreads = 8, kPerThread = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) store.Incr("hits", 1);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::get<double>(store.Get("hits").v), kThreads * kPerThread);
}

TEST(SharedStore, ConcurrentIncrFromLuaStatesOnSeveralThreads) {
    auto store = std::make_shared<SharedStore>();
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            ScriptState state(Script("good_checkout.lua"), {store, nullptr, static_cast<std::uint64_t>(t + 1)});
            errors[t] = RunLua(state.L(), "for i = 1, 5000 do shared:incr('n') end shared:incr('n', 0.5)");
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(std::get<double>(store->Get("n").v), kThreads * 5000 + kThreads * 0.5);
}

TEST(SharedStore, OnceStateMachine) {
    SharedStore store;
    EXPECT_TRUE(store.BeginOnce("k"));
    EXPECT_TRUE(store.IsPending("k"));
    EXPECT_FALSE(store.BeginOnce("k"));
    store.AbandonOnce("k");
    EXPECT_FALSE(store.IsPending("k"));
    EXPECT_TRUE(store.BeginOnce("k"));
    store.Set("k", SharedValue{std::string("v")});
    EXPECT_FALSE(store.IsPending("k"));
    EXPECT_FALSE(store.BeginOnce("k"));  // already set
    store.Set("k", SharedValue{});      // nil erases
    EXPECT_TRUE(std::holds_alternative<std::monostate>(store.Get("k").v));
}

class SharedProxy : public ::testing::Test {
protected:
    void SetUp() override { state_ = std::make_unique<ScriptState>(Script("good_checkout.lua"), ScriptLoadOptions{store_, nullptr, 1}); }
    lua_State* L() { return state_->L(); }
    std::shared_ptr<SharedStore> store_ = std::make_shared<SharedStore>();
    std::unique_ptr<ScriptState> state_;
};

TEST_F(SharedProxy, ValuesAreCopiedInAndOut) {
    EXPECT_EQ(RunLua(L(), R"(
        local t = { a = 1, nested = { list = { "x", "y" }, flag = true } }
        shared.cfg = t
        t.a = 2
        assert(shared.cfg.a == 1, "write after store leaked into the store")
        local copy = shared.cfg
        copy.a = 5
        assert(shared.cfg.a == 1, "write to a read copy leaked into the store")
        assert(shared.cfg.nested.list[2] == "y")
        assert(shared.cfg.nested.flag == true)
        assert(shared.missing == nil)
        shared.s = "text"; shared.n = 2.5; shared.b = false
        assert(shared.s == "text" and shared.n == 2.5 and shared.b == false)
        shared.s = nil
        assert(shared.s == nil)
    )"), "");
    EXPECT_TRUE(std::holds_alternative<std::shared_ptr<const SharedValue::Table>>(store_->Get("cfg").v));
}

TEST_F(SharedProxy, RejectsFunctionsUserdataAndCyclesNamingTheKey) {
    std::string e = RunLua(L(), "shared.fn = function() end");
    EXPECT_NE(e.find("shared.fn"), std::string::npos) << e;
    EXPECT_NE(e.find("function"), std::string::npos) << e;
    e = RunLua(L(), "shared.cfg = { hosts = { 'a', print } }");
    EXPECT_NE(e.find("shared.cfg.hosts[2]"), std::string::npos) << e;
    e = RunLua(L(), "shared.u = io.stdout");
    EXPECT_NE(e.find("shared.u"), std::string::npos) << e;
    e = RunLua(L(), "local t = {} t.self = t shared.loop = t");
    EXPECT_NE(e.find("cycle"), std::string::npos) << e;
    EXPECT_NE(e.find("shared.loop.self"), std::string::npos) << e;
    e = RunLua(L(), "shared[1] = 'x'");
    EXPECT_NE(e.find("keys must be strings"), std::string::npos) << e;
    e = RunLua(L(), "shared.incr = 1");
    EXPECT_NE(e.find("method"), std::string::npos) << e;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(store_->Get("fn").v));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(store_->Get("cfg").v));
}

TEST_F(SharedProxy, IncrCountsFromNilAndRejectsNonNumbers) {
    EXPECT_EQ(RunLua(L(), R"(
        assert(shared:incr("c") == 1)
        assert(shared:incr("c", 10) == 11)
        assert(shared.c == 11)
    )"), "");
    EXPECT_NE(RunLua(L(), "shared.s = 'x' shared:incr('s')").find("not a number"), std::string::npos);
    EXPECT_NE(RunLua(L(), "shared.incr('c')").find("colon"), std::string::npos);
}

TEST_F(SharedProxy, OnceRunsTheFunctionOnceAndRetriesAfterAFailure) {
    EXPECT_EQ(RunLua(L(), R"(
        local calls = 0
        local function make() calls = calls + 1; return { token = "abc" } end
        assert(shared:once("login", make).token == "abc")
        assert(shared:once("login", make).token == "abc")
        assert(calls == 1, "fn ran " .. calls .. " times")
        local ok, err = pcall(shared.once, shared, "bad", function() error("boom") end)
        assert(not ok and tostring(err):find("boom"))
        assert(shared:once("bad", function() return 7 end) == 7, "not retried after failure")
        ok, err = pcall(shared.once, shared, "nilvalue", function() return nil end)
        assert(not ok and err:find("returned nil"), err)
    )"), "");
}

// Stands in for another thread finishing its once() computation.
int StoreTheirs(lua_State* L) {
    static_cast<SharedStore*>(lua_touserdata(L, lua_upvalueindex(1)))->Set("token", SharedValue{std::string("theirs")});
    return 0;
}

TEST_F(SharedProxy, OnceWaitsThroughSleepWhileAnotherCallerComputes) {
    ASSERT_TRUE(store_->BeginOnce("token"));  // someone else (another thread) is computing it
    lua_pushlightuserdata(L(), store_.get());
    lua_pushcclosure(L(), StoreTheirs, 1);
    lua_setglobal(L(), "store_value_from_other_thread");
    EXPECT_EQ(RunLua(L(), R"(
        local sleeps = 0
        function sleep(d)
          assert(d > 0 and d < 1)
          sleeps = sleeps + 1
          if sleeps == 3 then store_value_from_other_thread() end
        end
        local ran = false
        local v = shared:once("token", function() ran = true; return "mine" end)
        assert(v == "theirs", tostring(v))
        assert(not ran)
        assert(sleeps == 3, sleeps)
    )"), "");
}

TEST_F(SharedProxy, OnceWithoutSleepWhilePendingIsAnError) {
    ASSERT_TRUE(store_->BeginOnce("token"));
    std::string e = RunLua(L(), "shared:once('token', function() return 1 end)");
    EXPECT_NE(e.find("sleep() is not available"), std::string::npos) << e;
}

}  // namespace
}  // namespace lse::lua
