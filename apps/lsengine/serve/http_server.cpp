#include "http_server.hpp"

#include <fcntl.h>
#include <llhttp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lse/core/errors.hpp"
#include "lse/prometheus/tcp_listener.hpp"

namespace lse::service {
namespace {

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// llhttp hands the request over in pieces (a header may be split across reads): these callbacks glue them.
struct RequestParse {
    HttpRequest* request = nullptr;
    std::string url;
    std::string field;
    std::string value;
    bool in_value = false;
    bool complete = false;
    bool too_large = false;

    void EndHeader() {
        if (!field.empty()) request->headers[Lower(field)] = value;
        field.clear();
        value.clear();
        in_value = false;
    }
};

RequestParse* Parse(llhttp_t* p) { return static_cast<RequestParse*>(p->data); }

const llhttp_settings_t& Settings() {
    static const llhttp_settings_t settings = [] {
        llhttp_settings_t s;
        llhttp_settings_init(&s);
        s.on_url = [](llhttp_t* p, const char* at, size_t n) {
            Parse(p)->url.append(at, n);
            return 0;
        };
        s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
            RequestParse* r = Parse(p);
            if (r->in_value) r->EndHeader();
            r->field.append(at, n);
            return 0;
        };
        s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
            RequestParse* r = Parse(p);
            r->in_value = true;
            r->value.append(at, n);
            return 0;
        };
        s.on_headers_complete = [](llhttp_t* p) {
            RequestParse* r = Parse(p);
            r->EndHeader();
            // Refused before any of it is read: a client announcing gigabytes gets its 413 at once.
            if ((p->flags & F_CONTENT_LENGTH) != 0 && p->content_length > HttpServer::kMaxBodyBytes) {
                r->too_large = true;
                return -1;
            }
            return 0;
        };
        s.on_body = [](llhttp_t* p, const char* at, size_t n) {
            RequestParse* r = Parse(p);
            if (r->request->body.size() + n > HttpServer::kMaxBodyBytes) {
                r->too_large = true;
                return -1;
            }
            r->request->body.append(at, n);
            return 0;
        };
        s.on_message_complete = [](llhttp_t* p) {
            Parse(p)->complete = true;
            return static_cast<int>(HPE_PAUSED);  // one request per connection: whatever follows is not read
        };
        return s;
    }();
    return settings;
}

enum class ReadResult { kOk, kBad, kTooLarge, kGone };

// Reads one request within kReadTimeoutMs.
ReadResult ReadRequest(int fd, const std::atomic<bool>& stopping, HttpRequest* out, std::string* why) {
    llhttp_t parser;
    llhttp_init(&parser, HTTP_REQUEST, &Settings());
    RequestParse parse;
    parse.request = out;
    parser.data = &parse;
    const std::int64_t deadline = NowMs() + HttpServer::kReadTimeoutMs;
    std::size_t head_bytes = 0;
    char buf[16 * 1024];
    while (!parse.complete) {
        const std::int64_t left = deadline - NowMs();
        if (left <= 0 || stopping.load(std::memory_order_relaxed)) return ReadResult::kGone;
        pollfd pfd{fd, POLLIN, 0};
        const int ready = poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left, 200)));
        if (ready < 0 && errno != EINTR) return ReadResult::kGone;
        if (ready <= 0) continue;
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return ReadResult::kGone;
        if (out->body.empty()) head_bytes += static_cast<std::size_t>(n);
        const llhttp_errno_t rc = llhttp_execute(&parser, buf, static_cast<size_t>(n));
        if (parse.too_large) return ReadResult::kTooLarge;
        if (rc != HPE_OK && rc != HPE_PAUSED) {
            *why = llhttp_get_error_reason(&parser) != nullptr ? llhttp_get_error_reason(&parser) : "malformed request";
            return ReadResult::kBad;
        }
        if (!parse.complete && out->body.empty() && head_bytes > HttpServer::kMaxHeadBytes) return ReadResult::kTooLarge;
    }
    out->method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(&parser)));
    const auto q = parse.url.find('?');
    out->path = parse.url.substr(0, q);
    if (q != std::string::npos) out->query = parse.url.substr(q + 1);
    return ReadResult::kOk;
}

}  // namespace

std::string HttpRequest::Header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

