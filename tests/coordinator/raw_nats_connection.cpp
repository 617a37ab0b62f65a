#include "raw_nats_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace lse::coordinator::testing {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        const std::size_t begin = i;
        while (i < line.size() && line[i] != ' ') ++i;
        if (i > begin) out.push_back(line.substr(begin, i - begin));
    }
    return out;
}

}  // namespace

RawNatsConnection::~RawNatsConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawNatsConnection::Connect(int port, const std::string& token, const std::string& name, std::string* error) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) {
        *error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        *error = std::string("connect: ") + std::strerror(errno);
        return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    // The server's INFO comes first; CONNECT may be sent before reading it.
    out_ += R"(CONNECT {"verbose":false,"pedantic":false,"echo":false,"protocol":1,"name":")" + name +
            R"(","auth_token":")" + token + "\"}\r\n";
    OnWritable();
    return true;
}

void RawNatsConnection::Subscribe(std::string_view subject, int sid) {
    out_ += "SUB ";
    out_ += subject;
    out_ += " " + std::to_string(sid) + "\r\n";
    OnWritable();
}

void RawNatsConnection::Publish(std::string_view subject, std::string_view payload) {
    out_ += "PUB ";
    out_ += subject;
    out_ += " " + std::to_string(payload.size()) + "\r\n";
    out_ += payload;
    out_ += "\r\n";
    OnWritable();
}

void RawNatsConnection::Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
}

void RawNatsConnection::OnWritable() {
    while (ok() && sent_ < out_.size()) {
        const ssize_t n = ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            Fail(std::string("send: ") + std::strerror(errno));
            return;
        }
        sent_ += static_cast<std::size_t>(n);
    }
    if (sent_ == out_.size()) {
        out_.clear();
        sent_ = 0;
    }
}

void RawNatsConnection::OnReadable() {
    char buf[64 * 1024];
    for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) Fail("the server closed the connection");
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Fail(std::string("recv: ") + std::strerror(errno));
        break;
    }
    Parse();
    OnWritable();
}

void RawNatsConnection::Parse() {
    std::size_t pos = 0;
    while (ok()) {
        const std::size_t eol = in_.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const std::string_view line(in_.data() + pos, eol - pos);
        if (line.starts_with("MSG ")) {
            // MSG <subject> <sid> [reply-to] <#bytes>
            const auto words = Words(line);
            if (words.size() != 4 && words.size() != 5) {
                Fail("bad MSG line: " + std::string(line));
                break;
            }
            std::size_t size = 0;
            const std::string_view count = words.back();
            if (std::from_chars(count.data(), count.data() + count.size(), size).ec != std::errc{}) {
                Fail("bad MSG size: " + std::string(line));
                break;
            }
            if (in_.size() < eol + 2 + size + 2) break;  // the payload is not all here yet
            const std::string subject(words[1]);
            const std::string payload = in_.substr(eol + 2, size);
            pos = eol + 2 + size + 2;
            if (on_message_) on_message_(subject, payload);
            continue;
        }
        if (line == "PING") {
            out_ += "PONG\r\n";
        } else if (line.starts_with("-ERR")) {
            Fail("server: " + std::string(line));
        }  // INFO, PONG, +OK: nothing to do
        pos = eol + 2;
    }
    in_.erase(0, pos);
}

}  // namespace lse::coordinator::testing
