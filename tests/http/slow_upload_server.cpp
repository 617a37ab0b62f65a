#include "slow_upload_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace lse::http::testing {
namespace {

constexpr int kReceiveBufferBytes = 16 * 1024;  // Small, so the client's writes stall and go partial.
constexpr std::size_t kMaxHead = 64 * 1024;

/// A throwaway self-signed certificate for 127.0.0.1 (the client runs with insecure = true).
SSL_CTX* MakeServerContext() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    if (ctx == nullptr || key == nullptr || cert == nullptr) throw std::runtime_error("SlowUploadServer: TLS setup");
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    const bool ok = SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) throw std::runtime_error("SlowUploadServer: cannot load the generated certificate");
    return ctx;
}

/// Blocking reads and writes over a socket, with or without TLS, plus a buffer of bytes read ahead.
class Stream {
public:
    Stream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
    /// Appends what one read returns to buf_; false on EOF or error.
    bool Fill() {
        char chunk[16 * 1024];
        const long n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::read(fd_, chunk, sizeof chunk);
        if (n <= 0) return false;
        buf_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    bool WriteAll(std::string_view data) {
        while (!data.empty()) {
            const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                           : ::write(fd_, data.data(), data.size());
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    std::string& buf() { return buf_; }

private:
    int fd_;
    SSL* ssl_;
    std::string buf_;
};

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string Printable(std::string_view bytes) {
    std::string out;
    for (const unsigned char c : bytes.substr(0, 40)) {
        if (c >= 0x20 && c < 0x7f) {
            out.push_back(static_cast<char>(c));
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

}  // namespace

std::uint64_t Fnv1a(std::string_view data, std::uint64_t hash) {
    for (const unsigned char c : data) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string PatternBody(std::size_t size, std::uint32_t seed) {
    std::string body(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (std::size_t i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        body[i] = static_cast<char>(x >> 24);
    }
    return body;
}

std::string UploadDigest(std::string_view body) {
    char out[64];
    std::snprintf(out, sizeof out, "%zu %016llx", body.size(), static_cast<unsigned long long>(Fnv1a(body)));
    return out;
}

SlowUploadServer::SlowUploadServer(bool tls) : tls_(tls) {
    if (tls_) ctx_ = MakeServerContext();
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Set on the listener so that accepted sockets start with it (it bounds the TCP window).
    setsockopt(listen_fd_, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("SlowUploadServer: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
}

SlowUploadServer::~SlowUploadServer() {
    Stop();
    SSL_CTX_free(ctx_);
}

std::string SlowUploadServer::Url(std::string_view path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void SlowUploadServer::Stop() {
    if (stopping_.exchange(true)) return;
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(mu_);
        threads.swap(connections_);
    }
    for (auto& t : threads) t.join();
}

void SlowUploadServer::AcceptLoop() {
    while (!stopping_.load()) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard<std::mutex> lock(mu_);
        connections_.emplace_back([this, fd] { Serve(fd); });
    }
}

void SlowUploadServer::Bad(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (bad_.fetch_add(1) == 0) first_bad_ = std::move(what);
}

void SlowUploadServer::Serve(int fd) {
    // A bounded wait per read: a connection thread never outlives the test by more than this.
    timeval tv{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL* ssl = nullptr;
    if (tls_) {
        ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {
            Bad("TLS handshake failed");
            SSL_free(ssl);
            ::close(fd);
            return;
        }
    }
    Stream s(fd, ssl);
    std::string& buf = s.buf();
    for (;;) {
        std::size_t head_end;
        while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
            if (buf.size() > kMaxHead || (!buf.empty() && buf.rfind("POST ", 0) != 0 && buf.size() >= 5)) break;
            if (!s.Fill()) {
                if (!buf.empty()) Bad("stray bytes before EOF: " + Printable(buf));
                buf.clear();
                goto done;
            }
        }
        if (head_end == std::string::npos || buf.rfind("POST /upload", 0) != 0) {
            Bad("not a POST /upload: " + Printable(buf));
            break;
        }
        const std::string head = Lower(buf.substr(0, head_end));
        buf.erase(0, head_end + 4);
        const std::size_t cl = head.find("\r\ncontent-length:");
        if (cl == std::string::npos) {
            Bad("no Content-Length");
            break;
        }
        const std::size_t length = std::stoull(head.substr(cl + 17));
        std::uint64_t hash = 0xcbf29ce484222325ULL;
        std::size_t got = 0;
        while (got < length) {
            if (buf.empty() && !s.Fill()) {
                Bad("body cut short at " + std::to_string(got) + " of " + std::to_string(length));
                goto done;
            }
            const std::size_t take = std::min(buf.size(), length - got);
            hash = Fnv1a(std::string_view(buf).substr(0, take), hash);
            buf.erase(0, take);
            got += take;
            // Slow reader: the client's socket buffer fills up while we dawdle.
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
        {
            std::lock_guard<std::mutex> lock(mu_);
            uploads_.push_back({length, hash});
        }
        char digest[64];
        std::snprintf(digest, sizeof digest, "%zu %016llx", length, static_cast<unsigned long long>(hash));
        const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(std::strlen(digest)) +
                                     "\r\nContent-Type: text/plain\r\n\r\n" + digest;
        if (!s.WriteAll(response)) break;
    }
done:
    if (ssl != nullptr) SSL_free(ssl);
    ::close(fd);
}

std::vector<SlowUploadServer::Upload> SlowUploadServer::Uploads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return uploads_;
}

std::string SlowUploadServer::FirstBadRequest() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_bad_;
}

}  // namespace lse::http::testing
