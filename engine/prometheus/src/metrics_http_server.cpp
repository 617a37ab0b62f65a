#include "lse/prometheus/metrics_http_server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/prometheus/tcp_listener.hpp"

namespace lse::prometheus {
namespace {

// After the response, unread request bytes are drained for this long before closing, so the kernel
// does not answer them with a reset that could destroy the response in flight.
constexpr int kLingerMs = 1'000;
constexpr std::string_view kMetricsPath = "/metrics";

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// End of the request head ("\r\n\r\n", or bare "\n\n" from hand-typed requests), or npos.
bool HeadComplete(const std::string& in) {
    return in.find("\r\n\r\n") != std::string::npos || in.find("\n\n") != std::string::npos;
}

}  // namespace

struct MetricsHttpServer::Connection {
    enum class State { kReading, kWriting, kDraining };
    int fd = -1;
    State state = State::kReading;
    std::int64_t deadline_ms = 0;
    std::string in;
    std::string head;                          // response status line and headers
    std::shared_ptr<const std::string> body;  // null: no body (HEAD, errors carry theirs in `head`)
    std::size_t sent = 0;                      // bytes of head + body already sent
};

MetricsHttpServer::MetricsHttpServer(const ListenAddress& address, std::string_view flag, std::string content_type)
    : content_type_(std::move(content_type)), body_(std::make_shared<const std::string>()) {
    listen_fd_ = BindTcpListener(address, flag);
    port_ = ListenerPort(listen_fd_);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        const int e = errno;
        close(listen_fd_);
        throw SetupError(std::string(flag) + ": cannot create a pipe: " + std::strerror(e));
    }
    wake_read_fd_ = fds[0];
    wake_write_fd_ = fds[1];
    try {
        thread_ = std::thread([this] { Run(); });
    } catch (...) {
        close(listen_fd_);
        close(wake_read_fd_);
        close(wake_write_fd_);
        throw;
    }
}

MetricsHttpServer::~MetricsHttpServer() {
    stop_.store(true);
    const char byte = 1;
    while (write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
    close(listen_fd_);
    close(wake_read_fd_);
    close(wake_write_fd_);
}

void MetricsHttpServer::SetBody(std::string body) {
    auto next = std::make_shared<const std::string>(std::move(body));
    std::lock_guard<std::mutex> lock(mutex_);
    body_.swap(next);
    // The previous body is released outside the lock (when `next` goes out of scope) or by the last
    // connection still sending it.
}

std::shared_ptr<const std::string> MetricsHttpServer::Body() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return body_;
}

void MetricsHttpServer::Accept(std::vector<Connection>* connections) {
    while (connections->size() < kMaxConnections) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN, or a connection that died in the backlog: nothing to do
        Connection c;
        c.fd = fd;
        c.deadline_ms = NowMs() + kConnectionTimeoutMs;
        connections->push_back(std::move(c));
    }
}

void MetricsHttpServer::Respond(Connection* c) {
    std::string_view status = "200 OK";
    std::string_view error_body;
    bool head_only = false;
    const std::string_view in = c->in;
    const std::string_view line = in.substr(0, in.find('\n'));
    if (!HeadComplete(c->in)) {
        status = "431 Request Header Fields Too Large";
        error_body = "request too large\n";
    } else {
        // "METHOD TARGET HTTP/1.x", optionally ending in '\r'.
        const std::string_view request_line = line.substr(0, line.find('\r'));
        const size_t sp1 = request_line.find(' ');
        const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
        if (sp2 == std::string_view::npos || request_line.substr(sp2 + 1).substr(0, 7) != "HTTP/1." ||
            request_line.find(' ', sp2 + 1) != std::string_view::npos) {
            status = "400 Bad Request";
            error_body = "bad request\n";
        } else {
            const std::string_view method = request_line.substr(0, sp1);
            std::string_view path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
            path = path.substr(0, path.find('?'));
            head_only = method == "HEAD";
            if (method != "GET" && !head_only) {
                status = "405 Method Not Allowed";
                error_body = "only GET and HEAD\n";
            } else if (path != kMetricsPath) {
                status = "404 Not Found";
                error_body = "not found: metrics are at /metrics\n";
            }
        }
    }
    std::shared_ptr<const std::string> body;
    std::size_t length = error_body.size();
    if (error_body.empty()) {
        body = Body();
        length = body->size();
    }
    c->head = "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: " +
              (error_body.empty() ? content_type_ : std::string("text/plain; charset=utf-8")) +
              "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\nCache-Control: no-store\r\n";
    if (status.substr(0, 3) == "405") c->head += "Allow: GET, HEAD\r\n";
    c->head += "\r\n";
    if (!head_only) {
        if (error_body.empty()) {
            c->body = std::move(body);
        } else {
            c->head += error_body;
        }
    }
    c->state = Connection::State::kWriting;
    c->in.clear();
    c->in.shrink_to_fit();
}

