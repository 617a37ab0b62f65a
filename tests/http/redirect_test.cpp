#include "lse/http/redirect.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lse::http {
namespace {

// Resolves `location` against `base` and returns "scheme://host:port/path?query", or "error: <why>".
std::string Resolve(std::string_view base, std::string_view location) {
    const Url b = ParseUrl(base);
    Url out;
    const char* why = nullptr;
    if (!ResolveLocation(b, location, &out, &why)) return std::string("error: ") + (why != nullptr ? why : "?");
    return out.origin.ToString() + out.path_and_query;
}

TEST(RedirectStatus, FollowsOnlyTheFiveRedirects) {
    for (int s : {301, 302, 303, 307, 308}) EXPECT_TRUE(IsRedirectStatus(s)) << s;
    for (int s : {200, 204, 300, 304, 305, 306, 309, 399, 400, 0}) EXPECT_FALSE(IsRedirectStatus(s)) << s;
}

TEST(RedirectLocation, FindsTheLocationHeader) {
    std::vector<std::pair<std::string, std::string>> headers = {{"set-cookie", "a=1"}, {"location", "/x"}};
    EXPECT_EQ(FindLocation(headers), "/x");
    headers.pop_back();
    EXPECT_EQ(FindLocation(headers), "");
}

TEST(RedirectLocation, AbsoluteUrls) {
    EXPECT_EQ(Resolve("http://a.test/x", "https://B.test:8443/y?q=1"), "https://b.test:8443/y?q=1");
    EXPECT_EQ(Resolve("https://a.test/x", "http://a.test/"), "http://a.test:80/");
    EXPECT_EQ(Resolve("http://a.test/x", "HTTP://a.test"), "http://a.test:80/");
}

TEST(RedirectLocation, SchemeRelativeTakesTheRequestScheme) {
    EXPECT_EQ(Resolve("https://a.test/x", "//b.test/y"), "https://b.test:443/y");
    EXPECT_EQ(Resolve("http://a.test/x", "//b.test:81"), "http://b.test:81/");
}

TEST(RedirectLocation, AbsolutePathKeepsTheOrigin) {
    EXPECT_EQ(Resolve("http://a.test:8080/x/y?old=1", "/z?new=2"), "http://a.test:8080/z?new=2");
    EXPECT_EQ(Resolve("http://a.test/x", "/a/./b/../c"), "http://a.test:80/a/c");
    EXPECT_EQ(Resolve("http://a.test/x", "/.."), "http://a.test:80/");
}

TEST(RedirectLocation, RelativePathMergesWithTheDirectory) {
    EXPECT_EQ(Resolve("http://a.test/a/b/c?q", "d"), "http://a.test:80/a/b/d");
    EXPECT_EQ(Resolve("http://a.test/a/b/c", "../d?x=1"), "http://a.test:80/a/d?x=1");
    EXPECT_EQ(Resolve("http://a.test/a/b/", "./"), "http://a.test:80/a/b/");
    EXPECT_EQ(Resolve("http://a.test/a", "../../../d"), "http://a.test:80/d");
    EXPECT_EQ(Resolve("http://a.test/a/b/c", ".."), "http://a.test:80/a/");
}

TEST(RedirectLocation, QueryOnlyKeepsThePath) {
    EXPECT_EQ(Resolve("http://a.test/a/b?old=1", "?new=2"), "http://a.test:80/a/b?new=2");
}

TEST(RedirectLocation, FragmentDroppedAndSpacesEncoded) {
    EXPECT_EQ(Resolve("http://a.test/a", "/b#top"), "http://a.test:80/b");
    EXPECT_EQ(Resolve("http://a.test/a", "https://c.test/d#e"), "https://c.test:443/d");
    EXPECT_EQ(Resolve("http://a.test/a", "  /b c?d e  "), "http://a.test:80/b%20c?d%20e");
}

TEST(RedirectLocation, RefusesWhatCannotBeFollowed) {
    EXPECT_EQ(Resolve("http://a.test/a", ""), "error: the Location header is empty");
    EXPECT_EQ(Resolve("http://a.test/a", "#only"), "error: the Location header is empty");
    EXPECT_EQ(Resolve("http://a.test/a", "ftp://a.test/f"), "error: the Location is not an http(s) URL");
    EXPECT_EQ(Resolve("http://a.test/a", "mailto:x@a.test"), "error: the Location is not an http(s) URL");
    EXPECT_EQ(Resolve("http://a.test/a", "http://"), "error: missing host");
    EXPECT_EQ(Resolve("http://a.test/a", "/a\x01"), "error: the Location holds a control character");
}

TEST(RedirectLocation, ResolvesIntoTheBaseItself) {
    Url url = ParseUrl("http://a.test/a/b");
    const char* why = nullptr;
    ASSERT_TRUE(ResolveLocation(url, "c?x", &url, &why));
    EXPECT_EQ(url.path_and_query, "/a/c?x");
    ASSERT_TRUE(ResolveLocation(url, "//b.test/d", &url, &why));
    EXPECT_EQ(url.origin.host, "b.test");
    EXPECT_EQ(url.path_and_query, "/d");
}

TEST(RedirectMethodRule, SeeOtherBecomesGetWithoutBody) {
    for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kDelete, Method::kPatch}) {
        const RedirectMethod next = NextRedirectMethod(303, m);
        EXPECT_EQ(next.method, Method::kGet);
        EXPECT_FALSE(next.keep_body);
    }
    EXPECT_EQ(NextRedirectMethod(303, Method::kHead).method, Method::kHead);
}

