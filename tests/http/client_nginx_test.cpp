// Integration: the client against a private nginx on loopback (plain HTTP).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "client_test_util.hpp"
#include "lse/testing/nginx_server.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;
using testing::TestExchange;

class ClientNginxTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        nginx_ = new lse::testing::NginxServer();
        nginx_->Start();
    }
    static void TearDownTestSuite() {
        delete nginx_;
        nginx_ = nullptr;
    }
    static std::string UrlOf(const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(nginx_->HttpPort()) + path;
    }
    static lse::testing::NginxServer* nginx_;
};

lse::testing::NginxServer* ClientNginxTest::nginx_ = nullptr;

TEST_F(ClientNginxTest, SequentialGetsReuseOneKeepAliveConnection) {
    ClientHarness h;
    const Url u = ParseUrl(UrlOf("/static"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    for (int i = 0; i < 100; ++i) {
        const Result r = h.Fetch(u.origin, req, 0, /*capture=*/false);
        ASSERT_EQ(r.error, ErrorKind::kNone) << "request " << i;
        ASSERT_EQ(r.status, 200);
        EXPECT_GT(r.bytes_received, lse::testing::NginxServer::kStaticSize);
        EXPECT_EQ(r.bytes_sent, req.bytes.size());
        EXPECT_EQ(r.reused_connection, i > 0);
        EXPECT_TRUE(r.body.empty()) << "capture is off";
    }
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);
    EXPECT_EQ(h.client().IdleConnections(u.origin), 1u);
    EXPECT_EQ(h.client().InFlight(), 0u);
}

TEST_F(ClientNginxTest, TimingsAreOrderedOnAFreshConnection) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/"));
    ASSERT_EQ(r.error, ErrorKind::kNone);
    EXPECT_EQ(r.body, "ok\n");
    const Timings& t = r.t;
    EXPECT_GT(t.queued_ns, 0);
    EXPECT_LE(t.queued_ns, t.connect_start_ns);
    EXPECT_LE(t.connect_start_ns, t.connected_ns);
    EXPECT_LE(t.connected_ns, t.write_start_ns);
    EXPECT_LE(t.write_start_ns, t.first_byte_ns);
    EXPECT_LE(t.first_byte_ns, t.done_ns);
    EXPECT_EQ(t.tls_done_ns, 0);
    const Result again = h.Fetch(UrlOf("/"));
    EXPECT_TRUE(again.reused_connection);
    EXPECT_EQ(again.t.connect_start_ns, 0);
    EXPECT_GT(again.t.write_start_ns, 0);
}

TEST_F(ClientNginxTest, ChunkedBodyIsDecoded) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/chunked"));
    ASSERT_EQ(r.error, ErrorKind::kNone);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "a\nb\nc\nd\n");
    const auto te = std::find_if(r.headers.begin(), r.headers.end(),
                                 [](const auto& kv) { return kv.first == "transfer-encoding"; });
    ASSERT_NE(te, r.headers.end());
    EXPECT_EQ(te->second, "chunked");
}

TEST_F(ClientNginxTest, ConnectionCloseIsNotReused) {
    ClientHarness h;
    const Url u = ParseUrl(UrlOf("/close"));
    for (int i = 0; i < 3; ++i) {
        const Result r = h.Fetch(UrlOf("/close"));
        ASSERT_EQ(r.error, ErrorKind::kNone);
        EXPECT_EQ(r.body, "closing\n");
        EXPECT_FALSE(r.reused_connection);
        EXPECT_EQ(h.client().IdleConnections(u.origin), 0u);
    }
    EXPECT_EQ(h.client().ConnectionsOpened(), 3u);
}

TEST_F(ClientNginxTest, HeadHasNoBodyAndKeepsTheConnection) {
    ClientHarness h;
    const Result head = h.Fetch(UrlOf("/static"), Method::kHead);
    ASSERT_EQ(head.error, ErrorKind::kNone);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    const Result get = h.Fetch(UrlOf("/static"));
    ASSERT_EQ(get.error, ErrorKind::kNone);
    EXPECT_EQ(get.body, lse::testing::NginxServer::StaticBody());
    EXPECT_TRUE(get.reused_connection);
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);
}

TEST_F(ClientNginxTest, ErrorStatusesAreTransportSuccesses) {
    ClientHarness h;
    // nginx answers 500 with Connection: close, so it goes last.
    for (int status : {404, 503, 204, 500}) {
        const Result r = h.Fetch(UrlOf("/status/" + std::to_string(status)));
        EXPECT_EQ(r.error, ErrorKind::kNone) << status;
        EXPECT_EQ(r.status, status);
        EXPECT_EQ(r.reused_connection, status != 404);
    }
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);
    EXPECT_EQ(h.client().IdleConnections(ParseUrl(UrlOf("/")).origin), 0u);
}

