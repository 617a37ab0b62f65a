// lsengine-demo-target over real loopback sockets, driven through lse_test_support.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <nlohmann/json.hpp>

#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"

namespace lse::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using json = nlohmann::json;

class DemoTargetTest : public ::testing::Test {
protected:
    void SetUp() override { server_.Start(); }

    int Port() const { return server_.Port(); }

    std::string Login(const std::string& user) {
        const std::string request = json{{"user", user}, {"pass", "secret"}}.dump();
        SimpleResponse r = HttpRequestSync(Port(), "POST", "/auth/login", request, {{"Content-Type", "application/json"}});
        EXPECT_EQ(r.status, 200) << r.error << r.body;
        json body = json::parse(r.body, nullptr, false);
        EXPECT_TRUE(body.is_object()) << r.body;
        EXPECT_EQ(body.value("user", ""), user);
        return body.value("access_token", "");
    }

    SimpleResponse Get(const std::string& path, const std::string& token = "") {
        Headers headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return HttpRequestSync(Port(), "GET", path, "", headers);
    }

    DemoTargetProcess server_;
};

TEST_F(DemoTargetTest, LoginThenProductsIsCountedPerToken) {
    std::string t1 = Login("u1");
    std::string t2 = Login("u2");
    ASSERT_EQ(t1.rfind("tok-u1-", 0), 0u) << t1;
    ASSERT_NE(t1, t2);

    for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/api/products", t1).status, 200);
    SimpleResponse products = Get("/api/products", t2);
    EXPECT_EQ(products.status, 200);
    json list = json::parse(products.body, nullptr, false);
    ASSERT_TRUE(list.is_array()) << products.body;
    EXPECT_FALSE(list.empty());

    EXPECT_EQ(Get("/api/products").status, 401);
    EXPECT_EQ(Get("/api/products", "tok-forged-0000").status, 401);
    EXPECT_EQ(HttpRequestSync(Port(), "POST", "/auth/login", R"({"user":"u1","pass":"wrong"})").status, 401);
    EXPECT_EQ(HttpRequestSync(Port(), "POST", "/auth/login", "{not json").status, 400);

    json stats = server_.Stats();
    EXPECT_EQ(stats["by_token"][t1], 3);
    EXPECT_EQ(stats["by_token"][t2], 1);
    EXPECT_EQ(stats["by_token"]["tok-forged-0000"], 1);
    EXPECT_EQ(stats["logins"]["u1"], 1);  // Only successful logins count.
    EXPECT_EQ(stats["logins"]["u2"], 1);
    EXPECT_EQ(stats["by_route"]["GET /api/products"], 6);
    EXPECT_EQ(stats["by_route"]["POST /auth/login"], 4);
    EXPECT_EQ(stats["by_status"]["401"], 3);
    EXPECT_EQ(stats["total"], 10);
}

TEST_F(DemoTargetTest, ProjectsCrud) {
    SimpleResponse created = HttpRequestSync(Port(), "POST", "/api/v1/projects", R"({"name":"alpha","size":1})");
    ASSERT_EQ(created.status, 201) << created.body;
    json project = json::parse(created.body);
    const int id = project["id"];
    EXPECT_EQ(project["name"], "alpha");
    const std::string item = "/api/v1/projects/" + std::to_string(id);

    EXPECT_EQ(HttpRequestSync(Port(), "POST", "/api/v1/projects", R"({"size":1})").status, 400);
    EXPECT_EQ(json::parse(Get("/api/v1/projects").body).size(), 1u);
    EXPECT_EQ(json::parse(Get(item).body)["size"], 1);

    SimpleResponse patched = HttpRequestSync(Port(), "PATCH", item, R"({"size":2})");
    EXPECT_EQ(patched.status, 200);
    EXPECT_EQ(json::parse(patched.body)["name"], "alpha");  // PATCH merges...
    SimpleResponse put = HttpRequestSync(Port(), "PUT", item, R"({"name":"beta"})");
    EXPECT_EQ(put.status, 200);
    EXPECT_FALSE(json::parse(put.body).contains("size"));  // ...PUT replaces.
    EXPECT_EQ(json::parse(Get(item).body)["name"], "beta");

    SimpleResponse deleted = HttpRequestSync(Port(), "DELETE", item);
    EXPECT_EQ(deleted.status, 204);
    EXPECT_TRUE(deleted.body.empty());
    EXPECT_EQ(Get(item).status, 404);
    EXPECT_EQ(HttpRequestSync(Port(), "DELETE", item).status, 404);

    json stats = server_.Stats();
    EXPECT_EQ(stats["by_route"]["GET /api/v1/projects/{id}"], 3);
    EXPECT_EQ(stats["by_route"]["DELETE /api/v1/projects/{id}"], 2);
    ASSERT_EQ(stats["bodies"]["POST /api/v1/projects"].size(), 2u);
    EXPECT_EQ(stats["bodies"]["POST /api/v1/projects"][0], R"({"name":"alpha","size":1})");
}

