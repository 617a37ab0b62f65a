#pragma once
/// @file
/// Client-side TLS configuration (an OpenSSL SSL_CTX) shared by every connection of one worker.
/// Pure OpenSSL, no I/O: TlsSession drives the protocol over memory BIOs so that the connection
/// code can feed it from libuv callbacks.

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ssl_session_st;  // SSL_SESSION, kept out of this header to avoid pulling in <openssl/ssl.h>.

namespace lse::http {

struct TlsClientOptions {
    bool verify_peer = true;  ///< Verify the certificate chain and the host name / IP.
    std::string ca_file;      ///< PEM file of trusted CAs; empty = the system default paths.
    std::string cert_file;    ///< PEM client certificate (chain) for mutual TLS; empty = none.
    std::string key_file;     ///< PEM private key of cert_file; empty = read it from cert_file.
    /// The same as PEM text instead of files (an agent gets a scenario's certificate in the plan: it does not
    /// have the coordinator's files). Used when cert_file is empty; key_pem empty = the key is in cert_pem.
    std::string cert_pem;
    std::string key_pem;
};

/// Resumable client sessions keyed by origin ("host:port", see TlsSession::session_key()), at most
/// capacity() of them, the least recently used evicted first. A worker alternating between a few origins
/// (an API and its CDN, several shards) then resumes on every one of them instead of only the last one.
/// A small vector scanned linearly: a handful of short keys is cheaper to compare than to hash, and a
/// lookup allocates nothing. Not thread-safe (one per client, one client per worker thread).
class TlsSessionCache {
public:
    static constexpr std::size_t kDefaultCapacity = 16;

    explicit TlsSessionCache(std::size_t capacity = kDefaultCapacity);
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;
    ~TlsSessionCache();  ///< Releases every session's reference.

    /// Takes over one reference to `session` and makes it the entry for `key`, releasing the one it
    /// replaces (TLS 1.3 servers send several tickets; the newest wins). When the cache is full, the
    /// least recently used entry is released and reused.
    void Put(std::string_view key, ssl_session_st* session) noexcept;
    /// The session for `key` (borrowed: valid until the next Put, Erase or Clear) or nullptr; marks the
    /// entry as most recently used.
    ssl_session_st* Find(std::string_view key) noexcept;
    /// Releases the entry for `key`, if any.
    void Erase(std::string_view key) noexcept;
    void Clear() noexcept;

    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    struct Entry {
        std::string key;
        ssl_session_st* session = nullptr;
        std::uint64_t last_used = 0;  // Value of use_clock_ at the last Put/Find; the smallest is evicted.
    };
    Entry* Lookup(std::string_view key) noexcept;

    std::size_t capacity_;
    std::uint64_t use_clock_ = 0;
    std::vector<Entry> entries_;  // Reserved to capacity_ up front, so never reallocated.
};

/// One per worker thread / client; wraps an SSL_CTX. TLS 1.2 minimum, ALPN "http/1.1".
/// Also keeps the latest resumable session of each recently used origin (TlsSessionCache) so that new
/// connections skip the full handshake, which is what real clients do and what keeps the handshake cost
/// from dominating connection-churn tests. Not thread-safe, like the client that owns it.
class TlsContext {
public:
    /// Throws lse::SetupError with the OpenSSL error text when the context cannot be built
    /// (for example, an unreadable or invalid ca_file, client certificate or key, or a key that does not
    /// belong to the certificate). An encrypted key is refused rather than prompting for a passphrase.
    static std::unique_ptr<TlsContext> CreateClient(const TlsClientOptions& options);

    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    ~TlsContext();

    SSL_CTX* native() const noexcept { return ctx_; }
    bool verify_peer() const noexcept { return verify_peer_; }

    /// Offers `ssl` the cached session of `session_key` (host:port) if it is still resumable and was made
    /// for the same SNI `server_name`. Called by TlsSession.
    void ApplyCachedSession(SSL* ssl, std::string_view session_key, std::string_view server_name) noexcept;

    /// Drops every cached session (for example, to force full handshakes).
    void ClearSessionCache() noexcept;
    const TlsSessionCache& session_cache() const noexcept { return sessions_; }

    /// Called by TlsSession when a handshake completes; feeds resumed_handshakes().
    void CountHandshake(bool resumed) noexcept { resumed_handshakes_ += resumed ? 1 : 0; }
    /// Completed handshakes that resumed a session instead of doing a full one.
    std::uint64_t resumed_handshakes() const noexcept { return resumed_handshakes_; }

private:
    TlsContext(SSL_CTX* ctx, bool verify_peer) noexcept : ctx_(ctx), verify_peer_(verify_peer) {}

    // OpenSSL's new-session callback (TLS 1.2: end of the handshake; TLS 1.3: each NewSessionTicket,
    // which arrives after the handshake): takes ownership of `session` and caches it under the origin of
    // the TlsSession it arrived on.
    friend int TlsContextOnNewSession(SSL* ssl, ssl_session_st* session);

    SSL_CTX* ctx_;
    bool verify_peer_;
    TlsSessionCache sessions_;
    std::uint64_t resumed_handshakes_ = 0;
};

/// Loads a client certificate and key as a client would (TlsContext::CreateClient's rules), to fail a run before it
/// starts: throws lse::SetupError naming the file and OpenSSL's reason.
void CheckClientCertificate(const std::string& cert_file, const std::string& key_file);
/// The same for PEM text (TlsClientOptions::cert_pem); the message never quotes the text.
void CheckClientCertificatePem(const std::string& cert_pem, const std::string& key_pem);

/// Pops this thread's whole OpenSSL error queue into "reason; reason" text (empty when the queue is empty).
std::string DrainOpenSslErrors();

}  // namespace lse::http
