// Integration: large request bodies through a tiny client send buffer to a slow-reading raw server, so
// that the kernel takes each request in pieces and the client's asynchronous write path carries the
// rest. The server checks every body byte-exact (length + hash) and that nothing follows a request
// (a client that wrote past its buffer sent stray heap bytes after the body).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client_test_util.hpp"
#include "slow_upload_server.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;
using testing::SlowUploadServer;
using testing::PatternBody;
using testing::TestExchange;

constexpr std::size_t kSizes[] = {64 * 1024, 256 * 1024 + 1, 1024 * 1024 + 7, 8 * 1024 * 1024,
                                  32 * 1024 * 1024};

ClientOptions SmallSendBuffer(bool tls) {
    ClientOptions options;
    options.send_buffer_bytes = 4096;
    options.insecure = tls;
    options.request_timeout_ns = 60 * kNsPerSec;
    return options;
}

class PartialWriteTest : public ::testing::TestWithParam<bool> {};

TEST_P(PartialWriteTest, LargeBodiesArriveByteExactOnOneKeepAliveConnection) {
    const bool tls = GetParam();
    SlowUploadServer server(tls);
    std::vector<std::string> expected;
    {
        ClientHarness h(SmallSendBuffer(tls));
        const Url u = ParseUrl(server.Url("/upload"));
        std::uint32_t seed = 1;
        for (const std::size_t size : kSizes) {
            // Twice per size on the same connection: bytes sent after a body would corrupt the next request.
            for (int round = 0; round < 2; ++round) {
                const std::string body = PatternBody(size, seed++);
                const PreparedRequest req = PreparedRequest::Build(Method::kPost, u.origin, u.path_and_query,
                                                                   {{"Content-Type", "application/octet-stream"}}, body);
                const Result r = h.Fetch(u.origin, req, 0, true);
                ASSERT_EQ(r.error, ErrorKind::kNone) << "size " << size << ": " << r.error_detail;
                EXPECT_EQ(r.status, 200) << "size " << size;
                EXPECT_EQ(r.body, testing::UploadDigest(body)) << "size " << size;
                EXPECT_EQ(r.bytes_sent, req.bytes.size());
                expected.push_back(testing::UploadDigest(body));
            }
        }
        EXPECT_EQ(h.client().ConnectionsOpened(), 1u) << "every upload should reuse the one connection";
        EXPECT_EQ(h.Shutdown(), 0);
    }
    server.Stop();  // Waits until the server has read everything the client sent before closing.
    EXPECT_EQ(server.BadRequests(), 0) << server.FirstBadRequest();
    EXPECT_EQ(server.Uploads().size(), expected.size());
}

TEST_P(PartialWriteTest, ConcurrentUploadsOnSeveralConnections) {
    const bool tls = GetParam();
    SlowUploadServer server(tls);
    constexpr int kConnections = 4;
    constexpr int kRounds = 3;
    constexpr std::size_t kSize = 4 * 1024 * 1024 + 3;
    {
        ClientHarness h(SmallSendBuffer(tls));
        const Url u = ParseUrl(server.Url("/upload"));
        std::vector<std::string> bodies;
        std::vector<PreparedRequest> requests;
        for (int i = 0; i < kConnections; ++i) bodies.push_back(PatternBody(kSize + i, 100 + i));
        for (int i = 0; i < kConnections; ++i) {
            requests.push_back(PreparedRequest::Build(Method::kPost, u.origin, u.path_and_query, {}, bodies[i]));
        }
        std::vector<TestExchange> exchanges(kConnections);
        int failures = 0;
        std::string first_failure;
        struct Ctx {
            TestExchange* t;
            const std::string* expected;
            int* failures;
            std::string* first_failure;
            Client* client;
        };
        std::vector<Ctx> ctxs(kConnections);
        for (int i = 0; i < kConnections; ++i) {
            ctxs[i] = {&exchanges[i], &bodies[i], &failures, &first_failure, &h.client()};
            Exchange& ex = exchanges[i].ex;
            ex.origin = &u.origin;
            ex.request = &requests[i];
            ex.capture = true;
            ex.user = &ctxs[i];
            ex.on_done = [](Exchange* e, void* user) {
                auto* c = static_cast<Ctx*>(user);
                const Result& r = e->result;
                if (r.error != ErrorKind::kNone || r.status != 200 || r.body != testing::UploadDigest(*c->expected)) {
                    if (++*c->failures == 1) {
                        *c->first_failure = std::string(ErrorKindName(r.error)) + " status " + std::to_string(r.status) +
                                            " body '" + r.body + "' " + r.error_detail;
                    }
                }
                if (++c->t->completions < kRounds) c->client->Send(e, true);
            };
            ASSERT_TRUE(h.client().Send(&ex, true));
        }
        ASSERT_TRUE(h.RunUntil(
            [&] {
                for (const auto& t : exchanges) {
                    if (t.completions < kRounds) return false;
                }
                return true;
            },
            120 * kNsPerSec));
        EXPECT_EQ(failures, 0) << first_failure;
        EXPECT_EQ(h.Shutdown(), 0);
    }
    server.Stop();
    EXPECT_EQ(server.BadRequests(), 0) << server.FirstBadRequest();
    EXPECT_EQ(server.Uploads().size(), static_cast<std::size_t>(kConnections * kRounds));
}

INSTANTIATE_TEST_SUITE_P(HttpAndHttps, PartialWriteTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Https" : "Http"; });

}  // namespace
}  // namespace lse::http