TEST_F(DemoTargetTest, OrdersCountEveryCallPerOrderAndWrongIds) {
    SimpleResponse a = HttpRequestSync(Port(), "POST", "/api/v1/orders", R"({"sku":"A-1"})");
    SimpleResponse b = HttpRequestSync(Port(), "POST", "/api/v1/orders", R"({"sku":"B-2"})");
    ASSERT_EQ(a.status, 201) << a.body;
    ASSERT_EQ(b.status, 201) << b.body;
    const json order = json::parse(a.body);
    EXPECT_EQ(order["sku"], "A-1");
    const std::int64_t id = order["id"];
    const std::int64_t other = json::parse(b.body)["id"];
    EXPECT_NE(id, other);
    EXPECT_NE(other - id, 1) << "ids must not be sequential";
    EXPECT_GE(id, 1'000'000'000'000);  // 13 digits: exact as a Lua number, printed without an exponent
    EXPECT_LT(id, 10'000'000'000'000);
    const std::string item = "/api/v1/orders/" + std::to_string(id);

    EXPECT_EQ(Get(item).status, 200);
    EXPECT_EQ(json::parse(Get(item).body)["sku"], "A-1");
    SimpleResponse put = HttpRequestSync(Port(), "PUT", item, json{{"id", id}, {"qty", 2}}.dump());
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(json::parse(put.body)["qty"], 2);
    SimpleResponse patched = HttpRequestSync(Port(), "PATCH", item, json{{"id", std::to_string(id)}, {"note", "x"}}.dump());
    EXPECT_EQ(patched.status, 200) << "a string id naming the same order is accepted";
    EXPECT_EQ(json::parse(patched.body)["qty"], 2) << "PATCH merges";
    EXPECT_EQ(HttpRequestSync(Port(), "PUT", item, json{{"id", other}}.dump()).status, 400);
    EXPECT_EQ(HttpRequestSync(Port(), "PUT", item, "not json").status, 400);
    EXPECT_EQ(HttpRequestSync(Port(), "DELETE", item).status, 204);
    EXPECT_EQ(Get(item).status, 404) << "a deleted order is gone";
    EXPECT_EQ(HttpRequestSync(Port(), "DELETE", item).status, 404);
    EXPECT_EQ(Get("/api/v1/orders/" + std::to_string(id + 1)).status, 404);
    EXPECT_EQ(Get("/api/v1/orders/").status, 404);
    EXPECT_EQ(HttpRequestSync(Port(), "POST", "/api/v1/orders", R"({"qty":1})").status, 400);

    const json orders = server_.Stats()["orders"];
    EXPECT_EQ(orders["created"], 2);
    EXPECT_EQ(orders["wrong_id"], 3);
    EXPECT_EQ(orders["empty_id"], 1);
    EXPECT_EQ(orders["id_mismatch"], 1);
    EXPECT_EQ(orders["bad_body"], 2);
    EXPECT_EQ(orders["lifecycles"], json({{"get=2 update=2 delete=1", 1}, {"get=0 update=0 delete=0", 1}}))
        << orders.dump();
    EXPECT_EQ(server_.Stats()["by_route"]["GET /api/v1/orders/{id}"], 4) << "ids collapse into one route";
    EXPECT_EQ(server_.Stats()["by_route"]["GET /api/v1/orders/"], 1);
}

