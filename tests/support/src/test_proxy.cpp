#include "lse/testing/test_proxy.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "lse/core/errors.hpp"

namespace lse::testing {
namespace {

bool SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Appends what one read returns; false at EOF or error.
bool ReadSome(int fd, std::string* into) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        into->append(buf, static_cast<size_t>(n));
        return true;
    }
}

// Reads until `buffered` holds a whole request head; returns its length (through the blank line), or 0 at EOF.
size_t ReadHead(int fd, std::string* buffered) {
    for (;;) {
        const size_t end = buffered->find("\r\n\r\n");
        if (end != std::string::npos) return end + 4;
        if (buffered->size() > 64 * 1024 || !ReadSome(fd, buffered)) return 0;
    }
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct Head {
    std::string method, target, version;
    std::vector<std::pair<std::string, std::string>> headers;  // name as sent, value trimmed
    std::string Get(std::string_view name) const {
        for (const auto& [n, v] : headers) {
            if (Lower(n) == Lower(name)) return v;
        }
        return {};
    }
};

Head ParseHead(std::string_view head) {
    Head h;
    size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.rfind(' ');
    if (sp1 != std::string_view::npos && sp2 > sp1) {
        h.method = line.substr(0, sp1);
        h.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        h.version = line.substr(sp2 + 1);
    }
    size_t pos = line_end + 2;
    while (pos < head.size()) {
        const size_t end = head.find("\r\n", pos);
        if (end == std::string_view::npos || end == pos) break;
        const std::string_view field = head.substr(pos, end - pos);
        const size_t colon = field.find(':');
        if (colon != std::string_view::npos) {
            std::string_view value = field.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
            h.headers.emplace_back(std::string(field.substr(0, colon)), std::string(value));
        }
        pos = end + 2;
    }
    return h;
}

int ConnectTo(const std::string& authority) {
    // "host[:port]" or "[v6][:port]".
    std::string host = authority;
    std::string port = "80";
    const size_t bracket = authority.find(']');
    const size_t colon = authority.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

// Copies bytes both ways until either side closes (a CONNECT tunnel).
void RelayBoth(int a, int b, const std::atomic<bool>& stopping) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[16384];
    while (!stopping.load()) {
        const int rc = ::poll(fds, 2, 100);
        if (rc < 0 && errno != EINTR) return;
        for (int i = 0; i < 2; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0) return;
            if (!SendAll(fds[1 - i].fd, std::string_view(buf, static_cast<size_t>(n)))) return;
        }
    }
}

constexpr std::string_view k407 =
    "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view k502 = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

}  // namespace

TestProxy::~TestProxy() { Stop(); }

void TestProxy::Start(TestProxyOptions options) {
    if (listen_fd_ >= 0) throw SetupError("TestProxy::Start: already started");
    options_ = std::move(options);
    stopping_ = false;
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw SetupError(std::string("TestProxy: socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const std::string why = std::strerror(errno);
        ::close(listen_fd_);
        listen_fd_ = -1;
        throw SetupError("TestProxy: cannot listen on 127.0.0.1: " + why);
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
}

void TestProxy::Stop() {
    if (listen_fd_ < 0) return;
    stopping_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listen_fd_);
    listen_fd_ = -1;
    std::vector<std::thread> workers;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // ends blocked reads; each worker closes its own
        workers.swap(workers_);
    }
    for (std::thread& t : workers) t.join();
}

void TestProxy::AcceptLoop() {
    while (!stopping_.load()) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        client_connections_.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu_);
        open_fds_.push_back(fd);
        workers_.emplace_back([this, fd] { Serve(fd); });
    }
}

void TestProxy::Record(std::vector<std::string>* list, std::string value) {
    std::lock_guard<std::mutex> lock(mu_);
    list->push_back(std::move(value));
}

std::vector<std::string> TestProxy::Connects() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connects_;
}
std::vector<std::string> TestProxy::Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
}
std::vector<std::string> TestProxy::Authorizations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return authorizations_;
}

