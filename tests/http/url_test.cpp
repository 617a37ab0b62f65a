#include "lse/http/url.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

TEST(ParseUrlTest, PlainHttpWithDefaultPortAndPath) {
    const Url u = ParseUrl("http://Example.COM/a/b?x=1&y=2");
    EXPECT_FALSE(u.origin.tls);
    EXPECT_EQ(u.origin.host, "example.com");
    EXPECT_EQ(u.origin.port, 80);
    EXPECT_EQ(u.path_and_query, "/a/b?x=1&y=2");
    EXPECT_EQ(u.origin.HostHeader(), "example.com");
}

TEST(ParseUrlTest, HttpsDefaultPortIsOmittedFromHostHeader) {
    const Url u = ParseUrl("HTTPS://example.com");
    EXPECT_TRUE(u.origin.tls);
    EXPECT_EQ(u.origin.port, 443);
    EXPECT_EQ(u.path_and_query, "/");
    EXPECT_EQ(u.origin.HostHeader(), "example.com");
}

TEST(ParseUrlTest, ExplicitPortIsKeptUnlessDefault) {
    EXPECT_EQ(ParseUrl("http://h:8080/").origin.port, 8080);
    EXPECT_EQ(ParseUrl("http://h:8080/").origin.HostHeader(), "h:8080");
    EXPECT_EQ(ParseUrl("http://h:80/").origin.HostHeader(), "h");
    EXPECT_EQ(ParseUrl("https://h:443/").origin.HostHeader(), "h");
    EXPECT_EQ(ParseUrl("https://h:80/").origin.HostHeader(), "h:80");
    EXPECT_EQ(ParseUrl("http://h:65535").origin.port, 65535);
}

TEST(ParseUrlTest, Ipv6LiteralKeepsBracketsOnlyInHostHeader) {
    const Url u = ParseUrl("http://[::1]:8080/x");
    EXPECT_EQ(u.origin.host, "::1");
    EXPECT_EQ(u.origin.port, 8080);
    EXPECT_EQ(u.origin.HostHeader(), "[::1]:8080");
    EXPECT_EQ(u.path_and_query, "/x");
    EXPECT_EQ(ParseUrl("https://[2001:db8::1]").origin.HostHeader(), "[2001:db8::1]");
    EXPECT_TRUE(IsIpLiteral(u.origin.host));
}

TEST(ParseUrlTest, QueryWithoutPathAndFragmentDropped) {
    EXPECT_EQ(ParseUrl("http://h?q=1").path_and_query, "/?q=1");
    EXPECT_EQ(ParseUrl("http://h/p#frag").path_and_query, "/p");
    EXPECT_EQ(ParseUrl("http://h#frag").path_and_query, "/");
}

TEST(ParseUrlTest, OriginsCompareByTlsHostAndPort) {
    EXPECT_EQ(ParseUrl("http://h/a").origin, ParseUrl("http://H:80/b").origin);
    EXPECT_FALSE(ParseUrl("http://h/").origin == ParseUrl("https://h/").origin);
    EXPECT_FALSE(ParseUrl("http://h/").origin == ParseUrl("http://h:81/").origin);
    EXPECT_EQ(ParseUrl("http://h:81/").origin.ToString(), "http://h:81");
    EXPECT_EQ(ParseUrl("https://[::1]/").origin.ToString(), "https://[::1]:443");
}

void ExpectInvalid(const std::string& url, const std::string& why) {
    try {
        ParseUrl(url);
        ADD_FAILURE() << "accepted " << url;
    } catch (const UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("invalid URL '" + url + "'"), std::string::npos) << msg;
        EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
}

// Userinfo is refused because it carries credentials: the message must not print them.
TEST(ParseUrlTest, RejectsUserinfoWithoutEchoingIt) {
    for (const std::string url : {"http://user:pw-S3cret@example.com/x", "http://user@example.com/"}) {
        try {
            ParseUrl(url);
            ADD_FAILURE() << "accepted " << url;
        } catch (const UsageError& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("invalid URL 'http://***@example.com/"), std::string::npos) << msg;
            EXPECT_NE(msg.find("userinfo"), std::string::npos) << msg;
            EXPECT_EQ(msg.find("user"), msg.find("userinfo")) << msg;
            EXPECT_EQ(msg.find("pw-S3cret"), std::string::npos) << msg;
        }
    }
}

TEST(ParseUrlTest, RejectsBadUrls) {
    ExpectInvalid("example.com/x", "missing scheme");
    ExpectInvalid("ftp://example.com/", "only http");
    ExpectInvalid("http:///path", "missing host");
    ExpectInvalid("http://", "missing host");
    ExpectInvalid("http://:80/", "missing host");
    ExpectInvalid("http://h:/", "empty port");
    ExpectInvalid("http://h:0/", "out of range");
    ExpectInvalid("http://h:65536/", "out of range");
    ExpectInvalid("http://h:123456/", "out of range");
    ExpectInvalid("http://h:8a/", "not a number");
    ExpectInvalid("http://[::1/", "unterminated");
    ExpectInvalid("http://[zz::1]/", "invalid IPv6");
    ExpectInvalid("http://[::1]x/", "after IPv6");
    ExpectInvalid("http://h/a b", "whitespace");
    ExpectInvalid("http://h/a\r\nX: y", "control");
    ExpectInvalid("http://ho$t/", "invalid character");
}

}  // namespace
}  // namespace lse::http
