#pragma once
/// @file
/// A tiny HTTP/1.1 server on 127.0.0.1 for the replay's cookie and redirect tests, recording each request's line
/// and Cookie header so a test sees exactly what the client sent. Keep-alive, one thread per connection.
///   GET /login            200, Set-Cookie: sid=s<N>; Path=/ (a fresh session each time) and a cookie scoped
///                         to /other that must not come back elsewhere
///   GET /go?to=abs        303, Location: http://127.0.0.1:<port>/landing/<N> (absolute, this origin)
///   GET /go?to=rel        303, Location: /landing/<N>
///   GET /go?to=away       303, Location: http://localhost:<port>/landing/0 (another origin)
///   GET /landing/<N>      200 once for each N a /go handed out, 404 otherwise (wrong, unknown or repeated)
///   GET /text             200, body "line1\nline2"
///   anything else         200 "ok"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lse::plan::test_servers {

class FlowServer {
public:
    struct Seen {
        std::string line;    ///< "GET /page HTTP/1.1"
        std::string cookie;  ///< the Cookie header's value, empty when there was none
    };

    FlowServer();   ///< Listens on a kernel-chosen port; throws std::runtime_error when it cannot.
    ~FlowServer();  ///< Stop().
    FlowServer(const FlowServer&) = delete;
    FlowServer& operator=(const FlowServer&) = delete;

    int Port() const noexcept { return port_; }
    void Stop();
    std::vector<Seen> Requests() const;

private:
    void AcceptLoop();
    void Serve(int fd);
    void Close(int fd);
    std::string Answer(const std::string& request_line);

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> sessions_{0};
    int landings_issued_ = 0;       // under mu_
    std::vector<bool> landed_;      // under mu_: landing N was visited
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::vector<std::thread> connections_;
    std::vector<int> fds_;
    std::vector<Seen> seen_;
};

}  // namespace lse::plan::test_servers
