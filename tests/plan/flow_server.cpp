#include "flow_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace lse::plan::test_servers {
namespace {

bool SendAll(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

// The value of header `name` (lower-case) in a request head, empty when absent.
std::string HeaderValue(const std::string& head, const std::string& name) {
    size_t line = head.find("\r\n");
    while (line != std::string::npos && line + 2 < head.size()) {
        const size_t start = line + 2;
        const size_t end = head.find("\r\n", start);
        const std::string text = head.substr(start, end - start);
        const size_t colon = text.find(':');
        if (colon != std::string::npos) {
            std::string key = text.substr(0, colon);
            for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (key == name) {
                std::string value = text.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                return value;
            }
        }
        line = end;
    }
    return "";
}

}  // namespace

FlowServer::FlowServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("FlowServer: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
}

FlowServer::~FlowServer() { Stop(); }

void FlowServer::Stop() {
    if (stopping_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
        threads.swap(connections_);
    }
    for (auto& t : threads) t.join();
}

std::vector<FlowServer::Seen> FlowServer::Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
}

void FlowServer::AcceptLoop() {
    while (!stopping_) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        fds_.push_back(fd);
        connections_.emplace_back([this, fd] { Serve(fd); });
    }
}

std::string FlowServer::Answer(const std::string& line) {
    std::string status = "200 OK";
    std::string extra;
    std::string body = "ok";
    const std::string self = "127.0.0.1:" + std::to_string(port_);
    if (line.rfind("GET /login ", 0) == 0) {
        extra = "Set-Cookie: sid=s" + std::to_string(++sessions_) + "; Path=/; HttpOnly\r\n"
                "Set-Cookie: scoped=1; Path=/other\r\n";
    } else if (line.rfind("GET /go?to=", 0) == 0) {
        const std::string to = line.substr(11, line.find(' ', 11) - 11);
        std::lock_guard<std::mutex> lock(mu_);
        const int n = ++landings_issued_;
        landed_.resize(static_cast<size_t>(n) + 1, false);
        status = "303 See Other";
        const std::string path = "/landing/" + std::to_string(n);
        if (to == "abs") extra = "Location: http://" + self + path + "\r\n";
        if (to == "rel") extra = "Location: " + path + "\r\n";
        if (to == "away") extra = "Location: http://localhost:" + std::to_string(port_) + "/landing/0\r\n";
    } else if (line.rfind("GET /landing/", 0) == 0) {
        const std::string id = line.substr(13, line.find(' ', 13) - 13);
        std::lock_guard<std::mutex> lock(mu_);
        const size_t n = id.empty() || id.find_first_not_of("0123456789") != std::string::npos ? 0 : std::stoul(id);
        if (n == 0 || n >= landed_.size() || landed_[n]) {
            status = "404 Not Found";
        } else {
            landed_[n] = true;
        }
    } else if (line.rfind("GET /text ", 0) == 0) {
        body = "line1\nline2";
    }
    return "HTTP/1.1 " + status + "\r\n" + extra + "Content-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

void FlowServer::Close(int fd) {
    std::lock_guard<std::mutex> lock(mu_);  // Stop() shuts the open ones down: never a number reused meanwhile
    for (size_t i = 0; i < fds_.size(); ++i) {
        if (fds_[i] == fd) {
            fds_.erase(fds_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
    }
    ::close(fd);
}

void FlowServer::Serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
        size_t head_end;
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return Close(fd);
            buffer.append(chunk, static_cast<size_t>(n));
        }
        const std::string head = buffer.substr(0, head_end + 2);
        const std::string length = HeaderValue(head, "content-length");
        const size_t body = length.empty() ? 0 : std::stoul(length);
        while (buffer.size() < head_end + 4 + body) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return Close(fd);
            buffer.append(chunk, static_cast<size_t>(n));
        }
        buffer.erase(0, head_end + 4 + body);
        const std::string line = head.substr(0, head.find("\r\n"));
        {
            std::lock_guard<std::mutex> lock(mu_);
            seen_.push_back(Seen{line, HeaderValue(head, "cookie")});
        }
        if (!SendAll(fd, Answer(line))) return Close(fd);
    }
}

}  // namespace lse::plan::test_servers
