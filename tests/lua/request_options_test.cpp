#include "request_options.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace lse::lua {
namespace {

std::string ErrorOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST(ResolveRequestUrl, RelativePathsJoinTheTargetBasePath) {
    const http::Url target = http::ParseUrl("http://127.0.0.1:8080/v2/");
    EXPECT_EQ(ResolveRequestUrl("/api/x?q=1", target, "http:get").path_and_query, "/v2/api/x?q=1");
    EXPECT_EQ(ResolveRequestUrl("api/x", target, "http:get").path_and_query, "/v2/api/x");
    const http::Url root = http::ParseUrl("http://127.0.0.1:8080");
    const http::Url u = ResolveRequestUrl("/a", root, "http:get");
    EXPECT_EQ(u.path_and_query, "/a");
    EXPECT_EQ(u.origin.port, 8080);
}

TEST(ResolveRequestUrl, AbsoluteUrlsAndBadInput) {
    const http::Url target = http::ParseUrl("http://127.0.0.1:8080/");
    const http::Url u = ResolveRequestUrl("https://example.test/x", target, "http:get");
    EXPECT_TRUE(u.origin.tls);
    EXPECT_EQ(u.origin.host, "example.test");
    EXPECT_NE(ErrorOf([&] { ResolveRequestUrl("ftp://x/y", target, "http:get"); }).find("argument #1 (path)"),
              std::string::npos);
    EXPECT_NE(ErrorOf([&] { ResolveRequestUrl("/a b", target, "http:get"); }).find("whitespace"), std::string::npos);
    EXPECT_NE(ErrorOf([&] { ResolveRequestUrl("/a", http::Url{}, "http:get"); }).find("--target"), std::string::npos);
}

class RequestArgsTest : public ::testing::Test {
protected:
    void SetUp() override {
        L_ = luaL_newstate();
        luaL_openlibs(L_);
    }
    void TearDown() override { lua_close(L_); }
    // Evaluates `expr` (path, opts) and reads it as request arguments.
    std::string Read(const std::string& args, RequestSpec* spec) {
        lua_settop(L_, 0);
        if (luaL_dostring(L_, ("return " + args).c_str()) != 0) return lua_tostring(L_, -1);
        spec->method = http::Method::kPost;
        return ErrorOf([&] { ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/base"), "http:post", spec); });
    }
    lua_State* L_ = nullptr;
};

TEST_F(RequestArgsTest, JsonQueryNameExpectTimeout) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/login", { json = { user = "u1" }, query = { a = "x y" }, timeout = "250ms", expect = "2xx,404" })",
                   &s),
              "");
    EXPECT_EQ(s.url.path_and_query, "/base/login?a=x%20y");
    EXPECT_EQ(s.name, "POST /base/login");
    EXPECT_EQ(s.body, R"({"user":"u1"})");
    EXPECT_EQ(s.timeout_ns, 250'000'000);
    ASSERT_TRUE(s.has_expect);
    EXPECT_TRUE(s.expect.Contains(204));
    EXPECT_TRUE(s.expect.Contains(404));
    EXPECT_FALSE(s.expect.Contains(500));
    bool has_ct = false;
    for (const auto& h : s.headers) has_ct |= h.first == "Content-Type" && h.second == "application/json";
    EXPECT_TRUE(has_ct);
}

TEST_F(RequestArgsTest, RedirectsOption) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/x", { redirects = 0 })", &s), "");
    EXPECT_EQ(s.max_redirects, 0);
    ASSERT_EQ(Read(R"("/x", { redirects = 100 })", &s), "");
    EXPECT_EQ(s.max_redirects, 100);
    ASSERT_EQ(Read(R"("/x")", &s), "");
    EXPECT_EQ(s.max_redirects, -1) << "a reused spec is reset: the scenario's default applies";
    for (const char* bad : {"-1", "101", "1.5", "'3'", "true"}) {
        const std::string e = Read(std::string(R"("/x", { redirects = )") + bad + " }", &s);
        EXPECT_NE(e.find("http:post: option 'redirects' must be an integer from 0 (do not follow) to 100"),
                  std::string::npos)
            << bad << ": " << e;
    }
    EXPECT_NE(Read(R"("/x", { redirect = 1 })", &s).find("did you mean 'redirects'?"), std::string::npos);
}

