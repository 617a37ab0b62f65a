// ScriptState: loading, script errors, globals installed, PushScenario for the runner.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <lua.hpp>
#include <string>
#include <unistd.h>

#include "lse/core/errors.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/lua/shared_store.hpp"

namespace lse::lua {
namespace {

std::string Script(const std::string& name) { return std::string(LSE_LUA_TEST_SCRIPTS) + "/" + name; }

std::string LoadError(const std::string& path) {
    try {
        ScriptState state(path, {});
    } catch (const ScriptError& e) {
        return e.what();
    }
    return "(no ScriptError)";
}

TEST(ScriptState, SyntaxErrorStartsWithFileAndLine) {
    std::string msg = LoadError(Script("bad_syntax.lua"));
    EXPECT_EQ(msg.rfind(Script("bad_syntax.lua") + ":3:", 0), 0u) << msg;
}

TEST(ScriptState, RuntimeErrorAtTopLevelHasLineAndTraceback) {
    std::string msg = LoadError(Script("bad_runtime.lua"));
    EXPECT_EQ(msg.rfind(Script("bad_runtime.lua") + ":3:", 0), 0u) << msg;
    EXPECT_NE(msg.find("stack traceback"), std::string::npos) << msg;
}

TEST(ScriptState, MissingFileIsAUsageError) {
    try {
        ScriptState state("/nonexistent/dir/checkout.lua", {});
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("cannot open /nonexistent/dir/checkout.lua", 0), 0u) << e.what();
    }
}

TEST(ScriptState, LongPathsAreNotShortenedInMessages) {
    auto dir = std::filesystem::temp_directory_path() /
               ("lse_luascript_" + std::to_string(::getpid())) / "a_rather_long_directory_name_for_testing" /
               "another_long_directory_name";
    std::filesystem::create_directories(dir);
    std::string path = (dir / "broken.lua").string();
    ASSERT_GE(path.size(), 60u);
    { std::ofstream(path) << "local x = \n= 2\n"; }
    std::string msg = LoadError(path);
    std::filesystem::remove_all(dir.parent_path().parent_path());
    EXPECT_EQ(msg.rfind(path + ":2:", 0), 0u) << msg;
}

TEST(ScriptState, ExpandChunkNamesReplacesEveryShortenedMention) {
    std::string path = "/very/long/path/that/goes/on/and/on/and/on/for/quite/a/while/x.lua";
    ASSERT_GE(path.size(), 60u);
    std::string shortened = "..." + path.substr(path.size() - 56);
    std::string msg = shortened + ":3: boom\n\t" + shortened + ":7: in main chunk";
    EXPECT_EQ(ExpandChunkNames(msg, path), path + ":3: boom\n\t" + path + ":7: in main chunk");
    EXPECT_EQ(ExpandChunkNames("short.lua:1: x", "short.lua"), "short.lua:1: x");
}

TEST(ScriptState, PushScenarioExposesTasksAndHooksInOrder) {
    ScriptState state(Script("good_checkout.lua"), {});
    lua_State* L = state.L();
    int top = lua_gettop(L);
    ASSERT_TRUE(state.PushScenario("checkout"));
    ASSERT_TRUE(lua_istable(L, -1));
    lua_getfield(L, -1, "__tasks");
    ASSERT_EQ(lua_objlen(L, -1), 2u);
    lua_rawgeti(L, -1, 1);
    lua_getfield(L, -1, "name");
    EXPECT_STREQ(lua_tostring(L, -1), "browse");
    lua_getfield(L, -2, "weight");
    EXPECT_EQ(lua_tonumber(L, -1), 4);
    lua_getfield(L, -3, "fn");
    EXPECT_TRUE(lua_isfunction(L, -1));
    lua_pop(L, 5);
    lua_getfield(L, -1, "on_start");
    EXPECT_TRUE(lua_isfunction(L, -1));
    lua_getfield(L, -2, "setup");
    EXPECT_TRUE(lua_isnil(L, -1));
    lua_pop(L, 3);
    EXPECT_EQ(lua_gettop(L), top);

    EXPECT_FALSE(state.PushScenario("nope"));
    EXPECT_TRUE(lua_isnil(L, -1));
    lua_pop(L, 1);
    ASSERT_NE(state.Find("checkout"), nullptr);
    EXPECT_EQ(state.Find("nope"), nullptr);
}

TEST(ScriptState, ScenarioCannotBeDeclaredAfterLoading) {
    ScriptState state(Script("good_checkout.lua"), {});
    lua_State* L = state.L();
    ASSERT_NE(luaL_dostring(L, "scenario { name = 'late' }"), 0);
    EXPECT_NE(std::string(lua_tostring(L, -1)).find("top level"), std::string::npos);
    lua_pop(L, 1);
    ASSERT_TRUE(state.PushScenario("checkout"));
    lua_setglobal(L, "flow");
    ASSERT_NE(luaL_dostring(L, "flow:task('late', function() end)"), 0);
    lua_pop(L, 1);
}

TEST(ScriptState, InstallRuntimeRunsBeforeTheFileAndGlobalsWork) {
    auto store = std::make_shared<SharedStore>();
    bool installed = false;
    ScriptLoadOptions options;
    options.shared = store;
    options.install_runtime = [&](lua_State* L) {
        installed = true;
        lua_pushnumber(L, 42);
        lua_setglobal(L, "from_runtime");
    };
    ScriptState first(Script("runtime_globals.lua"), options);
    ScriptState second(Script("runtime_globals.lua"), {store, nullptr, 7});  // same store: run-wide state
    EXPECT_TRUE(installed);
    lua_State* L = second.L();
    lua_getglobal(L, "from_runtime");
    EXPECT_TRUE(lua_isnil(L, -1));  // only `first` installed it
    lua_pop(L, 1);
    SharedValue loaded = store->Get("loaded");
    ASSERT_TRUE(std::holds_alternative<double>(loaded.v));
    EXPECT_EQ(std::get<double>(loaded.v), 2);
    lua_getglobal(L, "seq_first");
    EXPECT_EQ(lua_tonumber(L, -1), 3);  // the first state took 1 and 2
    lua_getglobal(L, "vu_at_load");
    EXPECT_EQ(lua_tonumber(L, -1), 0);
    lua_getglobal(L, "encoded");
    EXPECT_STREQ(lua_tostring(L, -1), "{\"a\":1,\"list\":[1,2,null]}");
    lua_pop(L, 3);
}

TEST(ScriptState, TemplateFunctions) {
    ScriptLoadOptions options;
    options.seed = 99;
    ScriptState state(Script("good_checkout.lua"), options);
    lua_State* L = state.L();
    const char* code = R"(
        local seen = {}
        for i = 1, 2000 do
          local r = lsengine.random(3, 5)
          assert(r == 3 or r == 4 or r == 5, "out of range: " .. r)
          seen[r] = true
        end
        assert(seen[3] and seen[4] and seen[5], "not every value drawn")
        local one = lsengine.random(1)
        assert(one == 1)
        local u = lsengine.uuid()
        assert(u:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"), u)
        assert(u ~= lsengine.uuid())
        assert(lsengine.seq() == 1 and lsengine.seq() == 2)
        assert(not pcall(lsengine.random, 5, 3))
        assert(not pcall(lsengine.random, 1.5, 3))
    )";
    ASSERT_EQ(luaL_dostring(L, code), 0) << lua_tostring(L, -1);
    state.SetCurrentVu(17);
    ASSERT_EQ(luaL_dostring(L, "return lsengine.vuser()"), 0);
    EXPECT_EQ(lua_tonumber(L, -1), 17);
    lua_pop(L, 1);
}

TEST(ScriptState, SameSeedGivesSameRandomStream) {
    auto draw = [](std::uint64_t seed) {
        ScriptLoadOptions options;
        options.seed = seed;
        ScriptState state(Script("good_checkout.lua"), options);
        luaL_dostring(state.L(), "return lsengine.uuid()");
        return std::string(lua_tostring(state.L(), -1));
    };
    EXPECT_EQ(draw(5), draw(5));
    EXPECT_NE(draw(5), draw(6));
}

}  // namespace
}  // namespace lse::lua