void TestProxy::Serve(int client) {
    int upstream = -1;
    std::string upstream_authority;
    std::thread responses;  // upstream -> client, for forwarded requests
    auto track = [this](int fd) {
        std::lock_guard<std::mutex> lock(mu_);
        open_fds_.push_back(fd);
    };
    auto untrack_close = [this](int fd) {
        if (fd < 0) return;
        {
            std::lock_guard<std::mutex> lock(mu_);
            open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
        }
        ::close(fd);
    };
    auto close_upstream = [&] {
        if (upstream < 0) return;
        ::shutdown(upstream, SHUT_RDWR);
        if (responses.joinable()) responses.join();
        untrack_close(upstream);
        upstream = -1;
    };

    std::string buffered;
    while (!stopping_.load()) {
        const size_t head_len = ReadHead(client, &buffered);
        if (head_len == 0) break;
        const Head head = ParseHead(std::string_view(buffered).substr(0, head_len));
        const std::string line = head.method + " " + head.target + " " + head.version;
        const std::string auth = head.Get("Proxy-Authorization");
        Record(&authorizations_, auth);
        const bool authorized = options_.required_authorization.empty() || auth == options_.required_authorization;
        if (options_.stall) {
            // A frozen proxy: it takes the CONNECT or the request and never answers, until the client gives up.
            Record(head.method == "CONNECT" ? &connects_ : &requests_, head.method == "CONNECT" ? head.target : line);
            std::string discard;
            while (ReadSome(client, &discard)) discard.clear();
            break;
        }

        if (head.method == "CONNECT") {
            Record(&connects_, head.target);
            if (!authorized) {
                SendAll(client, k407);
                break;
            }
            const int fd = ConnectTo(head.target);
            if (fd < 0) {
                SendAll(client, k502);
                break;
            }
            track(fd);
            buffered.erase(0, head_len);
            if (SendAll(client, "HTTP/1.1 200 Connection established\r\n\r\n") &&
                (buffered.empty() || SendAll(fd, buffered))) {
                RelayBoth(client, fd, stopping_);
            }
            untrack_close(fd);
            break;
        }

        Record(&requests_, line);
        if (!authorized) {
            SendAll(client, k407);
            break;
        }
        // Absolute form only: "http://authority/path".
        if (head.target.rfind("http://", 0) != 0) {
            SendAll(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            break;
        }
        const std::string rest = head.target.substr(7);
        const size_t slash = rest.find('/');
        const std::string authority = rest.substr(0, slash);
        const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
        if (upstream >= 0 && authority != upstream_authority) close_upstream();
        if (upstream < 0) {
            upstream = ConnectTo(authority);
            if (upstream < 0) {
                SendAll(client, k502);
                break;
            }
            track(upstream);
            upstream_authority = authority;
            const int from = upstream;
            responses = std::thread([from, client] {
                std::string chunk;
                while (ReadSome(from, &chunk)) {
                    if (!SendAll(client, chunk)) break;
                    chunk.clear();
                }
                ::shutdown(client, SHUT_RDWR);  // the server closed: so does the proxy, as a real one would
            });
        }
        std::string out = head.method + " " + path + " " + head.version + "\r\n";
        for (const auto& [name, value] : head.headers) {
            const std::string n = Lower(name);
            if (n == "proxy-authorization" || n == "proxy-connection") continue;
            out += name + ": " + value + "\r\n";
        }
        out += "\r\n";
        buffered.erase(0, head_len);
        const std::string length = head.Get("Content-Length");
        size_t body = length.empty() ? 0 : static_cast<size_t>(std::stoull(length));
        bool ok = SendAll(upstream, out);
        while (ok && body > 0) {
            if (buffered.empty() && !ReadSome(client, &buffered)) {
                ok = false;
                break;
            }
            const size_t take = std::min(body, buffered.size());
            ok = SendAll(upstream, std::string_view(buffered).substr(0, take));
            buffered.erase(0, take);
            body -= take;
        }
        if (!ok) break;
    }
    close_upstream();
    untrack_close(client);
}

}  // namespace lse::testing
