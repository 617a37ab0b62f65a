#pragma once
/// @file
/// A small forward HTTP proxy on a free loopback port, for tests that must check what a proxy saw: it
/// opens CONNECT tunnels (then relays bytes both ways) and forwards absolute-form requests
/// ("GET http://host:port/path HTTP/1.1", rewritten to origin form, Proxy-Authorization removed) over one
/// upstream connection per client connection, keep-alive included. It records every CONNECT target, every
/// forwarded request line as received and every Proxy-Authorization value, and counts client connections.
/// Plain POSIX sockets and threads (a thread per client connection); loopback targets only matter in tests.
///
/// With required_authorization set, a CONNECT or request without exactly that Proxy-Authorization value is
/// answered 407 (and the connection closed), as a real proxy demanding credentials would.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lse::testing {

struct TestProxyOptions {
    std::string required_authorization;  ///< e.g. "Basic dXNlcjpwYXNz"; empty: no credentials needed
    /// Accept connections, read each CONNECT or request (recorded as usual) and never answer: a proxy that hangs.
    bool stall = false;
};

class TestProxy {
public:
    TestProxy() = default;
    ~TestProxy();  ///< Stop().
    TestProxy(const TestProxy&) = delete;
    TestProxy& operator=(const TestProxy&) = delete;

    /// Binds 127.0.0.1 on a free port and starts accepting. Throws lse::SetupError.
    void Start(TestProxyOptions options = {});
    /// Closes every socket and joins every thread. Safe to call twice.
    void Stop();

    int Port() const noexcept { return port_; }
    std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    /// CONNECT targets ("127.0.0.1:8443"), in order, refused ones included.
    std::vector<std::string> Connects() const;
    /// Request lines of forwarded (absolute-form) requests, as the client sent them, refused ones included.
    std::vector<std::string> Requests() const;
    /// Proxy-Authorization values received (one per CONNECT or request; "" when absent).
    std::vector<std::string> Authorizations() const;
    /// Client connections accepted so far.
    int ClientConnections() const noexcept { return client_connections_.load(); }

private:
    void AcceptLoop();
    void Serve(int client_fd);
    void Record(std::vector<std::string>* list, std::string value);

    TestProxyOptions options_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> client_connections_{0};
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::vector<std::thread> workers_;  // guarded by mu_
    std::vector<int> open_fds_;         // guarded by mu_: shut down by Stop() to end blocked reads
    std::vector<std::string> connects_;
    std::vector<std::string> requests_;
    std::vector<std::string> authorizations_;
};

}  // namespace lse::testing
