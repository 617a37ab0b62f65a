// Integration: HTTPS against nginx's self-signed certificate (CN/SAN localhost, SAN IP 127.0.0.1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "client_test_util.hpp"
#include "lse/core/errors.hpp"
#include "lse/testing/nginx_server.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;
using testing::TestExchange;

class ClientTlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        nginx_ = new lse::testing::NginxServer();
        nginx_->Start();
    }
    static void TearDownTestSuite() {
        delete nginx_;
        nginx_ = nullptr;
    }
    static std::string UrlOf(const std::string& host, const std::string& path) {
        return "https://" + host + ":" + std::to_string(nginx_->HttpsPort()) + path;
    }
    static ClientOptions WithCa() {
        ClientOptions options;
        options.ca_file = nginx_->CaCertPath();
        return options;
    }
    static lse::testing::NginxServer* nginx_;
};

lse::testing::NginxServer* ClientTlsTest::nginx_ = nullptr;

TEST_F(ClientTlsTest, VerifiedWithCaFileByNameAndByIp) {
    ClientHarness h(WithCa());
    const Result by_name = h.Fetch(UrlOf("localhost", "/"));
    ASSERT_EQ(by_name.error, ErrorKind::kNone) << by_name.error_detail;
    EXPECT_EQ(by_name.status, 200);
    EXPECT_EQ(by_name.body, "ok\n");
    EXPECT_GT(by_name.t.tls_done_ns, 0);
    EXPECT_LE(by_name.t.connected_ns, by_name.t.tls_done_ns);
    EXPECT_LE(by_name.t.tls_done_ns, by_name.t.write_start_ns);
    const Result by_ip = h.Fetch(UrlOf("127.0.0.1", "/"));
    ASSERT_EQ(by_ip.error, ErrorKind::kNone) << by_ip.error_detail;
    EXPECT_EQ(by_ip.status, 200);
}

TEST_F(ClientTlsTest, WithoutTheCaVerificationFails) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("localhost", "/"));
    EXPECT_EQ(r.error, ErrorKind::kTls);
    EXPECT_NE(r.error_detail.find("certificate"), std::string::npos) << r.error_detail;
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);  // TCP worked; TLS did not.
}

TEST_F(ClientTlsTest, InsecureSkipsVerification) {
    ClientOptions options;
    options.insecure = true;
    ClientHarness h(options);
    const Result r = h.Fetch(UrlOf("localhost", "/"));
    ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 200);
}

TEST_F(ClientTlsTest, BadCaFileIsASetupError) {
    ClientOptions options;
    options.ca_file = "/nonexistent/ca.pem";
    uv_loop_t loop;
    uv_loop_init(&loop);
    EXPECT_THROW(Client(&loop, options), lse::SetupError);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST_F(ClientTlsTest, KeepAliveBigBodyAndChunkedOverTls) {
    ClientHarness h(WithCa());
    const Url u = ParseUrl(UrlOf("localhost", "/static"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    for (int i = 0; i < 20; ++i) {
        const Result r = h.Fetch(u.origin, req);
        ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
        EXPECT_EQ(r.body, lse::testing::NginxServer::StaticBody());
    }
    const Result big = h.Fetch(UrlOf("localhost", "/big"));
    ASSERT_EQ(big.error, ErrorKind::kNone) << big.error_detail;
    EXPECT_EQ(big.body.size(), lse::testing::NginxServer::kBigSize);
    const Result chunked = h.Fetch(UrlOf("localhost", "/chunked"));
    EXPECT_EQ(chunked.body, "a\nb\nc\nd\n");
    const Result post = h.Fetch(UrlOf("localhost", "/echo"), Method::kPost, std::string(50000, 'e'));
    EXPECT_EQ(post.body.size(), 50000u);
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);
}

TEST_F(ClientTlsTest, ConcurrentExchangesOverTls) {
    ClientOptions options = WithCa();
    options.max_connections_per_origin = 4;
    ClientHarness h(options);
    const Url u = ParseUrl(UrlOf("localhost", "/slow50"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    int ok = 0;
    int done = 0;
    struct State {
        int* ok;
        int* done;
    } state{&ok, &done};
    std::vector<TestExchange> exchanges(32);
    for (auto& te : exchanges) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &state;
        te.ex.on_done = [](Exchange* ex, void* user) {
            auto* s = static_cast<State*>(user);
            ++*s->done;
            if (ex->result.error == ErrorKind::kNone && ex->result.status == 200) ++*s->ok;
        };
        ASSERT_TRUE(h.client().Send(&te.ex, true));
    }
    ASSERT_TRUE(h.RunUntil([&] { return done == 32; }, 30 * kNsPerSec));
    EXPECT_EQ(ok, 32);
    EXPECT_LE(h.client().ConnectionsOpened(), 4u);
}

// Two https origins (two nginx, so two sets of ticket keys) on the same host name, one fresh connection per
// request (/close), alternating. A cache keyed by host alone kept one session and offered it to the wrong
// port, so nothing ever resumed; keyed by host:port, every connection after the first to each origin resumes.
TEST_F(ClientTlsTest, AlternatingTwoOriginsResumesBoth) {
    lse::testing::NginxServer other;
    other.Start();
    ClientOptions options;
    options.insecure = true;  // Each nginx has its own self-signed certificate.
    ClientHarness h(options);
    const std::string urls[2] = {UrlOf("localhost", "/close"),
                                 "https://localhost:" + std::to_string(other.HttpsPort()) + "/close"};
    constexpr int kRequests = 10;
    for (int i = 0; i < kRequests; ++i) {
        const std::uint64_t before = h.client().TlsResumptions();
        const Result r = h.Fetch(urls[i % 2]);
        ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
        EXPECT_EQ(r.body, "closing\n");
        EXPECT_FALSE(r.reused_connection);
        const std::uint64_t expected = i < 2 ? 0 : 1;  // The first connection to each origin is a full handshake.
        EXPECT_EQ(h.client().TlsResumptions() - before, expected) << "connection " << i << " to " << urls[i % 2];
    }
    EXPECT_EQ(h.client().ConnectionsOpened(), static_cast<std::uint64_t>(kRequests));
    EXPECT_EQ(h.client().TlsResumptions(), static_cast<std::uint64_t>(kRequests - 2));
}

}  // namespace
}  // namespace lse::http
