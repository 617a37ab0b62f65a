// Integration: the client against a raw loopback server that answers with canned bytes and then stalls
// or closes, for the cases a well-behaved server never produces.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "client_test_util.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;

/// Serves one connection: reads the request head, writes `response`, then holds the connection open for
/// `hold_ms` (or until the client closes it) and closes it.
class CannedServer {
public:
    CannedServer(std::string response, int hold_ms) : response_(std::move(response)), hold_ms_(hold_ms) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "cannot listen";
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { Serve(); });
    }
    ~CannedServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

private:
    void Serve() {
        pollfd p{fd_, POLLIN, 0};
        while (!stop_ && ::poll(&p, 1, 20) <= 0) {
        }
        if (stop_) return;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        std::string got;
        char buf[4096];
        while (got.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<size_t>(n));
        }
        (void)!::write(c, response_.data(), response_.size());
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(hold_ms_);
        pollfd cp{c, POLLIN, 0};
        while (!stop_ && std::chrono::steady_clock::now() < until) {
            if (::poll(&cp, 1, 20) > 0 && ::read(c, buf, sizeof buf) <= 0) break;  // The client closed.
        }
        ::close(c);
    }

    std::string response_;
    int hold_ms_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

constexpr const char* kHeadersThenPartOfTheBody = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part";

// docs/lua-api.md: r.status is 0 on a transport error, even when the status line had already arrived.
TEST(ClientRawResponseTest, TimeoutAfterTheHeadersHasStatusZero) {
    CannedServer server(kHeadersThenPartOfTheBody, 5000);
    ClientHarness h;
    const Result r = h.Fetch(server.Url("/"), Method::kGet, "", 300 * kNsPerMs);
    EXPECT_EQ(r.error, ErrorKind::kTimeout);
    EXPECT_EQ(r.status, 0);
}

TEST(ClientRawResponseTest, CloseAfterTheHeadersHasStatusZero) {
    CannedServer server(kHeadersThenPartOfTheBody, 0);
    ClientHarness h;
    const Result r = h.Fetch(server.Url("/"), Method::kGet, "", 5 * kNsPerSec);
    EXPECT_EQ(r.error, ErrorKind::kReset);
    EXPECT_EQ(r.status, 0);
}

TEST(ClientRawResponseTest, ParseErrorAfterTheHeadersHasStatusZero) {
    CannedServer server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 2000);
    ClientHarness h;
    const Result r = h.Fetch(server.Url("/"), Method::kGet, "", 5 * kNsPerSec);
    EXPECT_EQ(r.error, ErrorKind::kParse);
    EXPECT_EQ(r.status, 0);
}

TEST(ClientRawResponseTest, WhitespaceBeforeAHeaderColonIsTrimmedFromTheName) {
    CannedServer server("HTTP/1.1 200 OK\r\nX-Bad : v\r\nContent-Length: 2\r\n\r\nok", 2000);
    ClientHarness h;
    const Result r = h.Fetch(server.Url("/"));
    ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    bool found = false;
    for (const auto& [name, value] : r.headers) {
        EXPECT_EQ(name.find(' '), std::string::npos) << "'" << name << "'";
        if (name == "x-bad") found = value == "v";
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace lse::http