TEST_F(ClientNginxTest, BigBodyArrivesWhole) {
    ClientHarness h;
    const Result captured = h.Fetch(UrlOf("/big"));
    ASSERT_EQ(captured.error, ErrorKind::kNone);
    EXPECT_EQ(captured.body.size(), lse::testing::NginxServer::kBigSize);
    const Result counted = h.Fetch(UrlOf("/big"), Method::kGet, "", 0, /*capture=*/false);
    ASSERT_EQ(counted.error, ErrorKind::kNone);
    EXPECT_GT(counted.bytes_received, lse::testing::NginxServer::kBigSize);
    EXPECT_TRUE(counted.reused_connection);
}

TEST_F(ClientNginxTest, PostBodyIsEchoed) {
    ClientHarness h;
    const std::string body(10000, 'p');
    const Result r = h.Fetch(UrlOf("/echo"), Method::kPost, body);
    ASSERT_EQ(r.error, ErrorKind::kNone);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
}

TEST_F(ClientNginxTest, SixtyFourExchangesShareEightConnections) {
    ClientOptions options;
    options.max_connections_per_origin = 8;
    ClientHarness h(options);
    const Url u = ParseUrl(UrlOf("/slow50"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    struct State {
        Client* client;
        int done = 0;
        int ok = 0;
        size_t max_open = 0;
    } state{&h.client()};
    std::vector<TestExchange> exchanges(64);
    for (auto& te : exchanges) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &state;
        te.ex.on_done = [](Exchange* ex, void* user) {
            auto* s = static_cast<State*>(user);
            ++s->done;
            if (ex->result.error == ErrorKind::kNone && ex->result.status == 200) ++s->ok;
            s->max_open = std::max(s->max_open, s->client->OpenConnections());
        };
        ASSERT_TRUE(h.client().Send(&te.ex, /*allow_queue=*/true));
        state.max_open = std::max(state.max_open, h.client().OpenConnections());
    }
    EXPECT_EQ(h.client().InFlight(), 64u);
    EXPECT_LE(h.client().OpenConnections(), 8u);
    ASSERT_TRUE(h.RunUntil([&] { return state.done == 64; }, 30 * kNsPerSec));
    EXPECT_EQ(state.ok, 64);
    EXPECT_LE(state.max_open, 8u);
    EXPECT_LE(h.client().ConnectionsOpened(), 8u);
    EXPECT_GE(h.client().ConnectionsOpened(), 2u);  // The queue really was served concurrently.
    EXPECT_EQ(h.client().InFlight(), 0u);
}

TEST_F(ClientNginxTest, WithoutQueueingAFullPoolRejectsImmediately) {
    ClientOptions options;
    options.max_connections_per_origin = 2;
    ClientHarness h(options);
    const Url u = ParseUrl(UrlOf("/slow50"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    int done = 0;
    std::vector<TestExchange> exchanges(3);
    for (auto& te : exchanges) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &done;
        te.ex.on_done = [](Exchange*, void* user) { ++*static_cast<int*>(user); };
    }
    EXPECT_TRUE(h.client().Send(&exchanges[0].ex, false));
    EXPECT_TRUE(h.client().Send(&exchanges[1].ex, false));
    EXPECT_FALSE(h.client().Send(&exchanges[2].ex, false));  // Dropped: on_done is never called for it.
    EXPECT_FALSE(h.client().Send(&exchanges[0].ex, true)) << "an exchange in flight cannot be sent twice";
    ASSERT_TRUE(h.RunUntil([&] { return done == 2; }));
    h.RunFor(20 * kNsPerMs);
    EXPECT_EQ(done, 2);
    // Both connections are idle now: a non-queueing send is accepted again.
    EXPECT_TRUE(h.client().Send(&exchanges[2].ex, false));
    ASSERT_TRUE(h.RunUntil([&] { return done == 3; }));
    EXPECT_EQ(exchanges[2].ex.result.status, 200);
}

TEST_F(ClientNginxTest, ClosedModelLoopReSendsFromCompletion) {
    ClientHarness h;
    const Url u = ParseUrl(UrlOf("/"));
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    struct State {
        Client* client;
        int remaining = 500;
        int ok = 0;
    } state{&h.client()};
    std::vector<TestExchange> vusers(4);
    for (auto& te : vusers) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &state;
        te.ex.on_done = [](Exchange* ex, void* user) {
            auto* s = static_cast<State*>(user);
            if (ex->result.error == ErrorKind::kNone && ex->result.status == 200) ++s->ok;
            if (--s->remaining >= 4) {
                EXPECT_TRUE(s->client->Send(ex, true));
            }
        };
        ASSERT_TRUE(h.client().Send(&te.ex, true));
    }
    ASSERT_TRUE(h.RunUntil([&] { return state.remaining <= 0 && h.client().InFlight() == 0; }, 30 * kNsPerSec));
    EXPECT_EQ(state.ok, 500);
    EXPECT_LE(h.client().ConnectionsOpened(), 4u);
}

}  // namespace
}  // namespace lse::http