std::string_view StatusText(int status) noexcept {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

bool HttpResponder::WriteAll(std::string_view data) {
    while (!data.empty() && !broken_) {
        pollfd pfd{fd_, POLLOUT, 0};
        const int ready = poll(&pfd, 1, HttpServer::kWriteTimeoutMs);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            broken_ = true;  // a client that stopped reading
            break;
        }
        const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
            broken_ = true;
            break;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return !broken_;
}

void HttpResponder::Send(int status, std::string_view content_type, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    if (responded_) return;
    responded_ = true;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(StatusText(status)) + "\r\n";
    head += "Content-Type: " + std::string(content_type) + "\r\n";
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
    head += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (WriteAll(head)) WriteAll(body);
}

bool HttpResponder::BeginStream(int status, std::string_view content_type) {
    if (responded_) return false;
    responded_ = true;
    return WriteAll("HTTP/1.1 " + std::to_string(status) + " " + std::string(StatusText(status)) +
                    "\r\nContent-Type: " + std::string(content_type) +
                    "\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n");
}

bool HttpResponder::Write(std::string_view data) { return !Stopping() && WriteAll(data); }

HttpServer::HttpServer(const prometheus::ListenAddress& address, std::string_view flag, Handler handler)
    : handler_(std::move(handler)) {
    listen_fd_ = prometheus::BindTcpListener(address, flag);
    port_ = prometheus::ListenerPort(listen_fd_);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        close(listen_fd_);
        throw SetupError(std::string(flag) + ": cannot create a pipe: " + std::strerror(errno));
    }
    wake_read_fd_ = fds[0];
    wake_write_fd_ = fds[1];
    accept_thread_ = std::thread([this] { AcceptLoop(); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() noexcept {
    if (stopping_.exchange(true)) return;
    const char byte = 1;
    [[maybe_unused]] const ssize_t w = write(wake_write_fd_, &byte, 1);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::list<std::unique_ptr<Connection>> connections;
    {
        std::lock_guard lock(mutex_);
        // Readers and writers blocked in poll() wake up on the shutdown.
        for (auto& c : connections_) shutdown(c->fd, SHUT_RDWR);
        connections.swap(connections_);
    }
    for (auto& c : connections) {
        if (c->thread.joinable()) c->thread.join();
    }
    close(listen_fd_);
    close(wake_read_fd_);
    close(wake_write_fd_);
}

void HttpServer::ReapFinished() {
    std::list<std::unique_ptr<Connection>> finished;
    {
        std::lock_guard lock(mutex_);
        for (auto it = connections_.begin(); it != connections_.end();) {
            if ((*it)->done.load()) {
                finished.push_back(std::move(*it));
                it = connections_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& c : finished) c->thread.join();
}

void HttpServer::AcceptLoop() {
    while (!stopping_.load()) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
        const int ready = poll(fds, 2, 1000);
        ReapFinished();
        if (ready <= 0 || (fds[1].revents & POLLIN) != 0) continue;
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard lock(mutex_);
        if (connections_.size() >= kMaxConnections) {
            static constexpr std::string_view kBusy =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            [[maybe_unused]] const ssize_t n = send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
            close(fd);
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        Connection* raw = c.get();
        connections_.push_back(std::move(c));
        raw->thread = std::thread([this, raw] { Serve(raw); });
    }
}

void HttpServer::Serve(Connection* c) {
    HttpRequest request;
    HttpResponder responder(c->fd, &stopping_);
    std::string why;
    switch (ReadRequest(c->fd, stopping_, &request, &why)) {
        case ReadResult::kOk:
            try {
                handler_(request, responder);
            } catch (const std::exception&) {
                responder.Send(500, "application/json", std::string("{\"error\":\"internal error\"}"));
            }
            if (!responder.Responded()) responder.Send(500, "application/json", "{\"error\":\"no response\"}");
            break;
        case ReadResult::kBad:
            responder.Send(400, "text/plain", "bad request: " + why + "\n");
            break;
        case ReadResult::kTooLarge:
            responder.Send(413, "text/plain", "request too large\n");
            break;
        case ReadResult::kGone:
            break;
    }
    shutdown(c->fd, SHUT_WR);
    // Drain what the client still sends for a moment, so the close does not reset the response away.
    char buf[4096];
    const std::int64_t until = NowMs() + 500;
    while (NowMs() < until) {
        pollfd pfd{c->fd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0) continue;
        if (recv(c->fd, buf, sizeof buf, 0) <= 0) break;
    }
    {
        std::lock_guard lock(mutex_);
        close(c->fd);
        c->fd = -1;
    }
    c->done.store(true);
}

}  // namespace lse::service