TEST_F(RequestArgsTest, UnknownOptionSuggestsTheClosest) {
    RequestSpec s;
    const std::string e = Read(R"("/x", { heders = { a = "b" } })", &s);
    EXPECT_NE(e.find("unknown option 'heders' (did you mean 'headers'?)"), std::string::npos) << e;
}

TEST_F(RequestArgsTest, BadValuesAreNamed) {
    RequestSpec s;
    EXPECT_NE(Read(R"("/x", { expect = "abc" })", &s).find("expect"), std::string::npos);
    EXPECT_NE(Read(R"("/x", { timeout = -1 })", &s).find("timeout"), std::string::npos);
    EXPECT_NE(Read(R"("/x", { body = "a", json = {} })", &s).find("exclusive"), std::string::npos);
    EXPECT_NE(Read(R"(42)", &s).find("argument #1 (path) must be a string"), std::string::npos);
    EXPECT_NE(Read(R"("/x", "opts")", &s).find("argument #2 (options)"), std::string::npos);
}

TEST_F(RequestArgsTest, ExplicitNameAndExpectList) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/p/17", { name = "project", expect = { 200, 404 } })", &s), "");
    EXPECT_EQ(s.name, "project");
    EXPECT_TRUE(s.expect.Contains(404));
    EXPECT_FALSE(s.expect.Contains(201));
}

// The value of header `name` (case-insensitive) in the spec, or "<none>".
std::string HeaderOf(const RequestSpec& s, std::string_view name) {
    std::string out = "<none>";
    int n = 0;
    for (const auto& h : s.headers) {
        if (http::HeaderNameEquals(h.first, name)) {
            out = h.second;
            ++n;
        }
    }
    return n > 1 ? "<repeated>" : out;
}

TEST_F(RequestArgsTest, CompressionIsOfferedByDefault) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/x")", &s), "");
    EXPECT_TRUE(s.compression);
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "gzip, deflate, br");
    // the script's own Accept-Encoding is sent as given, once
    ASSERT_EQ(Read(R"("/x", { headers = { ["accept-encoding"] = "identity" } })", &s), "");
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "identity");
}

TEST_F(RequestArgsTest, CompressionOptionTurnsTheDefaultOff) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/x", { compression = false })", &s), "");
    EXPECT_FALSE(s.compression);
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "<none>");
    // a reused spec: the next request gets the default again
    ASSERT_EQ(Read(R"("/x")", &s), "");
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "gzip, deflate, br");
    EXPECT_NE(Read(R"("/x", { compression = "no" })", &s).find("option 'compression' must be true or false"),
              std::string::npos);
}

TEST_F(RequestArgsTest, RunDefaultOffAndPerRequestOn) {
    RequestSpec s;
    lua_settop(L_, 0);
    ASSERT_EQ(luaL_dostring(L_, R"(return "/x", { compression = true })"), 0);
    ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:get", &s, /*compression=*/true);
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "gzip, deflate, br");
    lua_settop(L_, 0);
    ASSERT_EQ(luaL_dostring(L_, R"(return "/x")"), 0);
    ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:get", &s, /*compression=*/false);
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "<none>");
    lua_settop(L_, 0);
    ASSERT_EQ(luaL_dostring(L_, R"(return "/x", { compression = true })"), 0);
    ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:get", &s, /*compression=*/false);
    EXPECT_EQ(HeaderOf(s, "accept-encoding"), "gzip, deflate, br");
}

TEST_F(RequestArgsTest, CustomMethodNamesTheRequest) {
    RequestSpec s;
    lua_settop(L_, 0);
    ASSERT_EQ(luaL_dostring(L_, R"(return "/dav/a")"), 0);
    s.method = http::Method::kOther;
    s.method_token = "PROPFIND";
    ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:request", &s);
    EXPECT_EQ(s.name, "PROPFIND /dav/a");
}

}  // namespace
}  // namespace lse::lua
