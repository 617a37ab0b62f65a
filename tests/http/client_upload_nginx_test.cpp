// Integration: multi-megabyte POST bodies on several concurrent keep-alive connections to a real nginx
// (client_max_body_size 64m, echo_read_request_body), HTTP and HTTPS. nginx's own log is the judge:
// every request it saw must have the exact $request_length the client built and a 200, and nothing
// else (no garbage request made of bytes sent past a buffer, which nginx logs as a 400) may reach it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.hpp"
#include "lse/testing/nginx_server.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;
using testing::TestExchange;

struct LoggedRequest {
    int status = 0;
    std::size_t length = 0;
    std::string line;
};

std::vector<LoggedRequest> ReadRequestLog(const lse::testing::NginxServer& nginx) {
    std::vector<LoggedRequest> out;
    std::ifstream in(nginx.RequestLogPath());
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        LoggedRequest r;
        std::istringstream fields(line);
        fields >> r.status >> r.length;
        r.line = line;
        out.push_back(std::move(r));
    }
    return out;
}

/// nginx writes a log line when it finalises a request, which may be just after the client got the response.
std::vector<LoggedRequest> WaitForRequestLog(const lse::testing::NginxServer& nginx, std::size_t count) {
    std::vector<LoggedRequest> lines;
    for (int i = 0; i < 100; ++i) {
        lines = ReadRequestLog(nginx);
        if (lines.size() >= count) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return lines;
}

std::string Body(std::size_t size, char salt) {
    std::string body(size, '\0');
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>((i * 31 + static_cast<std::size_t>(salt)) & 0xff);
    return body;
}

class UploadNginxTest : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override { nginx_.Start(); }
    std::string UrlOf(const std::string& path) const {
        const bool tls = GetParam();
        return std::string(tls ? "https" : "http") + "://127.0.0.1:" +
               std::to_string(tls ? nginx_.HttpsPort() : nginx_.HttpPort()) + path;
    }
    ClientOptions Options() const {
        ClientOptions options;
        options.ca_file = nginx_.CaCertPath();
        options.request_timeout_ns = 60 * kNsPerSec;
        return options;
    }
    lse::testing::NginxServer nginx_;
};

TEST_P(UploadNginxTest, ConcurrentLargePostsReachNginxIntact) {
    constexpr int kConnections = 4;
    const std::vector<std::size_t> sizes = {8 * 1024 * 1024, 8 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 5,
                                            16 * 1024 * 1024 - 3, 64 * 1024};
    const Url u = ParseUrl(UrlOf("/upload"));
    // One request per (connection, size); every connection walks all sizes, each starting at another one.
    std::vector<std::vector<PreparedRequest>> requests(kConnections);
    std::vector<std::size_t> expected_lengths;
    for (int c = 0; c < kConnections; ++c) {
        for (std::size_t k = 0; k < sizes.size(); ++k) {
            const std::size_t size = sizes[(k + static_cast<std::size_t>(c)) % sizes.size()];
            requests[c].push_back(PreparedRequest::Build(Method::kPost, u.origin, u.path_and_query,
                                                         {{"Content-Type", "application/octet-stream"}},
                                                         Body(size, static_cast<char>(c * 7 + k))));
            expected_lengths.push_back(requests[c].back().bytes.size());
        }
    }

    struct Ctx {
        TestExchange t;
        std::vector<PreparedRequest>* requests = nullptr;
        Client* client = nullptr;
        int failures = 0;
        std::string first_failure;
    };
    std::vector<Ctx> ctxs(kConnections);
    {
        ClientHarness h(Options());
        for (int c = 0; c < kConnections; ++c) {
            Ctx& ctx = ctxs[c];
            ctx.requests = &requests[c];
            ctx.client = &h.client();
            Exchange& ex = ctx.t.ex;
            ex.origin = &u.origin;
            ex.request = &requests[c][0];
            ex.capture = true;
            ex.user = &ctx;
            ex.on_done = [](Exchange* e, void* user) {
                auto* ctx = static_cast<Ctx*>(user);
                const Result& r = e->result;
                if ((r.error != ErrorKind::kNone || r.status != 200 || r.body != "got\n") && ctx->failures++ == 0) {
                    ctx->first_failure = std::string(ErrorKindName(r.error)) + " status " + std::to_string(r.status) +
                                         " " + r.error_detail;
                }
                const auto next = static_cast<std::size_t>(++ctx->t.completions);
                if (next < ctx->requests->size()) {
                    e->request = &(*ctx->requests)[next];
                    ctx->client->Send(e, true);
                }
            };
            ASSERT_TRUE(h.client().Send(&ex, true));
        }
        ASSERT_TRUE(h.RunUntil(
            [&] {
                for (const Ctx& ctx : ctxs) {
                    if (static_cast<std::size_t>(ctx.t.completions) < sizes.size()) return false;
                }
                return true;
            },
            120 * kNsPerSec));
        EXPECT_EQ(h.Shutdown(), 0);
    }
    for (const Ctx& ctx : ctxs) EXPECT_EQ(ctx.failures, 0) << ctx.first_failure;

    std::vector<LoggedRequest> logged = WaitForRequestLog(nginx_, expected_lengths.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Let a stray request get logged too.
    logged = ReadRequestLog(nginx_);
    ASSERT_EQ(logged.size(), expected_lengths.size()) << "nginx saw requests the client did not send";
    std::vector<std::size_t> got_lengths;
    for (const LoggedRequest& r : logged) {
        EXPECT_EQ(r.status, 200) << r.line;
        EXPECT_NE(r.line.find("\"POST /upload HTTP/1.1\""), std::string::npos) << r.line;
        got_lengths.push_back(r.length);
    }
    std::sort(got_lengths.begin(), got_lengths.end());
    std::sort(expected_lengths.begin(), expected_lengths.end());
    EXPECT_EQ(got_lengths, expected_lengths);
}

TEST_P(UploadNginxTest, EarlyAnswerWhileTheBodyIsStillBeingWritten) {
    // nginx answers 413 as soon as it has the headers, while most of the 8 MiB body is still unsent.
    ClientHarness h(Options());
    const Url u = ParseUrl(UrlOf("/upload_1m"));
    const PreparedRequest big =
        PreparedRequest::Build(Method::kPost, u.origin, u.path_and_query, {}, Body(8 * 1024 * 1024, 'x'));
    const Result r = h.Fetch(u.origin, big, 0, true);
    ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 413);
    // The connection is left in an unknown state (part of a body unsent); the next request must be clean.
    const PreparedRequest small = PreparedRequest::Build(Method::kPost, u.origin, u.path_and_query, {}, "hello");
    const Result again = h.Fetch(u.origin, small, 0, true);
    ASSERT_EQ(again.error, ErrorKind::kNone) << again.error_detail;
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, "got\n");
    EXPECT_EQ(h.Shutdown(), 0);
    // nginx logs the 413 only after its lingering close has drained the rest: the order of lines varies.
    std::vector<LoggedRequest> logged = WaitForRequestLog(nginx_, 2);
    ASSERT_EQ(logged.size(), 2u);
    std::sort(logged.begin(), logged.end(), [](const auto& a, const auto& b) { return a.status < b.status; });
    EXPECT_EQ(logged[0].status, 200) << logged[0].line;
    EXPECT_EQ(logged[0].length, small.bytes.size()) << logged[0].line;
    EXPECT_EQ(logged[1].status, 413) << logged[1].line;
}

INSTANTIATE_TEST_SUITE_P(HttpAndHttps, UploadNginxTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Https" : "Http"; });

}  // namespace
}  // namespace lse::http
