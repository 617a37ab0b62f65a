#pragma once
/// @file
/// Client-side TLS configuration (an OpenSSL SSL_CTX) shared by every connection of one worker.
/// Pure OpenSSL, no I/O: TlsSession drives the protocol over memory BIOs so that the connection
/// code can feed it from libuv callbacks.

#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

struct ssl_session_st;  // SSL_SESSION, kept out of this header to avoid pulling in <openssl/ssl.h>.

namespace lse::http {

struct TlsClientOptions {
    bool verify_peer = true;  ///< Verify the certificate chain and the host name / IP.
    std::string ca_file;      ///< PEM file of trusted CAs; empty = the system default paths.
};

/// One per worker thread / client; wraps an SSL_CTX. TLS 1.2 minimum, ALPN "http/1.1".
/// Also keeps the most recent resumable session (with the server name it was made for) so that new
/// connections to the same server skip the full handshake, which is what real clients do and what
/// keeps the handshake cost from dominating connection-churn tests.
class TlsContext {
public:
    /// Throws lse::SetupError with the OpenSSL error text when the context cannot be built
    /// (for example, an unreadable or invalid ca_file).
    static std::unique_ptr<TlsContext> CreateClient(const TlsClientOptions& options);

    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    ~TlsContext();

    SSL_CTX* native() const noexcept { return ctx_; }
    bool verify_peer() const noexcept { return verify_peer_; }

    /// Offers the cached session to `ssl` when it was made for `server_name`. Called by TlsSession.
    void ApplyCachedSession(SSL* ssl, std::string_view server_name) noexcept;

    /// Drops the cached session (for example, to force full handshakes).
    void ClearSessionCache() noexcept;

private:
    TlsContext(SSL_CTX* ctx, bool verify_peer) noexcept : ctx_(ctx), verify_peer_(verify_peer) {}

    // OpenSSL's new-session callback: takes ownership of `session` and remembers it for `server_name`.
    friend int TlsContextOnNewSession(SSL* ssl, ssl_session_st* session);
    void StoreSession(std::string_view server_name, ssl_session_st* session) noexcept;

    SSL_CTX* ctx_;
    bool verify_peer_;

    // Guarded by session_mutex_: tickets may arrive on any connection; the lock is only taken at
    // connection setup and when a ticket arrives, never per request.
    std::mutex session_mutex_;
    ssl_session_st* cached_session_ = nullptr;
    std::string cached_session_server_name_;
};

/// Pops this thread's whole OpenSSL error queue into "reason; reason" text (empty when the queue is empty).
std::string DrainOpenSslErrors();

}  // namespace lse::http
