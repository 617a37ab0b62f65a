// Proxy URLs, NO_PROXY matching, the environment's rules and the CONNECT handshake's pure parts.
#include "lse/http/proxy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

Origin Http(const std::string& host, std::uint16_t port = 80) { return Origin{false, host, port}; }
Origin Https(const std::string& host, std::uint16_t port = 443) { return Origin{true, host, port}; }

std::string UsageMessage(const std::string& url) {
    try {
        ParseProxyUrl(url, "--proxy");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(ProxyUrl, SchemeOptionalPortDefaultsToCurls1080) {
    const ProxyEndpoint p = ParseProxyUrl("http://Proxy.Corp:3128/", "--proxy");
    EXPECT_EQ(p.host, "proxy.corp");
    EXPECT_EQ(p.port, 3128);
    EXPECT_TRUE(p.authorization.empty());
    EXPECT_EQ(ParseProxyUrl("proxy.corp", "--proxy").port, 1080);
    EXPECT_EQ(ParseProxyUrl("[::1]:8080", "--proxy").host, "::1");
    EXPECT_EQ(ParseProxyUrl("[::1]:8080", "--proxy").ToString(), "[::1]:8080");
    EXPECT_EQ(ParseProxyUrl("127.0.0.1:3128", "--proxy").ToString(), "127.0.0.1:3128");
}

TEST(ProxyUrl, CredentialsBecomeBasicAuthorizationPercentDecoded) {
    // base64("user:p@ss w") = dXNlcjpwQHNzIHc=
    EXPECT_EQ(ParseProxyUrl("http://user:p%40ss%20w@proxy:3128", "--proxy").authorization, "Basic dXNlcjpwQHNzIHc=");
    // A user without password: "user:" as curl sends it. base64("user:") = dXNlcjo=
    EXPECT_EQ(ParseProxyUrl("http://user@proxy:3128", "--proxy").authorization, "Basic dXNlcjo=");
}

TEST(ProxyUrl, RefusalsNameTheSourceAndMaskTheCredentials) {
    const std::string https = UsageMessage("https://user:secret@proxy:3128");
    EXPECT_NE(https.find("--proxy"), std::string::npos) << https;
    EXPECT_NE(https.find("https:// proxies"), std::string::npos) << https;
    EXPECT_EQ(https.find("secret"), std::string::npos) << https;
    EXPECT_NE(UsageMessage("socks5://proxy:1080").find("only http://"), std::string::npos);
    EXPECT_NE(UsageMessage("http://proxy:3128/path").find("no path"), std::string::npos);
    EXPECT_NE(UsageMessage("http://proxy:0").find("bad port"), std::string::npos);
    EXPECT_NE(UsageMessage("http://proxy:").find("bad port"), std::string::npos);
    EXPECT_NE(UsageMessage("http://:3128").find("host"), std::string::npos);
    EXPECT_NE(UsageMessage("http://u:%zz@proxy:1").find("percent"), std::string::npos);
    try {
        ParseProxyUrl("ftp://x", "HTTPS_PROXY");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("HTTPS_PROXY: ", 0), 0u) << e.what();
    }
}

TEST(NoProxy, EmptyListMatchesNothingAndStarMatchesEverything) {
    EXPECT_FALSE(NoProxyList("").Matches(Http("example.com")));
    EXPECT_TRUE(NoProxyList("").empty());
    EXPECT_TRUE(NoProxyList("*").Matches(Https("anything.example")));
    EXPECT_FALSE(NoProxyList("*").empty());
}

TEST(NoProxy, NamesMatchThemselvesAndSubdomainsOnly) {
    const NoProxyList list("example.com, .internal.corp,*.svc");
    EXPECT_TRUE(list.Matches(Http("example.com")));
    EXPECT_TRUE(list.Matches(Http("api.example.com")));
    EXPECT_FALSE(list.Matches(Http("badexample.com")));  // a suffix, but not at a label boundary
    EXPECT_TRUE(list.Matches(Https("db.internal.corp")));
    EXPECT_TRUE(list.Matches(Https("internal.corp")));
    EXPECT_TRUE(list.Matches(Http("cache.svc")));
    EXPECT_FALSE(list.Matches(Http("example.org")));
    EXPECT_TRUE(NoProxyList("EXAMPLE.com").Matches(Http("example.com")));
}

TEST(NoProxy, PortsRestrictAnEntry) {
    const NoProxyList list("localhost:8080 example.com");
    EXPECT_TRUE(list.Matches(Http("localhost", 8080)));
    EXPECT_FALSE(list.Matches(Http("localhost", 80)));
    EXPECT_TRUE(list.Matches(Https("example.com", 8443)));
}

TEST(NoProxy, IpLiteralsAndCidrRanges) {
    const NoProxyList list("127.0.0.1,10.0.0.0/8,[::1],fd00::/8");
    EXPECT_TRUE(list.Matches(Http("127.0.0.1", 9000)));
    EXPECT_FALSE(list.Matches(Http("127.0.0.2")));
    EXPECT_TRUE(list.Matches(Http("10.20.30.40")));
    EXPECT_FALSE(list.Matches(Http("11.0.0.1")));
    EXPECT_TRUE(list.Matches(Https("::1")));
    EXPECT_TRUE(list.Matches(Https("fd12::5")));
    EXPECT_FALSE(list.Matches(Https("fe80::1")));
    // An IP entry never matches a name, nor a name entry an IP.
    EXPECT_FALSE(NoProxyList("127.0.0.1").Matches(Http("localhost")));
    EXPECT_FALSE(NoProxyList("0.0.1").Matches(Http("10.0.0.1")));
    // Unreadable entries are skipped (as curl does), the rest still apply.
    EXPECT_TRUE(NoProxyList("10.0.0.0/99,example.com").Matches(Http("example.com")));
    EXPECT_FALSE(NoProxyList("10.0.0.0/99").Matches(Http("10.0.0.1")));
}

TEST(ProxyEnvironment, LowerCaseWinsAndAllProxyIsTheFallback) {
    std::map<std::string, std::string> env = {{"http_proxy", "http://lower:1"},
                                              {"HTTP_PROXY", "http://upper:1"},
                                              {"HTTPS_PROXY", "http://secure:2"},
                                              {"NO_PROXY", "localhost"}};
    auto get = [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    ProxySettings s = ProxySettingsFromEnvironment(get);
    EXPECT_EQ(s.http_proxy, "http://lower:1");
    EXPECT_EQ(s.http_source, "http_proxy");
    EXPECT_EQ(s.https_proxy, "http://secure:2");
    EXPECT_EQ(s.https_source, "HTTPS_PROXY");
    EXPECT_EQ(s.no_proxy, "localhost");

    env = {{"ALL_PROXY", "http://all:3"}, {"https_proxy", ""}, {"no_proxy", "a"}, {"NO_PROXY", "b"}};
    s = ProxySettingsFromEnvironment(get);
    EXPECT_EQ(s.http_proxy, "http://all:3");
    EXPECT_EQ(s.https_proxy, "http://all:3");  // an empty https_proxy counts as unset
    EXPECT_EQ(s.https_source, "ALL_PROXY");
    EXPECT_EQ(s.no_proxy, "a");

    env.clear();
    s = ProxySettingsFromEnvironment(get);
    EXPECT_TRUE(s.http_proxy.empty());
    EXPECT_TRUE(s.https_proxy.empty());
}

TEST(ConnectResponse, StatusReasonAndHeaderEnd) {
    const std::string ok = "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n";
    ConnectResponse r = ParseConnectResponse(ok);
    EXPECT_EQ(r.state, ConnectResponse::State::kDone);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.reason, "Connection established");
    EXPECT_EQ(r.header_end, ok.size());

    r = ParseConnectResponse("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n");
    EXPECT_EQ(r.state, ConnectResponse::State::kNeedMore);
    EXPECT_EQ(r.status, 407);
    EXPECT_EQ(ParseConnectResponse("HTTP/1.1 20").state, ConnectResponse::State::kNeedMore);
    EXPECT_EQ(ParseConnectResponse("HTTP/1.1 200\r\n\r\n").status, 200);
    EXPECT_EQ(ParseConnectResponse("SSH-2.0-OpenSSH\r\n").state, ConnectResponse::State::kInvalid);
    EXPECT_EQ(ParseConnectResponse("\x16\x03\x01\x02\x00").state, ConnectResponse::State::kInvalid);
    EXPECT_EQ(ParseConnectResponse("HTTP/2 200\r\n\r\n").state, ConnectResponse::State::kInvalid);
    EXPECT_EQ(ParseConnectResponse("HTTP/1.1 2x0 OK\r\n\r\n").state, ConnectResponse::State::kInvalid);
}

TEST(ConnectRequest, NamesTheOriginAndCarriesCredentials) {
    EXPECT_EQ(BuildConnectRequest(Https("example.com", 443), ParseProxyUrl("proxy:3128", "--proxy")),
              "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    EXPECT_EQ(BuildConnectRequest(Https("::1", 8443), ParseProxyUrl("http://u:p@proxy:3128", "--proxy")),
              "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dTpw\r\n\r\n");
}

TEST(SplitRequestLine, FindsTheTargetAndTheLineEnd) {
    size_t target = 0, line_end = 0;
    const std::string req = "PROPFIND /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(SplitRequestLine(req, &target, &line_end));
    EXPECT_EQ(req.substr(target, 5), "/a?b=");
    EXPECT_EQ(req.substr(line_end), "Host: x\r\n\r\n");
    EXPECT_FALSE(SplitRequestLine("GARBAGE\r\n x", &target, &line_end));
    EXPECT_FALSE(SplitRequestLine("GET /", &target, &line_end));
}

}  // namespace
}  // namespace lse::http
