// lsengine.data.csv / .json in Lua: one table per run shared by every state, access modes, read-only rows, and
// errors that name the file and line.

#include <gtest/gtest.h>

#include <lua.hpp>
#include <memory>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/lua/shared_store.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

// Every script needs a scenario to load.
constexpr char kScenario[] = "\nlocal flow = scenario { vusers = 1, duration = '1s' }\nflow:task('t', function(self, http) end)\n";

std::string Lua(const std::string& top_level) { return top_level + kScenario; }

constexpr char kUsers[] = "username,password\nalice,a1\nbob,b2\n\"carol, jr\",c3\n";

ScriptLoadOptions Shared(const std::shared_ptr<SharedStore>& store) {
    ScriptLoadOptions o;
    o.shared = store;
    return o;
}

std::string Eval(ScriptState& state, const std::string& code) {
    lua_State* L = state.L();
    if (luaL_dostring(L, code.c_str()) != 0) {
        std::string err = lua_tostring(L, -1);
        lua_pop(L, 1);
        return "error: " + err;
    }
    std::string out = lua_isnil(L, -1) ? "nil" : (lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?");
    lua_settop(L, 0);
    return out;
}

std::string LoadError(const std::string& path) {
    try {
        ScriptState state(path, {});
    } catch (const UsageError& e) {
        return std::string("usage: ") + e.what();
    } catch (const ScriptError& e) {
        return std::string("script: ") + e.what();
    }
    return "";
}

TEST(DataBinding, RowsByNameAndPositionPathRelativeToTheScript) {
    testing::TempScripts dir;
    dir.Write("users.csv", kUsers);
    const std::string script = dir.Write("s.lua", Lua("users = lsengine.data.csv('users.csv')\n"));
    ScriptState state(script, {});
    EXPECT_EQ(Eval(state, "return users:count()"), "3");
    EXPECT_EQ(Eval(state, "local r = users:next() return r.username .. '/' .. r[2]"), "alice/a1");
    EXPECT_EQ(Eval(state, "return users:next().username"), "bob");
    EXPECT_EQ(Eval(state, "return users:next().username"), "carol, jr");
    EXPECT_EQ(Eval(state, "return users:next().username"), "alice");  // sequential (the default) starts over
    EXPECT_NE(Eval(state, "local r = users:next() r.username = 'x'").find("data rows are read-only"), std::string::npos);
    EXPECT_NE(Eval(state, "return users:next().email").find("users.csv has no column 'email' (columns: username, password)"),
              std::string::npos);
    EXPECT_NE(Eval(state, "return users:next()[3]").find("has 2 columns"), std::string::npos);
    EXPECT_NE(Eval(state, "return tostring(users)").find("users.csv (3 rows, sequential)"), std::string::npos);
}

TEST(DataBinding, EveryStateOfARunSharesOneTableAndOneSequence) {
    testing::TempScripts dir;
    dir.Write("users.csv", kUsers);
    const std::string script = dir.Write("s.lua", Lua("users = lsengine.data.csv('users.csv', { mode = 'unique' })\n"));
    auto store = std::make_shared<SharedStore>();
    ScriptState a(script, Shared(store));
    ScriptState b(script, Shared(store));
    ASSERT_EQ(store->Feeds().Declared().size(), 1u);  // loaded once
    EXPECT_EQ(Eval(a, "return users:next().username"), "alice");
    EXPECT_EQ(Eval(b, "return users:next().username"), "bob");
    EXPECT_EQ(Eval(a, "return users:next().username"), "carol, jr");
    const std::string exhausted = Eval(b, "return users:next().username");
    EXPECT_NE(exhausted.find("users.csv: every one of its 3 rows was used (mode = \"unique\")"), std::string::npos)
        << exhausted;
    // Another run (another store) starts from the first row.
    ScriptState c(script, {});
    EXPECT_EQ(Eval(c, "return users:next().username"), "alice");
}

TEST(DataBinding, PerVuRowIsTheVirtualUsersAndUniqueWrapStartsOver) {
    testing::TempScripts dir;
    dir.Write("users.csv", kUsers);
    const std::string script = dir.Write("s.lua", Lua("per = lsengine.data.csv('users.csv', { mode = 'per_vu' })\n"
                 "wrap = lsengine.data.csv('users.csv', { mode = 'unique', on_exhausted = 'wrap' })\n"));
    ScriptState state(script, {});
    state.SetCurrentVu(2);
    EXPECT_EQ(Eval(state, "return per:next().username .. per:next().username"), "bobbob");
    state.SetCurrentVu(4);
    EXPECT_EQ(Eval(state, "return per:next().username"), "alice");
    EXPECT_EQ(Eval(state, "local s = '' for i = 1, 4 do s = s .. wrap:next()[2] end return s"), "a1b2c3a1");
}

TEST(DataBinding, RandomIsSeededAndJsonKeepsTypes) {
    testing::TempScripts dir;
    dir.Write("items.json", R"([{"sku":"a","price":12.5,"on_sale":true,"tags":["x"]},{"sku":"b","price":3}])");
    const std::string script =
        dir.Write("s.lua", Lua("items = lsengine.data.json('items.json', { mode = 'random', seed = 7 })\n"));
    ScriptState a(script, {});
    ScriptState b(script, {});
    const std::string draws = "local s = '' for i = 1, 20 do s = s .. items:next().sku end return s";
    const std::string seq_a = Eval(a, draws);
    EXPECT_EQ(seq_a, Eval(b, draws));  // same seed, separate runs: same rows
    EXPECT_NE(seq_a.find('a'), std::string::npos);
    EXPECT_NE(seq_a.find('b'), std::string::npos);
    ScriptState c(dir.Write("t.lua", Lua("items = lsengine.data.json('items.json')\n")), {});
    EXPECT_EQ(Eval(c, "local r = items:next() return type(r.price) .. type(r.on_sale) .. r.tags"), "numberboolean[\"x\"]");
    EXPECT_EQ(Eval(c, "local r = items:next() return tostring(r.price + 1) .. tostring(r.on_sale)"), "4nil");
}

TEST(DataBinding, ARowOutlivesItsFileObject) {
    testing::TempScripts dir;
    dir.Write("users.csv", kUsers);
    ScriptState state(dir.Write("s.lua", Lua("row = lsengine.data.csv('users.csv'):next()\n")), {});
    lua_gc(state.L(), LUA_GCCOLLECT, 0);  // the file object is garbage now
    EXPECT_EQ(Eval(state, "return row.username"), "alice");
}

TEST(DataBinding, SeparatorWithoutHeader) {
    testing::TempScripts dir;
    dir.Write("pairs.txt", "k1;v1\nk2;v2\n");
    ScriptState state(dir.Write("s.lua", Lua("p = lsengine.data.csv('pairs.txt', { header = false, separator = ';' })\n")), {});
    EXPECT_EQ(Eval(state, "local r = p:next() return r[1] .. '=' .. r['2']"), "k1=v1");
}

TEST(DataBinding, ErrorsAreUsageErrorsNamingFileAndLine) {
    testing::TempScripts dir;
    dir.Write("bad.csv", "a,b\n1,2\n3,4,5\n");
    dir.Write("empty.csv", "a,b\n");
    EXPECT_NE(LoadError(dir.Write("s1.lua", Lua("lsengine.data.csv('bad.csv')\n"))).find("usage: "), std::string::npos);
    EXPECT_NE(LoadError(dir.Write("s2.lua", Lua("lsengine.data.csv('bad.csv')\n"))).find("bad.csv:3: a record with 3 fields"),
              std::string::npos);
    EXPECT_NE(LoadError(dir.Write("s3.lua", Lua("\nlsengine.data.csv('nope.csv')\n"))).find("s3.lua:2: cannot open data file"),
              std::string::npos);
    EXPECT_NE(LoadError(dir.Write("s4.lua", Lua("lsengine.data.csv('empty.csv')\n"))).find("the data file has no rows"),
              std::string::npos);
    EXPECT_NE(LoadError(dir.Write("s5.lua", Lua("lsengine.data.csv('bad.csv', { mode = 'queue' })\n")))
                  .find("mode must be \"sequential\", \"per_vu\", \"random\" or \"unique\""),
              std::string::npos);
    EXPECT_NE(LoadError(dir.Write("s6.lua", Lua("lsengine.data.json('bad.csv', { header = false })\n")))
                  .find("unknown option 'header' (options: mode, on_exhausted, seed)"),
              std::string::npos);
    dir.Write("ok.csv", "a\n1\n");
    ScriptState state(dir.Write("s7.lua", Lua("function later() return lsengine.data.csv('ok.csv') end\n")), {});
    EXPECT_NE(Eval(state, "return later()").find("can only be called at the top level"), std::string::npos);
}

}  // namespace
}  // namespace lse::lua
