// The service's HTTP server on loopback with raw requests: what a handler sees, streamed answers, and the bounds
// (malformed requests, oversized bodies, a client that sends nothing, stopping while a stream is open).

#include "http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "lse/testing/http_get.hpp"

namespace lse::service {
namespace {

using Clock = std::chrono::steady_clock;

// Echoes what it parsed; /stream writes three lines, /forever streams until the server stops.
void Echo(const HttpRequest& r, HttpResponder& out) {
    if (r.path == "/stream") {
        if (!out.BeginStream(200, "application/x-ndjson")) return;
        for (int i = 0; i < 3; ++i) out.Write("{\"n\":" + std::to_string(i) + "}\n");
        return;
    }
    if (r.path == "/forever") {
        if (!out.BeginStream(200, "text/plain")) return;
        while (out.Write("tick\n")) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return;
    }
    const nlohmann::json j{{"method", r.method}, {"path", r.path},           {"query", r.query},
                           {"x_test", r.Header("x-test")}, {"body", r.body}};
    out.Send(200, "application/json", j.dump());
}

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override { server_ = std::make_unique<HttpServer>(prometheus::ListenAddress{"127.0.0.1", 0}, "--listen", Echo); }

    testing::SimpleResponse Raw(const std::string& request, int timeout_ms = 5000) {
        std::string raw;
        std::string error;
        testing::RawExchange(server_->BoundPort(), request, timeout_ms, &raw, &error);
        return testing::ParseRawResponse(raw);
    }

    std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, TheHandlerSeesMethodPathQueryHeadersAndBody) {
    auto r = Raw("GET /runs/abc?follow=1 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n\r\n");
    ASSERT_EQ(r.status, 200);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["method"], "GET");
    EXPECT_EQ(j["path"], "/runs/abc");
    EXPECT_EQ(j["query"], "follow=1");
    EXPECT_EQ(j["x_test"], "yes");
    EXPECT_EQ(r.headers["connection"], "close");

    r = Raw("POST /runs HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"a\":\"b\"}\r\n");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "{\"a\":\"b\"}\r\n");
    // Chunked bodies arrive whole.
    r = Raw("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "abcde");
}

TEST_F(HttpServerTest, AStreamEndsWhenTheHandlerReturns) {
    auto r = Raw("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
    EXPECT_EQ(r.body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

TEST_F(HttpServerTest, MalformedAndOversizedRequestsAreRefused) {
    EXPECT_EQ(Raw("NOT HTTP AT ALL\r\n\r\n").status, 400);
    EXPECT_EQ(Raw("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n").status, 413);
    const std::string huge_header = "GET / HTTP/1.1\r\nX-Big: " + std::string(HttpServer::kMaxHeadBytes + 10, 'a');
    EXPECT_EQ(Raw(huge_header).status, 413);
}

TEST_F(HttpServerTest, AClientThatSendsNothingHoldsUpNoOne) {
    const int idle = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(server_->BoundPort()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const auto start = Clock::now();
    EXPECT_EQ(Raw("GET /x HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    close(idle);
}

TEST_F(HttpServerTest, StopEndsOpenStreamsPromptly) {
    std::string raw;
    std::thread reader([&] {
        std::string error;
        testing::RawExchange(server_->BoundPort(), "GET /forever HTTP/1.1\r\nHost: x\r\n\r\n", 10'000, &raw, &error);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto start = Clock::now();
    server_->Stop();
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
    reader.join();
    EXPECT_NE(raw.find("tick\n"), std::string::npos);
}

}  // namespace
}  // namespace lse::service
