// Query strings and form bodies from Lua tables.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>

#include "lse/lua/url_encode.hpp"

namespace lse::lua {
namespace {

TEST(UrlEncode, PercentEncodesAllButUnreserved) {
    EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(PercentEncode("a b&c=d/e?f+g%"), "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25");
    EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
    EXPECT_EQ(PercentEncode(""), "");
}

TEST(UrlEncode, PairsKeepTheirOrder) {
    EXPECT_EQ(EncodePairs({{"b", "1"}, {"a", "x y"}}), "b=1&a=x%20y");
    EXPECT_EQ(EncodePairs({}), "");
}

TEST(UrlEncode, AppendQuery) {
    std::string path = "/api/items";
    AppendQuery(&path, "a=1");
    EXPECT_EQ(path, "/api/items?a=1");
    AppendQuery(&path, "b=2");
    EXPECT_EQ(path, "/api/items?a=1&b=2");
    AppendQuery(&path, "");
    EXPECT_EQ(path, "/api/items?a=1&b=2");
}

class UrlTable : public ::testing::Test {
protected:
    void SetUp() override {
        L_ = luaL_newstate();
        luaL_openlibs(L_);
    }
    void TearDown() override { lua_close(L_); }
    // Encodes the table a Lua expression evaluates to.
    bool Encode(const std::string& expr, std::string* out, std::string* error) {
        std::string code = "return " + expr;
        EXPECT_EQ(luaL_dostring(L_, code.c_str()), 0);
        bool ok = EncodeTable(L_, -1, out, error);
        lua_settop(L_, 0);
        return ok;
    }
    lua_State* L_ = nullptr;
};

TEST_F(UrlTable, SortedKeysArraysRepeatAndScalarsPrintNaturally) {
    std::string out, error;
    ASSERT_TRUE(Encode(R"({ q = "red shoes", page = 2, tags = { "a", "b&c" }, exact = true, ratio = 0.25 })", &out,
                       &error))
        << error;
    EXPECT_EQ(out, "exact=true&page=2&q=red%20shoes&ratio=0.25&tags=a&tags=b%26c");
    ASSERT_TRUE(Encode("{ empty = {} }", &out, &error));
    EXPECT_EQ(out, "");
}

TEST_F(UrlTable, ErrorsNameTheKey) {
    std::string out, error;
    EXPECT_FALSE(Encode("{ f = print }", &out, &error));
    EXPECT_NE(error.find("'f'"), std::string::npos) << error;
    EXPECT_FALSE(Encode("{ t = { x = 1 } }", &out, &error));
    EXPECT_NE(error.find("'t'"), std::string::npos) << error;
    EXPECT_FALSE(Encode("{ list = { 1, {} } }", &out, &error));
    EXPECT_NE(error.find("'list'[2]"), std::string::npos) << error;
    EXPECT_FALSE(Encode("{ [1] = 'x' }", &out, &error));
    EXPECT_NE(error.find("keys must be strings"), std::string::npos) << error;
    EXPECT_FALSE(Encode("'not a table'", &out, &error));
    EXPECT_EQ(lua_gettop(L_), 0);
}

}  // namespace
}  // namespace lse::lua

namespace lse::lua {
namespace {

// http:get("/p#frag", { query = ... }): the query belongs before the fragment, which is never sent.
TEST(UrlEncode, AppendQueryDropsAFragment) {
    std::string path = "/p#frag";
    AppendQuery(&path, "a=1");
    EXPECT_EQ(path, "/p?a=1");
    path = "/p?x=2#f?y";
    AppendQuery(&path, "a=1");
    EXPECT_EQ(path, "/p?x=2&a=1");
}

}  // namespace
}  // namespace lse::lua
