#pragma once
/// @file
/// The HTTP/1.1 server of `lsengine serve`: one request per connection (Connection: close), parsed with llhttp,
/// one thread per connection so a long `GET /runs/{id}/events` stream never holds up other requests. Bounded:
/// a request head of at most kMaxHeadBytes, a body of at most kMaxBodyBytes, kReadTimeoutMs to send the whole
/// request, at most kMaxConnections at once (more get 503).

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lse/prometheus/listen_address.hpp"

namespace lse::service {

struct HttpRequest {
    std::string method;                          ///< "GET", "POST"...
    std::string path;                            ///< the target without the query, e.g. "/runs/abc"
    std::string query;                           ///< after '?', undecoded; empty when none
    std::map<std::string, std::string> headers;  ///< keys lower-cased; a repeated header keeps the last value
    std::string body;

    /// The header's value, or "" when absent.
    std::string Header(const std::string& lower_name) const;
};

/// What a handler answers with: either one Send, or BeginStream then Write calls (the body ends when the
/// connection closes). Writes block the handler's own thread only, up to kWriteTimeoutMs each.
class HttpResponder {
public:
    HttpResponder(int fd, const std::atomic<bool>* stopping) : fd_(fd), stopping_(stopping) {}

    void Send(int status, std::string_view content_type, std::string_view body,
              const std::vector<std::pair<std::string, std::string>>& headers = {});
    /// Status line and headers of a body that is written piece by piece and ends at close. False when the client
    /// has gone.
    bool BeginStream(int status, std::string_view content_type);
    /// False when the client has gone (or the server is stopping): the handler should return.
    bool Write(std::string_view data);
    /// The server is shutting down: long handlers (streams) return soon.
    bool Stopping() const noexcept { return stopping_->load(std::memory_order_relaxed); }
    bool Responded() const noexcept { return responded_; }

private:
    bool WriteAll(std::string_view data);

    int fd_;
    const std::atomic<bool>* stopping_;
    bool responded_ = false;
    bool broken_ = false;
};

/// The reason phrase of the statuses the API uses ("Not Found"); "Unknown" otherwise.
std::string_view StatusText(int status) noexcept;

class HttpServer {
public:
    static constexpr std::size_t kMaxHeadBytes = 16 * 1024;
    static constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;  ///< a POST /runs carries a whole script
    static constexpr int kReadTimeoutMs = 10'000;
    static constexpr int kWriteTimeoutMs = 10'000;
    static constexpr std::size_t kMaxConnections = 64;

    using Handler = std::function<void(const HttpRequest&, HttpResponder&)>;

    /// Binds (throws as prometheus::BindTcpListener, naming `flag`) and starts accepting.
    HttpServer(const prometheus::ListenAddress& address, std::string_view flag, Handler handler);
    ~HttpServer();  ///< Stop().
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int BoundPort() const noexcept { return port_; }
    /// Stops accepting, tells streaming handlers to return, unblocks their sockets and joins every thread.
    void Stop() noexcept;

private:
    struct Connection {
        int fd = -1;
        std::thread thread;
        std::atomic<bool> done{false};
    };

    void AcceptLoop();
    void Serve(Connection* c);
    void ReapFinished();

    Handler handler_;
    int listen_fd_ = -1;
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::list<std::unique_ptr<Connection>> connections_;  // guarded by mutex_
    std::thread accept_thread_;
};

}  // namespace lse::service
