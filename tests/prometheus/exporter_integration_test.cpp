// The exporter as a RunObserver with its HTTP server on loopback: what a scrape gets, how it treats
// bad and slow clients, binding errors and shutdown.
#include "lse/prometheus/exporter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "exposition_parser.hpp"
#include "lse/core/errors.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/testing/http_get.hpp"
#include "snapshot_builder.hpp"

namespace lse::prometheus {
namespace {

using testing::AddResponses;
using testing::Exposition;
using testing::Request;

// A connected socket that sends nothing unless told to: a stuck or slow client.
class IdleClient {
public:
    explicit IdleClient(int port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~IdleClient() { close(fd_); }
    bool Connected() const { return connected_; }
    void Send(const std::string& s) { (void)send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }

private:
    int fd_ = -1;
    bool connected_ = false;
};

Exposition Parse(const std::string& text) {
    Exposition e;
    std::string error;
    EXPECT_TRUE(testing::ParseExposition(text, &e, &error)) << error;
    return e;
}

double ElapsedMs(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// Every field given: IntervalUpdate holds references, so it is built by aggregate initialisation.
report::IntervalUpdate Update(const metrics::Snapshot& interval, const metrics::Snapshot& cumulative) {
    return report::IntervalUpdate{interval, cumulative, 0, 0, 0, 0, "steady", {}};
}

report::RunDescription Description() {
    report::RunDescription run;
    run.command = "run";
    run.script = "shop.lua";
    run.target = "http://127.0.0.1:8080";
    run.total_ns = 30'000'000'000;
    return run;
}

TEST(PrometheusExporter, ServesTheLatestRenderingAtMetrics) {
    PrometheusExporter exporter("127.0.0.1:0");
    ASSERT_GT(exporter.BoundPort(), 0);
    const auto before = lse::testing::HttpGet(exporter.BoundPort(), "/metrics");
    ASSERT_EQ(before.status, 200) << before.error;
    EXPECT_NE(before.body.find("# TYPE lsengine_requests_total counter"), std::string::npos);

    exporter.OnStart(Description());
    metrics::Snapshot interval;
    auto& r = Request(&interval, "browse", "home", "GET /");
    AddResponses(&interval, &r, 3, 200, 1'000, 2'000);
    metrics::Snapshot cumulative = interval;
    report::IntervalUpdate update = Update(interval, cumulative);
    update.elapsed_ns = 1'000'000'000;
    update.total_ns = 30'000'000'000;
    update.target_rps = 50;
    update.active_vusers = 7;
    exporter.OnInterval(update);

    const auto got = lse::testing::HttpGet(exporter.BoundPort(), "/metrics");
    ASSERT_EQ(got.status, 200) << got.error;
    EXPECT_EQ(got.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(got.body, exporter.CurrentText());
    const Exposition e = Parse(got.body);
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "GET /"}, {"status", "200"}}), 3);
    EXPECT_EQ(e.Value("lsengine_run_elapsed_seconds"), 1);
    EXPECT_EQ(e.Value("lsengine_run_duration_seconds"), 30);
    EXPECT_EQ(e.Value("lsengine_target_rps"), 50);
    EXPECT_EQ(e.Value("lsengine_active_vusers"), 7);
    EXPECT_EQ(e.Value("lsengine_run_finished"), 0);
    EXPECT_EQ(e.Value("lsengine_run_info", {{"script", "shop.lua"}}), 1);
    // A query string does not change the document.
    EXPECT_EQ(lse::testing::HttpGet(exporter.BoundPort(), "/metrics?name[]=x").status, 200);
}

TEST(PrometheusExporter, KeepsServingFinalValuesAfterOnEnd) {
    PrometheusExporter exporter("127.0.0.1:0");
    exporter.OnStart(Description());
    metrics::Snapshot total;
    auto& r = Request(&total, "browse", "home", "GET /");
    AddResponses(&total, &r, 9, 200, 1'000, 2'000);
    report::IntervalUpdate update = Update(total, total);
    update.active_vusers = 4;
    exporter.OnInterval(update);

    report::SummaryInput summary(total, 12'000'000'000);
    thresholds::Verdict passed;
    passed.passed = true;
    thresholds::Verdict failed;
    summary.verdicts = {passed, failed, failed};
    exporter.OnEnd(report::RunOutcome{summary, {}, 3, "threshold failed"});

    for (int scrape = 0; scrape < 2; ++scrape) {
        const auto got = lse::testing::HttpGet(exporter.BoundPort(), "/metrics");
        ASSERT_EQ(got.status, 200) << got.error;
        const Exposition e = Parse(got.body);
        EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "GET /"}, {"status", "200"}}), 9);
        EXPECT_EQ(e.Value("lsengine_thresholds_failed"), 2);
        EXPECT_EQ(e.Value("lsengine_run_finished"), 1);
        EXPECT_EQ(e.Value("lsengine_run_elapsed_seconds"), 12);
        EXPECT_EQ(e.Value("lsengine_active_vusers"), 0);
    }
}