TEST(RedirectMethodRule, MovedAndFoundTurnOnlyPostIntoGet) {
    for (int status : {301, 302}) {
        EXPECT_EQ(NextRedirectMethod(status, Method::kPost).method, Method::kGet);
        EXPECT_FALSE(NextRedirectMethod(status, Method::kPost).keep_body);
        EXPECT_EQ(NextRedirectMethod(status, Method::kPut).method, Method::kPut);
        EXPECT_TRUE(NextRedirectMethod(status, Method::kPut).keep_body);
        EXPECT_EQ(NextRedirectMethod(status, Method::kGet).method, Method::kGet);
    }
}

TEST(RedirectMethodRule, TemporaryAndPermanentKeepMethodAndBody) {
    for (int status : {307, 308}) {
        for (Method m : {Method::kPost, Method::kPut, Method::kPatch, Method::kDelete, Method::kGet}) {
            const RedirectMethod next = NextRedirectMethod(status, m);
            EXPECT_EQ(next.method, m);
            EXPECT_TRUE(next.keep_body);
        }
    }
}

TEST(RedirectHeaders, CredentialsStayWithTheirOrigin) {
    EXPECT_TRUE(KeepsHeaderOnRedirect("Authorization", false, false));
    EXPECT_FALSE(KeepsHeaderOnRedirect("authorization", true, false));
    EXPECT_TRUE(KeepsHeaderOnRedirect("Cookie", false, false));
    EXPECT_FALSE(KeepsHeaderOnRedirect("COOKIE", true, false));
    EXPECT_TRUE(KeepsHeaderOnRedirect("X-Api-Version", true, true));
    EXPECT_TRUE(KeepsHeaderOnRedirect("Accept", true, true));
}

TEST(RedirectHeaders, HostAndLengthAreAlwaysRewritten) {
    EXPECT_FALSE(KeepsHeaderOnRedirect("Host", false, false));
    EXPECT_FALSE(KeepsHeaderOnRedirect("content-length", false, false));
}

TEST(RedirectHeaders, BodyHeadersGoWithTheBody) {
    EXPECT_TRUE(KeepsHeaderOnRedirect("Content-Type", false, false));
    EXPECT_FALSE(KeepsHeaderOnRedirect("Content-Type", false, true));
    EXPECT_FALSE(KeepsHeaderOnRedirect("content-encoding", false, true));
}

TEST(RedirectHeaders, FilterKeepsOrderAndBuffers) {
    HeaderList headers = {{"Accept", "a"},       {"Authorization", "Bearer t"}, {"Content-Type", "application/json"},
                          {"Cookie", "s=1"},     {"X-Trace", "1"},              {"Content-Length", "2"}};
    FilterRedirectHeaders(&headers, /*cross_origin=*/true, /*body_dropped=*/true);
    const HeaderList want = {{"Accept", "a"}, {"X-Trace", "1"}};
    EXPECT_EQ(headers, want);

    headers = {{"Authorization", "Bearer t"}, {"Content-Type", "text/plain"}, {"Host", "a.test"}};
    FilterRedirectHeaders(&headers, /*cross_origin=*/false, /*body_dropped=*/false);
    const HeaderList same_origin = {{"Authorization", "Bearer t"}, {"Content-Type", "text/plain"}};
    EXPECT_EQ(headers, same_origin);
}

TEST(RedirectSerialized, ReadsARequestBackWithoutHostAndLength) {
    const PreparedRequest sent = PreparedRequest::Build(Method::kPost, ParseUrl("http://a.test:81/x").origin, "/x?y=1",
                                                        {{"Authorization", "Bearer t"}, {"X-A", " v "}}, "{\"k\":1}");
    HeaderList headers = {{"stale", "entry"}, {"two", "2"}, {"three", "3"}, {"four", "4"}, {"five", "5"}};
    std::string body = "old";
    ASSERT_TRUE(ReadSerializedRequest(sent.bytes, &headers, &body));
    EXPECT_EQ(body, "{\"k\":1}");
    const HeaderList want = {{"Authorization", "Bearer t"}, {"X-A", "v"}, {"User-Agent", "lsengine/0.1"}};
    EXPECT_EQ(headers, want);

    // The next hop built from what was read: same headers, the new Host, no body for a 303.
    PreparedRequest next;
    FilterRedirectHeaders(&headers, /*cross_origin=*/true, /*body_dropped=*/true);
    PreparedRequest::BuildInto(Method::kGet, "b.test", "/y", headers, "", &next);
    EXPECT_EQ(next.bytes, "GET /y HTTP/1.1\r\nHost: b.test\r\nX-A: v\r\nUser-Agent: lsengine/0.1\r\n\r\n");
}

TEST(RedirectSerialized, RefusesBytesThatAreNoRequest) {
    HeaderList headers;
    std::string body;
    EXPECT_FALSE(ReadSerializedRequest("", &headers, &body));
    EXPECT_FALSE(ReadSerializedRequest("GET / HTTP/1.1\r\nA: b\r\n", &headers, &body));
    EXPECT_FALSE(ReadSerializedRequest("GET / HTTP/1.1\r\nno colon\r\n\r\n", &headers, &body));
}

TEST(RedirectMessage, NamesTheLimitTheStatusAndTheFix) {
    std::string message = "old";
    FormatTooManyRedirects(10, 302, "/loop", &message);
    EXPECT_EQ(message,
              "stopped after 10 redirects (the limit): the last response was 302 to /loop; raise the limit with "
              "redirects = N (request or scenario) or --max-redirects");
    FormatTooManyRedirects(1, 307, "/a", &message);
    EXPECT_NE(message.find("after 1 redirect (the limit)"), std::string::npos);
}

}  // namespace
}  // namespace lse::http
