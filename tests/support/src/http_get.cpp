#include "lse/testing/http_get.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

namespace lse::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string Trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

int RemainingMs(SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for the fd to become ready; false on timeout.
bool WaitReady(int fd, short events, SteadyClock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        int rc = poll(&p, 1, RemainingMs(deadline));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return true;  // Let the following read/write report the error.
    }
}

bool DecodeChunked(const std::string& in, std::string* out, std::string* error) {
    size_t pos = 0;
    for (;;) {
        size_t eol = in.find("\r\n", pos);
        if (eol == std::string::npos) {
            *error = "chunked body: truncated size line";
            return false;
        }
        std::string size_text = in.substr(pos, eol - pos);
        size_t semi = size_text.find(';');
        if (semi != std::string::npos) size_text.resize(semi);
        char* end = nullptr;
        unsigned long size = std::strtoul(size_text.c_str(), &end, 16);
        if (size_text.empty() || end == size_text.c_str()) {
            *error = "chunked body: bad size line '" + size_text + "'";
            return false;
        }
        pos = eol + 2;
        if (size == 0) return true;  // Trailers, if any, are ignored.
        if (pos + size + 2 > in.size()) {
            *error = "chunked body: truncated chunk";
            return false;
        }
        out->append(in, pos, size);
        pos += size + 2;
    }
}

}  // namespace

SimpleResponse ParseRawResponse(const std::string& raw, bool head_request) {
    SimpleResponse resp;
    size_t head_end = raw.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        resp.error = raw.empty() ? "empty response" : "incomplete response head";
        return resp;
    }
    size_t line_end = raw.find("\r\n");
    std::string status_line = raw.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
        resp.error = "bad status line: " + status_line;
        return resp;
    }
    int status = std::atoi(status_line.c_str() + 9);
    if (status < 100 || status > 999) {
        resp.error = "bad status code: " + status_line;
        return resp;
    }
    size_t pos = line_end + 2;
    while (pos < head_end) {
        size_t eol = raw.find("\r\n", pos);
        std::string line = raw.substr(pos, eol - pos);
        pos = eol + 2;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        resp.headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    }
    std::string rest = raw.substr(head_end + 4);
    const bool no_body = head_request || status == 204 || status == 304 || status < 200;
    auto te = resp.headers.find("transfer-encoding");
    auto cl = resp.headers.find("content-length");
    if (no_body) {
        // Nothing to read.
    } else if (te != resp.headers.end() && Lower(te->second).find("chunked") != std::string::npos) {
        if (!DecodeChunked(rest, &resp.body, &resp.error)) return resp;
    } else if (cl != resp.headers.end()) {
        size_t length = std::strtoull(cl->second.c_str(), nullptr, 10);
        if (rest.size() < length) {
            resp.error = "body shorter than Content-Length (" + std::to_string(rest.size()) + " < " +
                         std::to_string(length) + ")";
            return resp;
        }
        resp.body = rest.substr(0, length);
    } else {
        resp.body = rest;  // Close-delimited.
    }
    resp.status = status;
    return resp;
}

bool RawExchange(int port, const std::string& request, int timeout_ms, std::string* raw, std::string* error) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *error = std::string("socket: ") + strerror(errno);
        return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 && errno != EINPROGRESS) {
        so_error = errno;
    } else if (!WaitReady(fd, POLLOUT, deadline)) {
        *error = "connect: timeout";
        close(fd);
        return false;
    } else {
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    }
    if (so_error != 0) {
        *error = std::string("connect: ") + strerror(so_error);
        close(fd);
        return false;
    }

    size_t sent = 0;
    while (sent < request.size()) {
        if (!WaitReady(fd, POLLOUT, deadline)) {
            *error = "send: timeout";
            close(fd);
            return false;
        }
        ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        // The server may answer and close before reading everything (e.g. 400): read what it said.
        if (n < 0) break;
        sent += static_cast<size_t>(n);
    }

    char buf[16384];
    for (;;) {
        if (!WaitReady(fd, POLLIN, deadline)) {
            *error = "read: timeout after " + std::to_string(raw->size()) + " bytes";
            close(fd);
            return false;
        }
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            raw->append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) break;
        if (errno == EAGAIN || errno == EINTR) continue;
        *error = std::string("read: ") + strerror(errno) + " after " + std::to_string(raw->size()) + " bytes";
        close(fd);
        return false;
    }
    close(fd);
    return true;
}

SimpleResponse HttpRequestSync(int port, std::string method, std::string path, std::string body,
                               std::vector<std::pair<std::string, std::string>> headers, int timeout_ms) {
    std::string request = method + " " + path + " HTTP/1.1\r\n";
    bool has_host = false;
    bool has_length = false;
    for (const auto& [k, v] : headers) {
        std::string key = Lower(k);
        has_host |= key == "host";
        has_length |= key == "content-length" || key == "transfer-encoding";
    }
    if (!has_host) request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
    if (!has_length && (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")) {
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "Connection: close\r\n\r\n";
    request += body;

    std::string raw;
    std::string error;
    if (!RawExchange(port, request, timeout_ms, &raw, &error)) {
        SimpleResponse fail = ParseRawResponse(raw, method == "HEAD");
        fail.status = 0;
        fail.error = error;
        return fail;
    }
    return ParseRawResponse(raw, method == "HEAD");
}

}  // namespace lse::testing
