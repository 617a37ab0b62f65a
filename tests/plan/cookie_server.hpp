#pragma once
/// @file
/// A tiny HTTP/1.1 server on 127.0.0.1 for the replay's cookie tests: it hands out a fresh session cookie on
/// every GET /login (Set-Cookie: sid=s<N>; Path=/, plus a cookie scoped to /other that must not come back
/// elsewhere) and answers everything else with 200 "ok", recording each request's line and Cookie header so
/// a test can see exactly what the client sent. Keep-alive, one thread per connection.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lse::plan::test_servers {

class CookieServer {
public:
    struct Seen {
        std::string line;    ///< "GET /page HTTP/1.1"
        std::string cookie;  ///< the Cookie header's value, empty when there was none
    };

    CookieServer();   ///< Listens on a kernel-chosen port; throws std::runtime_error when it cannot.
    ~CookieServer();  ///< Stop().
    CookieServer(const CookieServer&) = delete;
    CookieServer& operator=(const CookieServer&) = delete;

    int Port() const noexcept { return port_; }
    void Stop();
    std::vector<Seen> Requests() const;

private:
    void AcceptLoop();
    void Serve(int fd);
    void Close(int fd);

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> sessions_{0};
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::vector<std::thread> connections_;
    std::vector<int> fds_;
    std::vector<Seen> seen_;
};

}  // namespace lse::plan::test_servers
