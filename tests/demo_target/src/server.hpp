#pragma once
/// @file
/// Single-threaded libuv HTTP/1.1 server for the demo app: keep-alive, pipelining (replies leave
/// in request order, a delayed reply holds back the ones behind it), idle timeout, clean shutdown
/// on SIGINT/SIGTERM.

#include <uv.h>

#include <cstdint>
#include <set>
#include <string>

#include "demo_app.hpp"

namespace lse::demo {

class Connection;

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;                             ///< 0: let the kernel pick.
    std::int64_t idle_timeout_ms = 5'000;     ///< 0 disables idle closes.
    bool quiet = false;                       ///< No per-request log lines on stderr.
};

class Server {
public:
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens; returns the bound port. Throws lse::SetupError on failure.
    int Listen();
    /// Runs until SIGINT/SIGTERM, then closes every handle. Returns the process exit code.
    int Run();

    DemoApp& App() { return app_; }
    const ServerOptions& Options() const { return options_; }
    uv_loop_t* Loop() { return &loop_; }
    void Forget(Connection* connection) { connections_.erase(connection); }

private:
    static void OnConnection(uv_stream_t* listener, int status);
    static void OnSignal(uv_signal_t* handle, int signum);
    void Shutdown();

    ServerOptions options_;
    DemoApp app_;
    uv_loop_t loop_;
    uv_tcp_t listener_;
    uv_signal_t sigint_;
    uv_signal_t sigterm_;
    std::set<Connection*> connections_;
    bool shutting_down_ = false;
};

}  // namespace lse::demo
