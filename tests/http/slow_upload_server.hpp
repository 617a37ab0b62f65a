#pragma once
/// @file
/// A raw HTTP/1.1 upload sink for tests of the client's write path: it accepts POSTs on 127.0.0.1
/// (plain or TLS with a throwaway self-signed certificate), reads every body slowly through a small
/// receive buffer (so the client's socket buffer fills and its writes become partial), and records the
/// exact length and FNV-1a hash of each body. Anything that is not a well-formed POST, including stray
/// bytes after a body, is counted as a bad request, so a client that sends more than it should is caught.

#include <openssl/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lse::http::testing {

/// FNV-1a, 64 bits: cheap, order-sensitive, good enough to tell two bodies apart in a test.
std::uint64_t Fnv1a(std::string_view data, std::uint64_t hash = 0xcbf29ce484222325ULL);

/// `size` pseudo-random bytes (every value 0..255, NULs included) from `seed`.
std::string PatternBody(std::size_t size, std::uint32_t seed);

/// What the server answers for a body: "<length> <hash as 16 hex digits>".
std::string UploadDigest(std::string_view body);

class SlowUploadServer {
public:
    struct Upload {
        std::size_t length = 0;
        std::uint64_t hash = 0;
    };

    /// Listens on a free loopback port; tls = true serves HTTPS (clients must not verify).
    explicit SlowUploadServer(bool tls);
    ~SlowUploadServer();  ///< Stop().
    SlowUploadServer(const SlowUploadServer&) = delete;
    SlowUploadServer& operator=(const SlowUploadServer&) = delete;

    int port() const noexcept { return port_; }
    std::string Url(std::string_view path) const;

    /// Closes the listener and joins every connection thread (they end when their client closes).
    void Stop();

    std::vector<Upload> Uploads() const;
    /// Malformed requests and stray bytes seen so far, with a short description of the first.
    int BadRequests() const noexcept { return bad_.load(); }
    std::string FirstBadRequest() const;

private:
    void AcceptLoop();
    void Serve(int fd);
    void Bad(std::string what);

    bool tls_;
    SSL_CTX* ctx_ = nullptr;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> bad_{0};
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::vector<std::thread> connections_;
    std::vector<Upload> uploads_;
    std::string first_bad_;
};

}  // namespace lse::http::testing
