#include "response_object.hpp"

#include <gtest/gtest.h>

#include <string>

#include "lse/testing/compress.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace lse::lua {
namespace {

using lse::testing::Gzip;

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

// r.url and r.redirects are built on first read, like r.headers, and survive the headers being taken (before or
// after them); a response pushed without a URL has an empty one and 0 redirects.
TEST_F(ResponseObjectTest, UrlAndRedirectsAreLazyFields) {
    http::Result res;
    res.status = 200;
    res.headers = {{"x-a", "1"}};
    for (const char* order : {"url first", "headers first"}) {
        SCOPED_TRACE(order);
        PushResponse(L_, res, true, "GET /x", "http://127.0.0.1:8080/b?c=1", 3);
        lua_setglobal(L_, "r");
        const std::string code = std::string(order) == "url first" ? R"(
            assert(rawget(r, "url") == nil, "not built before it is read")
            assert(r.url == "http://127.0.0.1:8080/b?c=1", tostring(r.url))
            assert(r.redirects == 3, tostring(r.redirects))
            assert(r.headers["x-a"] == "1")
            assert(r.url == "http://127.0.0.1:8080/b?c=1" and r.redirects == 3)
        )" : R"(
            assert(r.headers["x-a"] == "1")
            assert(r.url == "http://127.0.0.1:8080/b?c=1", tostring(r.url))
            assert(r.redirects == 3)
        )";
        ASSERT_EQ(luaL_dostring(L_, code.c_str()), 0) << lua_tostring(L_, -1);
    }
    EXPECT_EQ(Run(res, true, R"(assert(r.url == "" and r.redirects == 0 and r.headers["x-a"] == "1"))"), "");
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

TEST_F(ResponseObjectTest, GzipBodyIsDecodedWhenRead) {
    const std::string json = R"({"items": [1, 2, 3], "name": "compressed"})";
    http::Result res;
    res.status = 200;
    res.body = Gzip(json);
    res.headers = {{"content-type", "application/json"}, {"content-encoding", "gzip"}};
    // Not a plain field until read: the decoding happens on the first read only.
    EXPECT_EQ(Run(res, true, "assert(rawget(r, 'body') == nil, 'decoded eagerly')"), "");
    EXPECT_EQ(Run(res, true, R"(
        assert(r:json().name == "compressed", "json")
        assert(rawget(r, "body") ~= nil, "kept as a plain field once read")
        assert(r.body == ')" + json + R"(', "body: " .. r.body)
        assert(r.compressed_size == )" + std::to_string(res.body.size()) + R"(, "compressed_size")
        assert(r.headers["content-encoding"] == "gzip")
    )"),
              "");
}

TEST_F(ResponseObjectTest, UnencodedAndUnknownCodingsAreAsReceived) {
    http::Result res;
    res.status = 200;
    res.body = "plain";
    EXPECT_EQ(Run(res, true, R"(assert(rawget(r, "body") == "plain" and r.compressed_size == 5))"), "");
    res.headers = {{"content-encoding", "zstd"}};
    res.body = "\x28\xb5\x2f\xfd raw";
    EXPECT_EQ(Run(res, true, R"(assert(r.body == "\x28\xb5\x2f\xfd raw"))"), "");
}

TEST_F(ResponseObjectTest, BodyThatDoesNotDecodeRaisesAnErrorNamingTheCoding) {
    http::Result res;
    res.status = 200;
    res.body = "definitely not brotli";
    res.headers = {{"content-encoding", "br"}};
    const std::string error = Run(res, true, "local b = r.body");
    EXPECT_NE(error.find("Content-Encoding: br"), std::string::npos) << error;
    EXPECT_NE(error.find("does not decode: br: "), std::string::npos) << error;
    EXPECT_NE(error.find("GET /x"), std::string::npos) << error;
    // r:json() reads the body the same way
    EXPECT_NE(Run(res, true, "local j = r:json()").find("Content-Encoding: br"), std::string::npos);
}

}  // namespace
}  // namespace lse::lua