TEST(PrometheusExporter, OtherPathsAndMethods) {
    PrometheusExporter exporter("127.0.0.1:0");
    const int port = exporter.BoundPort();
    EXPECT_EQ(lse::testing::HttpGet(port, "/").status, 404);
    EXPECT_EQ(lse::testing::HttpGet(port, "/metricsx").status, 404);
    const auto post = lse::testing::HttpRequestSync(port, "POST", "/metrics", "x");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");

    std::string raw;
    std::string error;
    ASSERT_TRUE(lse::testing::RawExchange(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 5'000, &raw, &error))
        << error;
    const auto head = lse::testing::ParseRawResponse(raw, true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.at("content-length"), std::to_string(exporter.CurrentText().size()));
    EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), "") << "HEAD has no body";
}

TEST(PrometheusExporter, RejectsMalformedAndOversizedRequestsAndKeepsServing) {
    PrometheusExporter exporter("127.0.0.1:0");
    const int port = exporter.BoundPort();
    std::string raw;
    std::string error;
    ASSERT_TRUE(lse::testing::RawExchange(port, "garbage\r\n\r\n", 5'000, &raw, &error)) << error;
    EXPECT_EQ(lse::testing::ParseRawResponse(raw).status, 400) << raw;

    raw.clear();
    const std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
    ASSERT_TRUE(lse::testing::RawExchange(port, huge, 5'000, &raw, &error)) << error;
    EXPECT_EQ(lse::testing::ParseRawResponse(raw).status, 431) << raw.substr(0, 200);

    EXPECT_EQ(lse::testing::HttpGet(port, "/metrics").status, 200);
}

TEST(PrometheusExporter, SlowClientsDoNotHoldUpScrapes) {
    PrometheusExporter exporter("127.0.0.1:0");
    const int port = exporter.BoundPort();
    std::vector<std::unique_ptr<IdleClient>> idle;
    for (int i = 0; i < 8; ++i) {
        idle.push_back(std::make_unique<IdleClient>(port));
        ASSERT_TRUE(idle.back()->Connected());
        if (i % 2 == 0) idle.back()->Send("GET /metr");  // half a request line, then silence
    }
    const auto start = std::chrono::steady_clock::now();
    const auto got = lse::testing::HttpRequestSync(port, "GET", "/metrics", "", {}, 5'000);
    EXPECT_EQ(got.status, 200) << got.error;
    // The connection timeout is 10 s: being answered well before it proves nobody waited on the idle ones.
    EXPECT_LT(ElapsedMs(start), 5'000);
}

TEST(PrometheusExporter, LargeDocumentArrivesWhole) {
    PrometheusExporter exporter("127.0.0.1:0");
    metrics::Snapshot total;
    for (int i = 0; i < 200; ++i) {
        auto& r = Request(&total, "sc", "t", "GET /item/" + std::to_string(i));
        AddResponses(&total, &r, 1, 200, 1'000 + i, 2'000 + i);
    }
    exporter.OnInterval(Update(total, total));
    ASSERT_GT(exporter.CurrentText().size(), 200'000u);
    const auto got = lse::testing::HttpGet(exporter.BoundPort(), "/metrics");
    ASSERT_EQ(got.status, 200) << got.error;
    EXPECT_EQ(got.body, exporter.CurrentText());
}

TEST(PrometheusExporter, BindFailureIsSetupErrorWithErrnoText) {
    PrometheusExporter first("127.0.0.1:0");
    const std::string address = "127.0.0.1:" + std::to_string(first.BoundPort());
    try {
        PrometheusExporter second(address);
        FAIL() << "bound twice to " << address;
    } catch (const SetupError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("--prometheus " + address), std::string::npos) << what;
        EXPECT_NE(what.find(std::strerror(EADDRINUSE)), std::string::npos) << what;
    }
}

TEST(PrometheusExporter, MalformedAddressIsUsageError) {
    EXPECT_THROW(PrometheusExporter("9464"), UsageError);
    EXPECT_THROW(PrometheusExporter("127.0.0.1:99999"), UsageError);
}

TEST(PrometheusExporter, AllInterfacesAndHostNameForms) {
    for (const char* address : {":0", "localhost:0"}) {
        PrometheusExporter exporter(address);
        ASSERT_GT(exporter.BoundPort(), 0) << address;
        EXPECT_EQ(lse::testing::HttpGet(exporter.BoundPort(), "/metrics").status, 200) << address;
    }
}

TEST(PrometheusExporter, DestructorReturnsPromptlyWithClientsConnected) {
    auto exporter = std::make_unique<PrometheusExporter>("127.0.0.1:0");
    IdleClient idle(exporter->BoundPort());
    ASSERT_TRUE(idle.Connected());
    idle.Send("GET /metrics HTTP/1.1\r\n");
    const auto start = std::chrono::steady_clock::now();
    exporter.reset();
    EXPECT_LT(ElapsedMs(start), 2'000);
}

}  // namespace
}  // namespace lse::prometheus
