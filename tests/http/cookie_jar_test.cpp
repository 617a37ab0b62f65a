#include "lse/http/cookie_jar.hpp"

#include <gtest/gtest.h>

namespace lse::http {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

http::Origin Host(const std::string& host, bool tls = false) {
    http::Origin o;
    o.host = host;
    o.tls = tls;
    o.port = tls ? 443 : 80;
    return o;
}

TEST(CookieJar, StoresAndSendsHostOnlyCookies) {
    CookieJar jar;
    jar.Store("sid=abc123; Path=/; HttpOnly", Host("127.0.0.1"), "/auth/login", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("127.0.0.1"), "/api/products", kNow), "sid=abc123");
    EXPECT_EQ(jar.HeaderFor(Host("127.0.0.2"), "/api/products", kNow), "");
}

TEST(CookieJar, DefaultPathIsTheRequestDirectory) {
    CookieJar jar;
    jar.Store("a=1", Host("h"), "/shop/cart/add", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/shop/cart/view", kNow), "a=1");
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/shop/cartx", kNow), "");
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/", kNow), "");
}

TEST(CookieJar, LongerPathsFirstAndReplaceSameNamePath) {
    CookieJar jar;
    jar.Store("a=root; Path=/", Host("h"), "/", kNow);
    jar.Store("b=deep; Path=/api", Host("h"), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/api/x", kNow), "b=deep; a=root");
    jar.Store("a=new; Path=/", Host("h"), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/", kNow), "a=new");
    EXPECT_EQ(jar.Cookies().size(), 2u);
}

TEST(CookieJar, DomainCookiesMatchSubdomainsAndForeignDomainsAreRejected) {
    CookieJar jar;
    jar.Store("d=1; Domain=.example.com", Host("www.example.com"), "/", kNow);
    jar.Store("evil=1; Domain=other.com", Host("www.example.com"), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("api.example.com"), "/", kNow), "d=1");
    EXPECT_EQ(jar.HeaderFor(Host("example.com"), "/", kNow), "d=1");
    EXPECT_EQ(jar.HeaderFor(Host("other.com"), "/", kNow), "");
    EXPECT_EQ(jar.Cookies().size(), 1u);
}

TEST(CookieJar, MaxAgeZeroAndPastExpiresDelete) {
    CookieJar jar;
    jar.Store("a=1", Host("h"), "/", kNow);
    jar.Store("b=2", Host("h"), "/", kNow);
    jar.Store("a=gone; Max-Age=0", Host("h"), "/", kNow);
    jar.Store("b=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT", Host("h"), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/", kNow), "");
    EXPECT_TRUE(jar.Empty());
}

TEST(CookieJar, MaxAgeExpiresLaterAndWinsOverExpires) {
    CookieJar jar;
    jar.Store("a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", Host("h"), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/", kNow + 59), "a=1");
    EXPECT_EQ(jar.HeaderFor(Host("h"), "/", kNow + 60), "");
}

TEST(CookieJar, SecureCookiesOnlyOverTls) {
    CookieJar jar;
    jar.Store("s=1; Secure", Host("h", true), "/", kNow);
    EXPECT_EQ(jar.HeaderFor(Host("h", false), "/", kNow), "");
    EXPECT_EQ(jar.HeaderFor(Host("h", true), "/", kNow), "s=1");
}

TEST(CookieJar, MalformedCookiesAreIgnored) {
    CookieJar jar;
    jar.Store("novalue", Host("h"), "/", kNow);
    jar.Store("=x", Host("h"), "/", kNow);
    EXPECT_TRUE(jar.Empty());
}

TEST(HttpDate, ParsesTheThreeFormats) {
    std::int64_t t = 0;
    ASSERT_TRUE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    EXPECT_EQ(t, 784111777);
    ASSERT_TRUE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    EXPECT_EQ(t, 784111777);
    ASSERT_TRUE(ParseHttpDate("Sun Nov  6 08:49:37 1994", &t));
    EXPECT_EQ(t, 784111777);
    EXPECT_FALSE(ParseHttpDate("yesterday", &t));
}

}  // namespace
}  // namespace lse::http

namespace lse::http {
namespace {

constexpr std::int64_t kT = 1'700'000'000;

Origin Local() {
    Origin o;
    o.host = "127.0.0.1";
    o.port = 8080;
    return o;
}

TEST(CookieJarReplay, AppendHeaderForAppendsWhatHeaderForReturns) {
    CookieJar jar;
    jar.Store("a=1; Path=/", Local(), "/", kT);
    jar.Store("b=2; Path=/api", Local(), "/", kT);
    std::string out = "x";
    jar.AppendHeaderFor(Local(), "/api/v1", kT, &out);
    EXPECT_EQ(out, "x" + jar.HeaderFor(Local(), "/api/v1", kT));
    EXPECT_EQ(out, "xb=2; a=1");
}

TEST(CookieJarReplay, ReplacingACookieReusesItsBuffers) {
    CookieJar jar;
    jar.Store("session=" + std::string(40, 'a') + "; Path=/", Local(), "/login", kT);
    const char* value = jar.Cookies()[0].value.data();
    for (char c : std::string("bcdefg")) {
        jar.Store("session=" + std::string(40, c) + "; Path=/; HttpOnly", Local(), "/form", kT);
    }
    ASSERT_EQ(jar.Cookies().size(), 1u);
    EXPECT_EQ(jar.Cookies()[0].value, std::string(40, 'g'));
    EXPECT_EQ(jar.Cookies()[0].value.data(), value);
}

TEST(CookieJarReplay, RequestPathIsTheTargetsPathWithoutTheQuery) {
    EXPECT_EQ(RequestPath("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"), "/a/b");
    EXPECT_EQ(RequestPath("POST /form HTTP/1.1\r\n\r\n"), "/form");
    EXPECT_EQ(RequestPath("GET * HTTP/1.1\r\n\r\n"), "/");
    EXPECT_EQ(RequestPath("garbage"), "/");
}

TEST(CookieJarReplay, WriteWithCookiesMergesTheRequestsCookiesWithTheJarsWhichWin) {
    const std::string with = "POST /form HTTP/1.1\r\nHost: h\r\nCookie: sid=old; theme=dark\r\nX: y\r\n"
                             "Content-Length: 2\r\n\r\nab";
    std::string out;
    WriteWithCookies(with, "sid=new; csrf=1", &out);
    EXPECT_EQ(out, "POST /form HTTP/1.1\r\nHost: h\r\nCookie: theme=dark; sid=new; csrf=1\r\nX: y\r\n"
                   "Content-Length: 2\r\n\r\nab");
    // A request without a Cookie header gets one after its others; a body mentioning one is not a header.
    const std::string without = "GET /x HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\n\r\nCookie: no";
    WriteWithCookies(without, "a=1", &out);
    EXPECT_EQ(out, "GET /x HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\nCookie: a=1\r\n\r\nCookie: no");
    const std::string bare = "GET /x HTTP/1.1\r\n\r\n";
    WriteWithCookies(bare, "a=1", &out);
    EXPECT_EQ(out, "GET /x HTTP/1.1\r\nCookie: a=1\r\n\r\n");
    // The header name compares case-insensitively; every pair the jar sends is replaced.
    WriteWithCookies("GET / HTTP/1.1\r\ncookie:a=0;b=0\r\n\r\n", "b=2; a=1", &out);
    EXPECT_EQ(out, "GET / HTTP/1.1\r\nCookie: b=2; a=1\r\n\r\n");
    // No allocation once the buffer has grown.
    const char* buffer = out.data();
    for (int i = 0; i < 10; ++i) WriteWithCookies("GET / HTTP/1.1\r\ncookie:a=0;b=0\r\n\r\n", "b=2; a=1", &out);
    EXPECT_EQ(out.data(), buffer);
}

}  // namespace
}  // namespace lse::http