TEST_F(DemoTargetTest, OrderCreateVariantsLackTheIdOrAreNotJson) {
    SimpleResponse no_id = HttpRequestSync(Port(), "POST", "/api/v1/orders?omit_id=1", R"({"sku":"A-1"})");
    EXPECT_EQ(no_id.status, 201);
    EXPECT_EQ(json::parse(no_id.body), json({{"sku", "A-1"}}));
    SimpleResponse html = HttpRequestSync(Port(), "POST", "/api/v1/orders?html=1", R"({"sku":"A-1"})");
    EXPECT_EQ(html.status, 201);
    EXPECT_EQ(html.headers["content-type"], "text/html");
    EXPECT_TRUE(json::parse(html.body, nullptr, false).is_discarded()) << html.body;
    const json orders = server_.Stats()["orders"];
    EXPECT_EQ(orders["created"], 0) << "the broken variants create nothing";
    EXPECT_EQ(orders["created_without_id"], 1);
    EXPECT_EQ(orders["created_not_json"], 1);
    EXPECT_TRUE(orders["lifecycles"].empty());
}

TEST_F(DemoTargetTest, FormAcceptsOnlyTheSessionsOwnCsrfToken) {
    SimpleResponse page = Get("/form");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.headers["content-type"], "text/html");
    const std::string marker = R"(<input type="hidden" name="csrf" value=")";
    const size_t at = page.body.find(marker);
    ASSERT_NE(at, std::string::npos) << page.body;
    const std::string token = page.body.substr(at + marker.size(), page.body.find('"', at + marker.size()) - at - marker.size());
    const std::string cookie = page.headers["set-cookie"];
    ASSERT_EQ(cookie.rfind("session=", 0), 0u) << cookie;
    EXPECT_NE(cookie.find("; Path=/; HttpOnly"), std::string::npos) << cookie;
    const std::string session = cookie.substr(0, cookie.find(';'));
    const std::string other_token = [&] {
        SimpleResponse second = Get("/form");
        const size_t p = second.body.find(marker) + marker.size();
        return second.body.substr(p, second.body.find('"', p) - p);
    }();
    ASSERT_NE(token, other_token);

    const Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto post = [&](const std::string& body, const std::string& cookie_header) {
        Headers headers = form;
        if (!cookie_header.empty()) headers.emplace_back("Cookie", cookie_header);
        return HttpRequestSync(Port(), "POST", "/form", body, headers).status;
    };
    EXPECT_EQ(post("text=hi+there&csrf=" + token, "theme=dark; " + session), 200);
    EXPECT_EQ(post("csrf=" + token, ""), 403);
    EXPECT_EQ(post("csrf=" + token, "session=forged"), 403);
    EXPECT_EQ(post("csrf=" + other_token, session), 403) << "another session's token";
    EXPECT_EQ(post("text=hi", session), 403);

    const json stats = server_.Stats()["form"];
    EXPECT_EQ(stats["pages"], 2);
    EXPECT_EQ(stats["accepted"], 1);
    EXPECT_EQ(stats["rejected"], 4);
    EXPECT_EQ(stats["rejected_by_reason"],
              json({{"no session cookie", 1}, {"unknown session", 1}, {"wrong csrf token", 2}}));
}

