// NginxServer fixture: it starts, serves the documented locations and logs each request.

#include <gtest/gtest.h>

#include <filesystem>

#include "lse/testing/http_get.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/ports.hpp"

namespace lse::testing {
namespace {

TEST(NginxServerTest, ServesDocumentedLocations) {
    NginxServer nginx;
    nginx.Start();
    ASSERT_GT(nginx.HttpPort(), 0);
    ASSERT_NE(nginx.HttpPort(), nginx.HttpsPort());
    EXPECT_TRUE(std::filesystem::exists(nginx.CaCertPath()));

    SimpleResponse root = HttpGet(nginx.HttpPort(), "/");
    EXPECT_EQ(root.status, 200) << root.error;
    EXPECT_EQ(root.body, "ok\n");
    EXPECT_EQ(root.headers["content-length"], "3");

    SimpleResponse chunked = HttpGet(nginx.HttpPort(), "/chunked");
    EXPECT_EQ(chunked.status, 200) << chunked.error;
    EXPECT_EQ(chunked.headers["transfer-encoding"], "chunked");
    EXPECT_EQ(chunked.body, "a\nb\nc\nd\n");

    SimpleResponse fixed = HttpGet(nginx.HttpPort(), "/static");
    EXPECT_EQ(fixed.status, 200);
    EXPECT_EQ(fixed.body, NginxServer::StaticBody());

    SimpleResponse big = HttpGet(nginx.HttpPort(), "/big");
    EXPECT_EQ(big.status, 200) << big.error;
    EXPECT_EQ(big.body.size(), NginxServer::kBigSize);

    EXPECT_EQ(HttpGet(nginx.HttpPort(), "/status/503").status, 503);
    EXPECT_EQ(HttpGet(nginx.HttpPort(), "/status/404").status, 404);
    EXPECT_EQ(HttpGet(nginx.HttpPort(), "/no/such/thing").status, 404);

    SimpleResponse slow = HttpGet(nginx.HttpPort(), "/slow?s=0.01");
    EXPECT_EQ(slow.status, 200) << slow.error;
    EXPECT_EQ(slow.body, "done\n");
    EXPECT_EQ(HttpGet(nginx.HttpPort(), "/slow50").body, "done\n");

    SimpleResponse echo = HttpRequestSync(nginx.HttpPort(), "POST", "/echo", "payload");
    EXPECT_EQ(echo.status, 200) << echo.error;
    EXPECT_EQ(echo.body, "payload");

    EXPECT_EQ(HttpGet(nginx.HttpPort(), "/close").headers["connection"], "close");

    // The HTTPS port accepts TCP connections (TLS itself is the engine's tests' business).
    EXPECT_TRUE(WaitForTcpPort(nginx.HttpsPort(), 1000));

    EXPECT_EQ(nginx.CountRequests("\"GET /static HTTP/1.1\" 200"), 1);
    EXPECT_EQ(nginx.CountRequests("\"GET /status/503 HTTP/1.1\" 503"), 1);
}

TEST(NginxServerTest, StopRemovesTheDirectory) {
    NginxServer nginx;
    nginx.Start({.keepalive_timeout = "1s", .keepalive_requests = 10});
    std::string dir = nginx.Dir();
    int port = nginx.HttpPort();
    ASSERT_TRUE(std::filesystem::exists(dir + "/nginx.conf"));
    nginx.Stop();
    EXPECT_FALSE(std::filesystem::exists(dir));
    EXPECT_FALSE(WaitForTcpPort(port, 50));
}

}  // namespace
}  // namespace lse::testing
