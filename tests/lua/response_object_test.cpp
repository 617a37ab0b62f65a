#include "response_object.hpp"

#include <gtest/gtest.h>

#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace lse::lua {
namespace {

class ResponseObjectTest : public ::testing::Test {
protected:
    void SetUp() override {
        L_ = luaL_newstate();
        luaL_openlibs(L_);
        InstallResponseMetatable(L_);
    }
    void TearDown() override { lua_close(L_); }

    // Runs `code` with the response as global `r`; returns "" or the error message.
    std::string Run(const http::Result& result, bool ok, const std::string& code) {
        PushResponse(L_, result, ok, "GET /x");
        lua_setglobal(L_, "r");
        if (luaL_dostring(L_, code.c_str()) != 0) {
            std::string e = lua_tostring(L_, -1);
            lua_pop(L_, 1);
            return e;
        }
        return "";
    }

    lua_State* L_ = nullptr;
};

TEST_F(ResponseObjectTest, FieldsAndJoinedHeaders) {
    http::Result res;
    res.status = 201;
    res.body = R"({"a": 1, "list": [1, 2]})";
    res.headers = {{"content-type", "application/json"}, {"set-cookie", "a=1"}, {"set-cookie", "b=2"}};
    EXPECT_EQ(Run(res, true, R"(
        assert(r.status == 201, "status")
        assert(r.ok == true, "ok")
        assert(r.error == nil, "error")
        assert(r.headers["content-type"] == "application/json", "ct")
        assert(r.headers["set-cookie"] == "a=1, b=2", "joined: " .. tostring(r.headers["set-cookie"]))
        local j = r:json()
        assert(j.a == 1 and #j.list == 2, "json")
    )"),
              "");
}

TEST_F(ResponseObjectTest, TransportErrorHasKindNameAndStatusZero) {
    http::Result res;
    res.error = ErrorKind::kTimeout;
    EXPECT_EQ(Run(res, false, R"(
        assert(r.status == 0 and r.ok == false and r.error == "timeout" and r.body == "")
    )"),
              "");
}

TEST_F(ResponseObjectTest, InvalidJsonRaisesAClearError) {
    http::Result res;
    res.status = 500;
    res.body = "<html>oops</html>";
    const std::string error = Run(res, false, "local j = r:json()");
    EXPECT_NE(error.find("not valid JSON"), std::string::npos) << error;
    EXPECT_NE(error.find("GET /x"), std::string::npos) << error;
    EXPECT_NE(error.find("status 500"), std::string::npos) << error;
    EXPECT_NE(error.find("<html>oops"), std::string::npos) << error;
}

}  // namespace
}  // namespace lse::lua
