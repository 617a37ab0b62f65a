// Integration: faults served by the demo target (resets, garbage, hangs, close-delimited bodies, idle
// keep-alive closes) and the client's documented reaction to each.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "client_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;

std::string UrlFor(const lse::testing::DemoTargetProcess& target, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(target.Port()) + path;
}

class ClientDemoTargetTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        target_ = new lse::testing::DemoTargetProcess();
        target_->Start();
    }
    static void TearDownTestSuite() {
        delete target_;
        target_ = nullptr;
    }
    static std::string UrlOf(const std::string& path) { return UrlFor(*target_, path); }
    static lse::testing::DemoTargetProcess* target_;
};

lse::testing::DemoTargetProcess* ClientDemoTargetTest::target_ = nullptr;

TEST_F(ClientDemoTargetTest, ResetMidResponseIsReset) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/fault/reset"));
    EXPECT_EQ(r.error, ErrorKind::kReset);
    EXPECT_EQ(r.attempts, 1);  // Response bytes had arrived: never retried.
    EXPECT_FALSE(r.error_detail.empty());
    // The client is still usable afterwards.
    EXPECT_EQ(h.Fetch(UrlOf("/")).status, 200);
}

TEST_F(ClientDemoTargetTest, GarbageIsAParseError) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/fault/garbage"));
    EXPECT_EQ(r.error, ErrorKind::kParse);
    EXPECT_NE(r.error_detail.find("invalid HTTP response"), std::string::npos) << r.error_detail;
}

TEST_F(ClientDemoTargetTest, HangTimesOutAndClosesTheConnection) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/fault/hang"), Method::kGet, "", 200 * kNsPerMs);
    EXPECT_EQ(r.error, ErrorKind::kTimeout);
    const std::int64_t took = r.t.done_ns - r.t.queued_ns;
    EXPECT_GE(took, 190 * kNsPerMs);
    EXPECT_LT(took, 5 * kNsPerSec);
    EXPECT_EQ(h.client().OpenConnections(), 0u);
    const Result next = h.Fetch(UrlOf("/"));
    EXPECT_EQ(next.status, 200);
    EXPECT_FALSE(next.reused_connection);
}

TEST_F(ClientDemoTargetTest, CloseDelimitedBodyEndsAtEof) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/fault/close-delimited"));
    ASSERT_EQ(r.error, ErrorKind::kNone);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "close-delimited body\n");
    EXPECT_EQ(h.client().IdleConnections(ParseUrl(UrlOf("/")).origin), 0u);
}

TEST_F(ClientDemoTargetTest, CloseBeforeResponseOnAFreshConnectionIsNotRetried) {
    ClientHarness h;
    const Result r = h.Fetch(UrlOf("/fault/close-before-response"));
    EXPECT_EQ(r.error, ErrorKind::kReset);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(h.client().ConnectAttempts(), 1u);
}

TEST_F(ClientDemoTargetTest, ChunkedAndCloseRoutes) {
    ClientHarness h;
    const Result chunked = h.Fetch(UrlOf("/chunked"));
    ASSERT_EQ(chunked.error, ErrorKind::kNone);
    EXPECT_EQ(chunked.status, 200);
    EXPECT_FALSE(chunked.body.empty());
    const Result closed = h.Fetch(UrlOf("/close"));
    ASSERT_EQ(closed.error, ErrorKind::kNone);
    EXPECT_EQ(closed.status, 200);
    EXPECT_EQ(h.client().IdleConnections(ParseUrl(UrlOf("/")).origin), 0u);
}

// The server closes keep-alive connections idle for 200 ms.
class ClientIdleCloseTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start({"--idle-timeout", "200ms"}); }
    std::string UrlOf(const std::string& path) const { return UrlFor(target_, path); }
    lse::testing::DemoTargetProcess target_;
};

TEST_F(ClientIdleCloseTest, IdleCloseNoticedWhileTheLoopRunsUsesAFreshConnection) {
    ClientHarness h;
    ASSERT_EQ(h.Fetch(UrlOf("/")).status, 200);
    const Origin origin = ParseUrl(UrlOf("/")).origin;
    EXPECT_EQ(h.client().IdleConnections(origin), 1u);
    h.RunFor(400 * kNsPerMs);  // The loop sees the server's FIN and drops the idle connection.
    EXPECT_EQ(h.client().IdleConnections(origin), 0u);
    const Result post = h.Fetch(UrlOf("/"), Method::kPost, "x");
    EXPECT_EQ(post.error, ErrorKind::kNone);
    EXPECT_EQ(post.attempts, 1);
    EXPECT_FALSE(post.reused_connection);
    EXPECT_EQ(h.client().ConnectionsOpened(), 2u);
}

TEST_F(ClientIdleCloseTest, StaleConnectionRetriesIdempotentRequestOnce) {
    ClientHarness h;
    ASSERT_EQ(h.Fetch(UrlOf("/")).status, 200);
    // Sleep OUTSIDE the loop: the FIN is queued in the kernel but the pool still holds the connection,
    // exactly the race a busy load generator hits.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const Result get = h.Fetch(UrlOf("/"));
    EXPECT_EQ(get.error, ErrorKind::kNone);
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.attempts, 2);
    EXPECT_FALSE(get.reused_connection);  // The successful attempt ran on a fresh connection.
    EXPECT_EQ(h.client().ConnectionsOpened(), 2u);
}

TEST_F(ClientIdleCloseTest, StaleConnectionDoesNotRetryPost) {
    ClientHarness h;
    ASSERT_EQ(h.Fetch(UrlOf("/")).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const Result post = h.Fetch(UrlOf("/"), Method::kPost, "x");
    EXPECT_EQ(post.error, ErrorKind::kReset);
    EXPECT_EQ(post.attempts, 1);
    EXPECT_TRUE(post.reused_connection);
    EXPECT_EQ(h.client().ConnectionsOpened(), 1u);
}

}  // namespace
}  // namespace lse::http
