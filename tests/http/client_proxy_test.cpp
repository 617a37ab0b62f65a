// Integration: the client through a forward proxy (lse::testing::TestProxy) to nginx. http origins are sent in
// absolute form, https origins through a CONNECT tunnel; both checked at the proxy and at nginx.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.hpp"
#include "lse/core/errors.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/test_proxy.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;

// nginx writes an access-log line after it sent the response: the client can be faster than the log.
template <typename Fn>
int Eventually(Fn count, int expected) {
    int n = count();
    for (int i = 0; i < 200 && n < expected; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        n = count();
    }
    return n;
}

int Count(const std::vector<std::string>& lines, const std::string& value) {
    int n = 0;
    for (const auto& line : lines) n += line == value ? 1 : 0;
    return n;
}

class ClientProxyTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        nginx_ = new lse::testing::NginxServer();
        nginx_->Start();
    }
    static void TearDownTestSuite() {
        delete nginx_;
        nginx_ = nullptr;
    }
    void SetUp() override { proxy_.Start(); }

    std::string HttpUrl(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(nginx_->HttpPort()) + path;
    }
    std::string HttpsUrl(const std::string& path) const {
        return "https://localhost:" + std::to_string(nginx_->HttpsPort()) + path;
    }
    ClientOptions Proxied(const std::string& proxy_url) const {
        ClientOptions o;
        o.http_proxy = proxy_url;
        o.https_proxy = proxy_url;
        o.ca_file = nginx_->CaCertPath();
        return o;
    }

    static lse::testing::NginxServer* nginx_;
    lse::testing::TestProxy proxy_;
};

lse::testing::NginxServer* ClientProxyTest::nginx_ = nullptr;

