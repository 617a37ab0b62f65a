// Integration: dead targets (refused port, unresolvable name), reconnect backoff, cancellation and
// shutdown with work in flight.
#include <gtest/gtest.h>
#include <time.h>

#include <string>
#include <vector>

#include "client_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/ports.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;
using testing::TestExchange;

std::int64_t ProcessCpuNs() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

TEST(ClientFailureTest, RefusedPortIsConnectError) {
    const int port = lse::testing::FreeTcpPort();  // Nothing listens there.
    ClientHarness h;
    const Result r = h.Fetch("http://127.0.0.1:" + std::to_string(port) + "/");
    EXPECT_EQ(r.error, ErrorKind::kConnect);
    EXPECT_NE(r.error_detail.find("refused"), std::string::npos) << r.error_detail;
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(h.client().ConnectionsOpened(), 0u);
}

TEST(ClientFailureTest, ClosedLoopAgainstDeadTargetBacksOffInsteadOfSpinning) {
    const int port = lse::testing::FreeTcpPort();
    ClientOptions options;
    options.reconnect_backoff_min_ns = 10 * kNsPerMs;
    options.reconnect_backoff_max_ns = 200 * kNsPerMs;
    ClientHarness h(options);
    const Url u = ParseUrl("http://127.0.0.1:" + std::to_string(port) + "/");
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    struct State {
        Client* client;
        bool stop = false;
        int failures = 0;
        int other = 0;
    } state{&h.client()};
    std::vector<TestExchange> vusers(8);
    for (auto& te : vusers) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &state;
        te.ex.on_done = [](Exchange* ex, void* user) {
            auto* s = static_cast<State*>(user);
            if (ex->result.error == ErrorKind::kConnect) {
                ++s->failures;
            } else {
                ++s->other;
            }
            if (!s->stop) s->client->Send(ex, true);  // Closed model: go again immediately.
        };
        ASSERT_TRUE(h.client().Send(&te.ex, true));
    }
    const std::int64_t cpu_before = ProcessCpuNs();
    h.RunFor(1 * kNsPerSec);
    const std::int64_t cpu_used = ProcessCpuNs() - cpu_before;
    state.stop = true;
    ASSERT_TRUE(h.RunUntil([&] { return h.client().InFlight() == 0; }, 5 * kNsPerSec));

    // 10, 20, 40, 80, 160, 200, 200... ms: about 8 probes in a second (plus the initial burst).
    const std::uint64_t attempts = h.client().ConnectAttempts();
    EXPECT_GE(attempts, 3u);
    EXPECT_LE(attempts, 30u);
    EXPECT_GE(state.failures, 8);
    EXPECT_LE(state.failures, 8 * 30);
    EXPECT_EQ(state.other, 0);
    EXPECT_LT(cpu_used, 500 * kNsPerMs) << "the loop spun against a dead target";
}

TEST(ClientFailureTest, BackoffResetsWhenTheTargetComesBack) {
    const int port = lse::testing::FreeTcpPort();
    ClientOptions options;
    options.reconnect_backoff_min_ns = 20 * kNsPerMs;
    options.reconnect_backoff_max_ns = 100 * kNsPerMs;
    ClientHarness h(options);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    EXPECT_EQ(h.Fetch(url).error, ErrorKind::kConnect);
    // Started on the same port (the demo target takes --port; DemoTargetProcess passes --port 0 first and
    // the last flag wins).
    lse::testing::DemoTargetProcess target;
    target.Start({"--port", std::to_string(port)});
    ASSERT_EQ(target.Port(), port);
    const Result r = h.Fetch(url);
    EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 200);
}

TEST(ClientFailureTest, UnresolvableHostIsDnsError) {
    ClientOptions options;
    options.connect_timeout_ns = 3 * kNsPerSec;  // Bounds a slow resolver too (also reported as kDns).
    ClientHarness h(options);
    const Result r = h.Fetch("http://does-not-exist.invalid/");
    EXPECT_EQ(r.error, ErrorKind::kDns);
    EXPECT_NE(r.error_detail.find("does-not-exist.invalid"), std::string::npos) << r.error_detail;
}

TEST(ClientFailureTest, LocalhostNameResolves) {
    lse::testing::DemoTargetProcess target;
    target.Start();
    ClientHarness h;
    const Result r = h.Fetch("http://localhost:" + std::to_string(target.Port()) + "/");
    EXPECT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 200);
}

TEST(ClientFailureTest, CancelAllAndCloseCompleteEverythingInFlight) {
    lse::testing::DemoTargetProcess target;
    target.Start();
    ClientOptions options;
    options.max_connections_per_origin = 2;
    ClientHarness h(options);
    const Url u = ParseUrl("http://127.0.0.1:" + std::to_string(target.Port()) + "/fault/hang");
    const PreparedRequest req = PreparedRequest::Build(Method::kGet, u.origin, u.path_and_query, {}, "");
    struct State {
        Client* client;
        int cancelled = 0;
        int resend_rejected = 0;
    } state{&h.client()};
    std::vector<TestExchange> exchanges(5);
    for (auto& te : exchanges) {
        te.ex.origin = &u.origin;
        te.ex.request = &req;
        te.ex.user = &state;
        te.ex.on_done = [](Exchange* ex, void* user) {
            auto* s = static_cast<State*>(user);
            if (ex->result.error == ErrorKind::kTimeout) ++s->cancelled;
            if (!s->client->Send(ex, true)) ++s->resend_rejected;
        };
        ASSERT_TRUE(h.client().Send(&te.ex, true));
    }
    h.RunFor(100 * kNsPerMs);  // Two are on connections, three queued.
    EXPECT_EQ(h.client().InFlight(), 5u);
    h.client().CancelAll(ErrorKind::kTimeout);
    EXPECT_EQ(state.cancelled, 5);
    EXPECT_EQ(state.resend_rejected, 5);
    EXPECT_EQ(h.client().InFlight(), 0u);

    // Close() with an exchange in flight completes it with kReset.
    exchanges[0].ex.on_done = [](Exchange* ex, void* user) {
        *static_cast<int*>(user) = static_cast<int>(ex->result.error);
    };
    int outcome = -1;
    exchanges[0].ex.user = &outcome;
    ASSERT_TRUE(h.client().Send(&exchanges[0].ex, true));
    h.RunFor(50 * kNsPerMs);
    EXPECT_EQ(h.Shutdown(), 0);
    EXPECT_EQ(outcome, static_cast<int>(ErrorKind::kReset));
}

}  // namespace
}  // namespace lse::http
