#pragma once
/// @file
/// One client TLS connection driven over memory BIOs: the caller moves ciphertext between the socket
/// and this object, so TLS needs no socket of its own and fits libuv's read/write callbacks.
///
/// Typical loop:
///   Handshake(); send TakeCiphertext();                      // ClientHello
///   on socket read: FeedCiphertext(); Handshake() until kOk; always send pending ciphertext after.
///   WritePlaintext(request); send TakeCiphertext();
///   on socket read: FeedCiphertext(); ReadPlaintext() until it returns 0; then check *result and
///   send any pending ciphertext (post-handshake messages such as KeyUpdate can produce replies).

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lse/http/tls_context.hpp"

namespace lse::http {

enum class TlsResult {
    kOk,
    kWantMore,  ///< Need more ciphertext from the peer.
    kClosed,    ///< The peer sent a clean close_notify.
    kError,     ///< Handshake, verification or record failure; see TlsSession::LastError().
    kCount
};

/// One per connection; owns an SSL and its two memory BIOs. Not copyable or movable because OpenSSL
/// callbacks hold a pointer to it. None of the methods throw; failures surface as TlsResult::kError.
class TlsSession {
public:
    /// Sets SNI (not for IP literals) and, when the context verifies, host name or IP verification.
    /// `server_name` may be "[::1]"-style bracketed; an empty name sends no SNI and checks no name.
    /// `port` only selects the cached session: one is resumed only with the server it came from.
    TlsSession(TlsContext& ctx, std::string_view server_name, std::uint16_t port);
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;
    ~TlsSession();

    /// Call after creation and after each FeedCiphertext until it returns kOk. Send the pending
    /// ciphertext after every call, whatever the result (the final flight is produced with kOk).
    TlsResult Handshake() noexcept;
    bool HandshakeDone() const noexcept { return handshake_done_; }

    /// Bytes read from the socket.
    void FeedCiphertext(const char* data, size_t len) noexcept;

    /// Decrypts into buf; returns bytes (>0), or 0 with *result = kWantMore / kClosed / kError.
    /// *result is kOk when bytes are returned.
    size_t ReadPlaintext(char* buf, size_t cap, TlsResult* result) noexcept;

    /// Encrypts the whole of data into the outgoing buffer. Requires a completed handshake.
    TlsResult WritePlaintext(const char* data, size_t len) noexcept;

    /// Outgoing ciphertext (handshake records and encrypted data) waiting to be sent on the socket.
    size_t PendingCiphertext() const noexcept;
    /// Moves up to cap bytes of outgoing ciphertext into buf; returns how many.
    size_t TakeCiphertext(char* buf, size_t cap) noexcept;

    /// Human-readable reason for the last kError, e.g.
    /// "certificate verify failed: self-signed certificate (hostname localhost)".
    const std::string& LastError() const noexcept { return last_error_; }

    /// Queues a close_notify alert (send PendingCiphertext() before closing the socket). Optional:
    /// closing without it keeps the session resumable too.
    void SendCloseNotify() noexcept;

    /// Reuses this object for a new connection to `server_name`:`port`; all previous state is dropped.
    void Reset(std::string_view server_name, std::uint16_t port) noexcept;

    /// True once the handshake resumed a cached session instead of doing a full one.
    bool SessionReused() const noexcept;
    /// The server name given at construction / Reset (brackets stripped).
    const std::string& server_name() const noexcept { return server_name_; }
    /// The session cache key: "host:port", or "[v6]:port" so that the port is unambiguous.
    const std::string& session_key() const noexcept { return session_key_; }
    SSL* native() const noexcept { return ssl_; }

private:
    void Setup(std::string_view server_name, std::uint16_t port) noexcept;
    void Teardown() noexcept;
    TlsResult Fail(int ssl_error, const char* what) noexcept;

    TlsContext* ctx_;
    SSL* ssl_ = nullptr;
    BIO* rbio_ = nullptr;  // Ciphertext from the peer; owned by ssl_.
    BIO* wbio_ = nullptr;  // Ciphertext to the peer; owned by ssl_.
    bool handshake_done_ = false;
    bool broken_ = false;  // Setup or a BIO write failed: every later call reports kError.
    std::string server_name_;
    std::string session_key_;
    std::string last_error_;
};

}  // namespace lse::http
