#include "loopback_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace lse::service {
namespace {

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool WaitFor(int fd, short events, std::int64_t deadline) {
    while (true) {
        const std::int64_t left = deadline - NowMs();
        if (left <= 0) return false;
        pollfd pfd{fd, events, 0};
        const int ready = poll(&pfd, 1, static_cast<int>(left));
        if (ready > 0) return true;
        if (ready == 0 || errno != EINTR) return false;
    }
}

std::optional<std::string> Exchange(int fd, int port, const std::string& path, std::int64_t deadline,
                                    std::size_t max_bytes) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) return std::nullopt;
    if (!WaitFor(fd, POLLOUT, deadline)) return std::nullopt;
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return std::nullopt;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        return std::nullopt;
    }
    std::string raw;
    char buf[16 * 1024];
    while (true) {
        if (!WaitFor(fd, POLLIN, deadline)) return std::nullopt;
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        raw.append(buf, static_cast<size_t>(n));
        if (raw.size() > max_bytes) return std::nullopt;
    }
    // The metrics server answers with Content-Length and closes: the body is everything after the head.
    if (raw.rfind("HTTP/1.1 200 ", 0) != 0 && raw.rfind("HTTP/1.0 200 ", 0) != 0) return std::nullopt;
    const auto head_end = raw.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    return raw.substr(head_end + 4);
}

}  // namespace

std::optional<std::string> LoopbackGet(int port, const std::string& path, int timeout_ms, std::size_t max_bytes) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    auto body = Exchange(fd, port, path, NowMs() + timeout_ms, max_bytes);
    close(fd);
    return body;
}

}  // namespace lse::service
