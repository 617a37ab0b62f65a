// JSON <-> Lua: round trips, json.null holes, integers, and errors with paths/positions.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "lse/lua/lua_json.hpp"

namespace lse::lua {
namespace {

class LuaJson : public ::testing::Test {
protected:
    void SetUp() override {
        L_ = luaL_newstate();
        luaL_openlibs(L_);
        InstallJsonGlobal(L_);
    }
    void TearDown() override { lua_close(L_); }

    std::string RunLua(const char* code) {
        if (luaL_dostring(L_, code) == 0) {
            lua_settop(L_, 0);
            return "";
        }
        std::string msg = lua_tostring(L_, -1);
        lua_settop(L_, 0);
        return msg;
    }
    // Evaluates a Lua expression and encodes it.
    std::string Encode(const std::string& expr, std::string* error) {
        std::string code = "return " + expr;
        EXPECT_EQ(luaL_dostring(L_, code.c_str()), 0);
        std::string out;
        bool ok = EncodeJson(L_, -1, &out, error);
        lua_settop(L_, 0);
        return ok ? out : "<error>";
    }

    lua_State* L_ = nullptr;
};

TEST_F(LuaJson, DecodeThenEncodeRoundTrips) {
    const std::string text = R"({"a":[1,2.5,null,"x",true],"b":{"c":{}},"d":[],"e":-7,"f":"\u00e9"})";
    std::string error;
    ASSERT_TRUE(DecodeJsonAndPush(L_, text, &error)) << error;
    std::string out;
    ASSERT_TRUE(EncodeJson(L_, -1, &out, &error)) << error;
    EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::parse(text));
    EXPECT_EQ(out, R"({"a":[1,2.5,null,"x",true],"b":{"c":{}},"d":[],"e":-7,"f":"é"})");
    lua_settop(L_, 0);
}

TEST_F(LuaJson, LuaSideView) {
    EXPECT_EQ(RunLua(R"(
        local v = json.decode('{"items":[10,null,30],"n":3,"s":"hi","o":{"k":false}}')
        assert(#v.items == 3, "holes must be kept")
        assert(v.items[1] == 10 and v.items[2] == json.null and v.items[3] == 30)
        assert(v.n == 3 and v.s == "hi" and v.o.k == false)
        assert(json.encode(3) == "3")
        assert(json.encode(2.5) == "2.5")
        assert(json.encode("a\"b") == '"a\\"b"')
        assert(json.encode({}) == "{}")
        assert(json.encode(json.array()) == "[]")
        assert(json.encode(json.array({1, 2})) == "[1,2]")
        assert(json.encode({ 1, 2, 3 }) == "[1,2,3]")
        assert(json.encode({ x = { 1, json.null } }) == '{"x":[1,null]}')
        assert(json.encode(nil) == "null")
        assert(json.encode(1e300) == "1e+300")
    )"), "");
}

TEST_F(LuaJson, IntegersStayIntegers) {
    std::string error;
    EXPECT_EQ(Encode("{ id = 12345678901 }", &error), R"({"id":12345678901})");
    EXPECT_EQ(Encode("-0.5", &error), "-0.5");
    ASSERT_TRUE(DecodeJsonAndPush(L_, "9007199254740993", &error));  // 2^53 + 1 becomes a double
    EXPECT_EQ(lua_tonumber(L_, -1), 9007199254740992.0);
    lua_settop(L_, 0);
}

TEST_F(LuaJson, EncodeErrorsNameThePath) {
    std::string error;
    EXPECT_EQ(Encode("{ a = { 1, 'x', print } }", &error), "<error>");
    EXPECT_NE(error.find("function"), std::string::npos) << error;
    EXPECT_NE(error.find("$.a[3]"), std::string::npos) << error;
    EXPECT_EQ(Encode("{ list = { [1] = 1, x = 2 } }", &error), "<error>");
    EXPECT_NE(error.find("mixed"), std::string::npos) << error;
    EXPECT_NE(error.find("$.list"), std::string::npos) << error;
    EXPECT_EQ(Encode("{ v = 0/0 }", &error), "<error>");
    EXPECT_NE(error.find("NaN at $.v"), std::string::npos) << error;
    EXPECT_EQ(Encode("{ v = { math.huge } }", &error), "<error>");
    EXPECT_NE(error.find("inf at $.v[1]"), std::string::npos) << error;
    EXPECT_EQ(Encode("{ [1] = 1, [3] = 3 }", &error), "<error>");
    EXPECT_NE(error.find("sparse"), std::string::npos) << error;
    EXPECT_EQ(Encode("(function() local t = {} t.me = t return t end)()", &error), "<error>");
    EXPECT_NE(error.find("cycle"), std::string::npos) << error;
    EXPECT_NE(error.find("$.me"), std::string::npos) << error;
    EXPECT_EQ(Encode("{ [true] = 1 }", &error), "<error>");
}

TEST_F(LuaJson, DecodeErrorsGiveThePosition) {
    std::string error;
    EXPECT_FALSE(DecodeJsonAndPush(L_, R"({"a": 1,})", &error));
    EXPECT_EQ(lua_gettop(L_), 0);  // nothing pushed
    EXPECT_NE(error.find("invalid JSON at byte 9"), std::string::npos) << error;
    std::string e = RunLua("json.decode('[1, 2')");
    EXPECT_NE(e.find("json.decode: invalid JSON at byte"), std::string::npos) << e;
    e = RunLua("json.decode(42)");
    EXPECT_NE(e.find("expected a string"), std::string::npos) << e;
    e = RunLua("json.encode(function() end)");
    EXPECT_NE(e.find("json.encode: cannot encode a function at $"), std::string::npos) << e;
}

TEST_F(LuaJson, PushJsonFromCpp) {
    PushJson(L_, nlohmann::json{{"k", {1, nullptr}}});
    lua_setglobal(L_, "v");
    EXPECT_EQ(RunLua("assert(v.k[1] == 1 and v.k[2] == json.null and #v.k == 2)"), "");
    PushJsonNull(L_);
    EXPECT_TRUE(IsJsonNull(L_, -1));
    lua_pushnil(L_);
    EXPECT_FALSE(IsJsonNull(L_, -1));
    lua_settop(L_, 0);
}

}  // namespace
}  // namespace lse::lua