TEST_F(ClientProxyTest, HttpRequestsGoInAbsoluteFormOverOneKeptAliveConnection) {
    const int before = nginx_->CountRequests("\"GET /static?via=proxy ");
    ClientHarness h(Proxied(proxy_.Url()));
    for (int i = 0; i < 3; ++i) {
        const Result r = h.Fetch(HttpUrl("/static?via=proxy"));
        ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, lse::testing::NginxServer::StaticBody());
    }
    const std::string line = "GET " + HttpUrl("/static?via=proxy") + " HTTP/1.1";
    EXPECT_EQ(Count(proxy_.Requests(), line), 3);
    EXPECT_TRUE(proxy_.Connects().empty());
    EXPECT_EQ(proxy_.ClientConnections(), 1);  // pooled as without a proxy
    EXPECT_EQ(Eventually([&] { return nginx_->CountRequests("\"GET /static?via=proxy ") - before; }, 3), 3);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, CredentialsFromTheUrlAreSentAsProxyAuthorization) {
    proxy_.Stop();
    lse::testing::TestProxyOptions options;
    options.required_authorization = "Basic dXNlcjpwQHNz";  // user:p@ss
    proxy_.Start(options);
    ClientHarness h(Proxied("http://user:p%40ss@127.0.0.1:" + std::to_string(proxy_.Port())));
    const Result plain = h.Fetch(HttpUrl("/"));
    ASSERT_EQ(plain.error, ErrorKind::kNone) << plain.error_detail;
    EXPECT_EQ(plain.status, 200);
    const Result tls = h.Fetch(HttpsUrl("/"));
    ASSERT_EQ(tls.error, ErrorKind::kNone) << tls.error_detail;
    EXPECT_EQ(tls.status, 200);
    EXPECT_EQ(proxy_.Authorizations(), (std::vector<std::string>{options.required_authorization,
                                                                  options.required_authorization}));
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, PostBodiesAndPartialWritesPassThrough) {
    ClientOptions o = Proxied(proxy_.Url());
    o.send_buffer_bytes = 4096;  // the kernel takes a large request in pieces: the multi-buffer tail path
    ClientHarness h(o);
    const Result echo = h.Fetch(HttpUrl("/echo"), Method::kPost, "hello through the proxy");
    ASSERT_EQ(echo.error, ErrorKind::kNone) << echo.error_detail;
    EXPECT_EQ(echo.body, "hello through the proxy");
    const int before = nginx_->CountRequests("\"POST /upload ");
    const Result upload = h.Fetch(HttpUrl("/upload"), Method::kPost, std::string(3 * 1024 * 1024, 'u'));
    ASSERT_EQ(upload.error, ErrorKind::kNone) << upload.error_detail;
    EXPECT_EQ(upload.status, 200);
    EXPECT_EQ(upload.body, "got\n");
    EXPECT_EQ(Eventually([&] { return nginx_->CountRequests("\"POST /upload ") - before; }, 1), 1);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, HttpsGoesThroughOneConnectTunnelPerConnection) {
    const int before = nginx_->CountRequests("\"GET /static?via=tunnel ");
    ClientHarness h(Proxied(proxy_.Url()));
    for (int i = 0; i < 3; ++i) {
        const Result r = h.Fetch(HttpsUrl("/static?via=tunnel"));
        ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, lse::testing::NginxServer::StaticBody());
    }
    const std::string target = "localhost:" + std::to_string(nginx_->HttpsPort());
    EXPECT_EQ(proxy_.Connects(), std::vector<std::string>{target});
    EXPECT_TRUE(proxy_.Requests().empty());  // nothing but the tunnel: the proxy never saw a request
    EXPECT_EQ(Eventually([&] { return nginx_->CountRequests("\"GET /static?via=tunnel ") - before; }, 3), 3);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, ARefusedConnectFailsWithTheProxysStatus) {
    proxy_.Stop();
    lse::testing::TestProxyOptions options;
    options.required_authorization = "Basic c29tZW9uZTplbHNl";
    proxy_.Start(options);
    ClientHarness h(Proxied(proxy_.Url()));
    const Result r = h.Fetch(HttpsUrl("/"));
    EXPECT_EQ(r.error, ErrorKind::kConnect);
    EXPECT_NE(r.error_detail.find("refused CONNECT"), std::string::npos) << r.error_detail;
    EXPECT_NE(r.error_detail.find("407 Proxy Authentication Required"), std::string::npos) << r.error_detail;
    EXPECT_NE(r.error_detail.find("proxy 127.0.0.1:" + std::to_string(proxy_.Port())), std::string::npos)
        << r.error_detail;
    EXPECT_EQ(proxy_.Connects().size(), 1u);
    // Plain http through the same proxy: the 407 is an ordinary response, as with curl.
    const Result plain = h.Fetch(HttpUrl("/"));
    EXPECT_EQ(plain.error, ErrorKind::kNone) << plain.error_detail;
    EXPECT_EQ(plain.status, 407);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, NoProxyHostsGoDirect) {
    ClientOptions o = Proxied(proxy_.Url());
    o.no_proxy = "127.0.0.1";
    ClientHarness h(o);
    const Result direct = h.Fetch(HttpUrl("/"));
    ASSERT_EQ(direct.error, ErrorKind::kNone) << direct.error_detail;
    const Result proxied = h.Fetch(HttpsUrl("/"));  // localhost is not 127.0.0.1 to NO_PROXY
    ASSERT_EQ(proxied.error, ErrorKind::kNone) << proxied.error_detail;
    EXPECT_TRUE(proxy_.Requests().empty());
    EXPECT_EQ(proxy_.Connects().size(), 1u);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, AProxyThatIsDownIsNamedInTheFailure) {
    const int port = lse::testing::FreeTcpPort();
    ClientHarness h(Proxied("http://127.0.0.1:" + std::to_string(port)));
    const Result r = h.Fetch(HttpUrl("/"));
    EXPECT_EQ(r.error, ErrorKind::kConnect);
    EXPECT_NE(r.error_detail.find("connect to proxy 127.0.0.1:" + std::to_string(port) + " failed"),
              std::string::npos)
        << r.error_detail;
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientProxyTest, AProxyThatHangsEndsInATimeoutAtTheExchangesDeadline) {
    lse::testing::TestProxy frozen;
    lse::testing::TestProxyOptions options;
    options.stall = true;
    frozen.Start(options);
    ClientHarness h(Proxied(frozen.Url()));
    constexpr std::int64_t kTimeoutNs = 300'000'000;
    for (const std::string& url : {HttpUrl("/frozen-plain"), HttpsUrl("/frozen-tls")}) {
        const auto start = std::chrono::steady_clock::now();
        const Result r = h.Fetch(url, Method::kGet, "", kTimeoutNs);
        const auto took = std::chrono::steady_clock::now() - start;
        EXPECT_EQ(r.error, ErrorKind::kTimeout) << url << ": " << r.error_detail;
        EXPECT_GE(took, std::chrono::milliseconds(290)) << url;
        EXPECT_LT(took, std::chrono::seconds(3)) << url;  // not the 5 s connect bound, nor forever
    }
    // The proxy saw both, and nginx neither: nothing got past the frozen hop.
    EXPECT_EQ(frozen.Requests().size(), 1u);
    EXPECT_EQ(frozen.Connects().size(), 1u);
    EXPECT_EQ(nginx_->CountRequests("/frozen-"), 0);
    EXPECT_EQ(h.Shutdown(), 0);
    frozen.Stop();
}

TEST_F(ClientProxyTest, ABadProxyUrlIsAUsageError) {
    ClientOptions o;
    o.https_proxy = "socks5://127.0.0.1:1080";
    uv_loop_t loop;
    uv_loop_init(&loop);
    EXPECT_THROW(Client(&loop, o), lse::UsageError);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace lse::http