TEST_F(DemoTargetTest, RedirectLandsOncePerIssuedId) {
    SimpleResponse relative = HttpRequestSync(Port(), "POST", "/login-redirect");
    ASSERT_EQ(relative.status, 303);
    const std::string location = relative.headers["location"];
    ASSERT_EQ(location.rfind("/landing/", 0), 0u) << location;
    SimpleResponse absolute = HttpRequestSync(Port(), "POST", "/login-redirect?absolute=1", "", {{"Host", "demo.test:81"}});
    ASSERT_EQ(absolute.status, 303);
    const std::string absolute_location = absolute.headers["location"];
    const std::string origin = "http://demo.test:81";
    ASSERT_EQ(absolute_location.rfind(origin + "/landing/", 0), 0u) << absolute_location;
    EXPECT_NE(absolute_location.substr(origin.size()), location);

    EXPECT_EQ(Get(location).status, 200);
    EXPECT_EQ(Get(location).status, 404) << "a landing id works once";
    EXPECT_EQ(Get(absolute_location.substr(origin.size())).status, 200);
    EXPECT_EQ(Get("/landing/1234").status, 404);
    EXPECT_EQ(Get("/login-redirect").status, 405);

    const json stats = server_.Stats()["redirect"];
    EXPECT_EQ(stats["issued"], 2);
    EXPECT_EQ(stats["issued_absolute"], 1);
    EXPECT_EQ(stats["landed"], 2);
    EXPECT_EQ(stats["repeated"], 1);
    EXPECT_EQ(stats["unknown"], 1);
}

TEST_F(DemoTargetTest, ResetForgetsTheFlowsState) {
    SimpleResponse created = HttpRequestSync(Port(), "POST", "/api/v1/orders", R"({"sku":"A-1"})");
    ASSERT_EQ(created.status, 201);
    EXPECT_EQ(Get("/form").status, 200);
    server_.ResetStats();
    const json stats = server_.Stats();
    EXPECT_EQ(stats["orders"]["created"], 0);
    EXPECT_TRUE(stats["orders"]["lifecycles"].empty());
    EXPECT_EQ(stats["form"]["pages"], 0);
    EXPECT_EQ(Get("/api/v1/orders/" + std::to_string(json::parse(created.body)["id"].get<std::int64_t>())).status, 404);
}

