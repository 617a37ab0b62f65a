#pragma once
/// @file
/// A minimal HTTP/1.1 server for one document: GET (or HEAD) /metrics answers the current body, every
/// other path 404, other methods 405. One connection per request (Connection: close). It runs on its own
/// thread with a poll loop over non-blocking sockets, so a slow or broken client cannot hold up a scrape:
/// requests are capped at kMaxRequestBytes, each connection must finish within kConnectionTimeoutMs, and at
/// most kMaxConnections are open at once (further ones wait in the listen backlog).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lse/prometheus/listen_address.hpp"

namespace lse::prometheus {

class MetricsHttpServer {
public:
    static constexpr std::size_t kMaxRequestBytes = 8 * 1024;
    static constexpr int kConnectionTimeoutMs = 10'000;
    static constexpr std::size_t kMaxConnections = 32;

    /// Binds and starts serving (an empty body until SetBody). `flag` names the option in error messages.
    /// Throws lse::UsageError when the host cannot be resolved, lse::SetupError when binding fails
    /// (the message carries the errno text, e.g. "Address already in use").
    MetricsHttpServer(const ListenAddress& address, std::string_view flag, std::string content_type);
    /// Stops the thread and closes every socket.
    ~MetricsHttpServer();

    MetricsHttpServer(const MetricsHttpServer&) = delete;
    MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

    /// The port actually bound (the kernel's choice when the address asked for port 0).
    int BoundPort() const noexcept { return port_; }

    /// Replaces the document; scrapes already being answered finish with the previous one.
    void SetBody(std::string body);

private:
    struct Connection;

    void Run();
    void Accept(std::vector<Connection>* connections);
    void Respond(Connection* c);
    std::shared_ptr<const std::string> Body() const;

    std::string content_type_;
    int listen_fd_ = -1;
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    int port_ = 0;
    mutable std::mutex mutex_;
    std::shared_ptr<const std::string> body_;  // guarded by mutex_
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace lse::prometheus