void MetricsHttpServer::Run() {
    std::vector<Connection> connections;
    std::vector<pollfd> fds;
    char buf[4096];
    while (!stop_.load()) {
        fds.clear();
        fds.push_back({wake_read_fd_, POLLIN, 0});
        fds.push_back({listen_fd_, static_cast<short>(connections.size() < kMaxConnections ? POLLIN : 0), 0});
        std::int64_t next_deadline = -1;
        for (const Connection& c : connections) {
            fds.push_back({c.fd, static_cast<short>(c.state == Connection::State::kWriting ? POLLOUT : POLLIN), 0});
            if (next_deadline < 0 || c.deadline_ms < next_deadline) next_deadline = c.deadline_ms;
        }
        const int timeout =
            next_deadline < 0 ? -1 : static_cast<int>(std::clamp<std::int64_t>(next_deadline - NowMs(), 0, 60'000));
        if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;  // cannot happen with valid fds
        if (stop_.load()) break;

        const std::int64_t now = NowMs();
        for (std::size_t i = 0; i < connections.size(); ++i) {
            Connection& c = connections[i];
            const short revents = fds[i + 2].revents;
            bool done = now >= c.deadline_ms;
            if (!done && (revents & (POLLERR | POLLNVAL)) != 0) done = true;
            if (!done && revents != 0 && c.state != Connection::State::kWriting) {
                const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                    done = true;  // the client went away (or finished sending while we drain)
                } else if (n > 0 && c.state == Connection::State::kReading) {
                    c.in.append(buf, static_cast<std::size_t>(std::min<std::size_t>(
                                         static_cast<std::size_t>(n), kMaxRequestBytes + 1 - c.in.size())));
                    if (HeadComplete(c.in) || c.in.size() > kMaxRequestBytes) Respond(&c);
                }
            }
            if (!done && c.state == Connection::State::kWriting && (revents & (POLLOUT | POLLHUP)) != 0) {
                const std::size_t body_size = c.body ? c.body->size() : 0;
                iovec iov[2];
                int count = 0;
                if (c.sent < c.head.size()) {
                    iov[count++] = {c.head.data() + c.sent, c.head.size() - c.sent};
                }
                const std::size_t body_sent = c.sent > c.head.size() ? c.sent - c.head.size() : 0;
                if (body_sent < body_size) {
                    iov[count++] = {const_cast<char*>(c.body->data()) + body_sent, body_size - body_sent};
                }
                msghdr msg{};
                msg.msg_iov = iov;
                msg.msg_iovlen = static_cast<std::size_t>(count);
                const ssize_t n = count == 0 ? 0 : sendmsg(c.fd, &msg, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    done = true;
                } else if (n > 0) {
                    c.sent += static_cast<std::size_t>(n);
                }
                if (!done && c.sent >= c.head.size() + body_size) {
                    shutdown(c.fd, SHUT_WR);
                    c.state = Connection::State::kDraining;
                    c.body.reset();
                    c.deadline_ms = std::min(c.deadline_ms, now + kLingerMs);
                }
            }
            if (done) {
                close(c.fd);
                c.fd = -1;
            }
        }
        std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
        if ((fds[1].revents & POLLIN) != 0) Accept(&connections);
    }
    for (Connection& c : connections) close(c.fd);
}

}  // namespace lse::prometheus