// The multipart referee, fed a body written by hand as a browser would (quoted boundary, a binary file, a field),
// not by lsengine's builder: it must split parts by its own reading of RFC 7578 / RFC 2046.
TEST_F(DemoTargetTest, UploadParsesAHandWrittenMultipartBodyAndRejectsABrokenOne) {
    const std::string file("GIF\0\r\n--x\xff", 10);
    const std::string body = "--AaB03x\r\n"
                             "Content-Disposition: form-data; name=\"caption\"\r\n\r\n"
                             "two words\r\n"
                             "--AaB03x\r\n"
                             "content-disposition: form-data; name=\"pic\"; filename=\"a;b.gif\"\r\n"
                             "Content-Type: image/gif\r\n\r\n" +
                             file + "\r\n--AaB03x--\r\n";
    SimpleResponse r = HttpRequestSync(Port(), "POST", "/upload", body,
                                       {{"Content-Type", "multipart/form-data; boundary=\"AaB03x\""}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json parts = json::parse(r.body)["parts"];
    ASSERT_EQ(parts.size(), 2u) << r.body;
    EXPECT_EQ(parts[0]["name"], "caption");
    EXPECT_EQ(parts[0]["size"], 9);
    EXPECT_FALSE(parts[0].contains("filename"));
    EXPECT_EQ(parts[1]["name"], "pic");
    EXPECT_EQ(parts[1]["filename"], "a;b.gif");
    EXPECT_EQ(parts[1]["content_type"], "image/gif");
    EXPECT_EQ(parts[1]["size"], 10);

    // Truncated (no close delimiter), and not multipart at all: 400, counted as rejected.
    r = HttpRequestSync(Port(), "POST", "/upload", body.substr(0, body.size() - 20),
                        {{"Content-Type", "multipart/form-data; boundary=AaB03x"}});
    EXPECT_EQ(r.status, 400) << r.body;
    r = HttpRequestSync(Port(), "POST", "/upload", "a=b", {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 400) << r.body;
    const json stats = json::parse(Get("/__stats").body)["uploads"];
    EXPECT_EQ(stats["received"], 1);
    EXPECT_EQ(stats["rejected"], 2);
    EXPECT_EQ(stats["parts"].size(), 2u) << stats.dump();
}

TEST_F(DemoTargetTest, SlowWaitsAtLeastTheDelayWithoutBlockingOthers) {
    const auto start = std::chrono::steady_clock::now();
    SimpleResponse slow = Get("/slow?ms=150");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(slow.status, 200) << slow.error;
    EXPECT_GE(elapsed, std::chrono::milliseconds(150));

    // A long /slow must not stall other connections: once the server has counted it, other
    // requests (the stats polls, then "/") are answered while it still waits.
    std::atomic<bool> slow_done{false};
    auto pending = std::async(std::launch::async, [&] {
        SimpleResponse r = Get("/slow?ms=2000");
        slow_done = true;
        return r.status;
    });
    const auto poll_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_.Stats()["by_route"].value("GET /slow", 0) < 2 && std::chrono::steady_clock::now() < poll_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(Get("/").status, 200);
    EXPECT_FALSE(slow_done.load());
    EXPECT_EQ(pending.get(), 200);
    EXPECT_EQ(Get("/slow?ms=nope").status, 400);
}

TEST_F(DemoTargetTest, StatusEndpointAnswersAnyFinalStatus) {
    EXPECT_EQ(Get("/status/503").status, 503);
    EXPECT_EQ(HttpRequestSync(Port(), "POST", "/status/404", "x").status, 404);
    SimpleResponse no_content = Get("/status/204");
    EXPECT_EQ(no_content.status, 204);
    EXPECT_TRUE(no_content.body.empty());
    EXPECT_EQ(no_content.headers.count("content-length"), 0u);
    EXPECT_EQ(Get("/status/99").status, 400);
    EXPECT_EQ(Get("/no/such/route").status, 404);
    EXPECT_EQ(server_.Stats()["by_route"]["GET /status/{id}"], 3);
}

TEST_F(DemoTargetTest, ChunkedSendsTheRequestedChunks) {
    SimpleResponse r = Get("/chunked?n=4");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
    EXPECT_EQ(r.body, "chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
}

TEST_F(DemoTargetTest, StatsIgnoreThemselvesAndResetZeroes) {
    EXPECT_EQ(HttpRequestSync(Port(), "PUT", "/status/200", "body-1").status, 200);
    json stats = server_.Stats();
    stats = server_.Stats();  // Polling the stats does not change them.
    EXPECT_EQ(stats["total"], 1);
    EXPECT_EQ(stats["by_route"].size(), 1u);
    EXPECT_EQ(stats["bodies"]["PUT /status/{id}"][0], "body-1");
    EXPECT_GE(stats["connections_accepted"], 2);

    server_.ResetStats();
    stats = server_.Stats();
    EXPECT_EQ(stats["total"], 0);
    EXPECT_TRUE(stats["by_route"].empty());
    EXPECT_TRUE(stats["bodies"].empty());
}

TEST_F(DemoTargetTest, PipelinedRepliesKeepRequestOrder) {
    std::string raw;
    std::string error;
    ASSERT_TRUE(RawExchange(Port(),
                            "GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                            10000, &raw, &error))
        << error;
    size_t slow = raw.find("HTTP/1.1 200");
    size_t created = raw.find("HTTP/1.1 201");
    size_t last = raw.find("HTTP/1.1 200", slow + 1);
    ASSERT_NE(slow, std::string::npos) << raw;
    ASSERT_NE(created, std::string::npos) << raw;
    ASSERT_NE(last, std::string::npos) << raw;
    EXPECT_LT(slow, created);
    EXPECT_LT(created, last);
    EXPECT_EQ(server_.Stats()["connections_accepted"], 2);  // One for the pipeline, one for the stats.
}

TEST_F(DemoTargetTest, BadRequestGets400AndClose) {
    std::string raw;
    std::string error;
    ASSERT_TRUE(RawExchange(Port(), "BLAH\r\n\r\n", 10000, &raw, &error)) << error;
    SimpleResponse r = ParseRawResponse(raw);
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_EQ(r.headers["connection"], "close");
}

TEST_F(DemoTargetTest, CloseEndpointClosesTheConnection) {
    SimpleResponse r = Get("/close");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["connection"], "close");
    // Even with keep-alive requested, the server ends the exchange (RawExchange reads to EOF).
    std::string raw;
    std::string error;
    EXPECT_TRUE(RawExchange(Port(), "GET /close HTTP/1.1\r\nHost: x\r\n\r\n", 10000, &raw, &error)) << error;
}

TEST_F(DemoTargetTest, FaultEndpointsFailTheWayTheyAdvertise) {
    SimpleResponse reset = Get("/fault/reset");
    EXPECT_EQ(reset.status, 0);
    EXPECT_NE(reset.error, "");

    SimpleResponse garbage = Get("/fault/garbage");
    EXPECT_EQ(garbage.status, 0);
    EXPECT_NE(garbage.error.find("status line"), std::string::npos) << garbage.error;

    SimpleResponse delimited = Get("/fault/close-delimited");
    EXPECT_EQ(delimited.status, 200) << delimited.error;
    EXPECT_EQ(delimited.headers.count("content-length"), 0u);
    EXPECT_EQ(delimited.body, "close-delimited body\n");

    SimpleResponse closed = Get("/fault/close-before-response");
    EXPECT_EQ(closed.status, 0);
    EXPECT_EQ(closed.error, "empty response");

    SimpleResponse hang = HttpRequestSync(Port(), "GET", "/fault/hang", "", {}, 300);
    EXPECT_EQ(hang.status, 0);
    EXPECT_NE(hang.error.find("timeout"), std::string::npos) << hang.error;
    EXPECT_EQ(server_.Stats()["by_route"]["GET /fault/hang"], 1);
}

TEST_F(DemoTargetTest, CloseReusedAnswersOnlyTheFirstRequestOfAConnection) {
    // Two pipelined requests on one connection: the first is answered (keep-alive), the second sees a close.
    const std::string one = "GET /fault/close-reused HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string raw;
    std::string error;
    RawExchange(Port(), one + one, 5000, &raw, &error);
    EXPECT_EQ(raw.find("HTTP/1.1 200"), 0u) << raw << error;
    EXPECT_EQ(raw.find("HTTP/1.1", 1), std::string::npos) << "the reused request was answered\n" << raw;
    EXPECT_EQ(raw.find("onnection: close"), std::string::npos) << "the 200 must not announce the close\n" << raw;
    EXPECT_EQ(Get("/fault/close-reused").status, 200) << "a fresh connection is answered again";
    const json stats = server_.Stats();
    EXPECT_EQ(stats["by_route"]["GET /fault/close-reused"], 3);
    EXPECT_EQ(stats["by_status"]["200"], 2);
}

TEST_F(DemoTargetTest, SigtermExitsCleanlyEvenWithOpenConnections) {
    // A hanging and a delayed request are still open when SIGTERM arrives; under the sanitizers a
    // leak or use-after-free during shutdown would turn the exit status non-zero.
    auto hang = std::async(std::launch::async,
                           [&] { return HttpRequestSync(Port(), "GET", "/fault/hang", "", {}, 5000); });
    auto slow = std::async(std::launch::async, [&] { return Get("/slow?ms=5000"); });
    EXPECT_EQ(Login("u1").empty(), false);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_.Stats()["total"] < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(server_.Stop(), 0);
    EXPECT_EQ(hang.get().status, 0);
    EXPECT_EQ(slow.get().status, 0);
}

TEST(DemoTargetIdleTest, IdleKeepAliveConnectionIsClosedByTheServer) {
    DemoTargetProcess server;
    server.Start({"--idle-timeout", "200ms"});
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    timeval tv{10, 0};  // Bounds every recv below.
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.Port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));

    std::string received;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) received.append(buf, static_cast<size_t>(n));
    close(fd);
    EXPECT_EQ(n, 0) << "expected an orderly close (EOF), not a timeout or error";
    EXPECT_EQ(ParseRawResponse(received).status, 200) << received;
}

TEST(DemoTargetArgsTest, BadArgumentExitsWithUsageCode) {
    DemoTargetProcess server;
    try {
        server.Start({"--bogus"});
        ADD_FAILURE() << "Start should have thrown";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("status 2"), std::string::npos) << e.what();  // ExitCode::kUsage
    }
}

}  // namespace
}  // namespace lse::testing
