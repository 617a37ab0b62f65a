#include "lse/http/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <utility>

#include "lse/core/errors.hpp"
#include "lse/http/tls_session.hpp"

namespace lse::http {
namespace {

// ALPN wire format: length-prefixed protocol names. We speak HTTP/1.1 only.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

[[noreturn]] void ThrowSetupError(SSL_CTX* ctx, const std::string& what) {
    std::string detail = DrainOpenSslErrors();
    SSL_CTX_free(ctx);
    throw SetupError(detail.empty() ? "TLS: " + what : "TLS: " + what + ": " + detail);
}

// A load test runs unattended: an encrypted key fails to load with OpenSSL's "bad decrypt" instead of
// stopping at a passphrase prompt on the terminal.
int RefusePassphrase(char*, int, int, void*) { return 0; }

void LoadClientCertificate(SSL_CTX* ctx, const TlsClientOptions& options) {
    SSL_CTX_set_default_passwd_cb(ctx, &RefusePassphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
        ThrowSetupError(ctx, "cannot load client certificate '" + options.cert_file + "'");
    }
    const std::string& key = options.key_file.empty() ? options.cert_file : options.key_file;
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        ThrowSetupError(ctx, "cannot load private key '" + key + "' (PEM, not encrypted)");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ThrowSetupError(ctx, "private key '" + key + "' does not match client certificate '" + options.cert_file + "'");
    }
}

// PEM text in memory, as SSL_CTX_use_certificate_chain_file and SSL_CTX_use_PrivateKey_file read files: the first
// certificate is the client's, the ones after it its chain. Messages name no byte of the text (it holds a key).
void LoadClientCertificatePem(SSL_CTX* ctx, const TlsClientOptions& options) {
    const auto mem = [](const std::string& text) {
        return BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    };
    BIO* bio = mem(options.cert_pem);
    X509* leaf = bio == nullptr ? nullptr : PEM_read_bio_X509_AUX(bio, nullptr, &RefusePassphrase, nullptr);
    const bool used = leaf != nullptr && SSL_CTX_use_certificate(ctx, leaf) == 1;
    X509_free(leaf);
    if (!used) {
        BIO_free(bio);
        ThrowSetupError(ctx, "cannot load the client certificate (PEM text)");
    }
    while (X509* ca = PEM_read_bio_X509(bio, nullptr, &RefusePassphrase, nullptr)) {
        if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {  // takes ownership on success only
            X509_free(ca);
            BIO_free(bio);
            ThrowSetupError(ctx, "cannot add the client certificate's chain (PEM text)");
        }
    }
    ERR_clear_error();  // the loop above ends on "no start line": the end of the text, not a failure
    BIO_free(bio);
    bio = mem(options.key_pem.empty() ? options.cert_pem : options.key_pem);
    EVP_PKEY* key = bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(bio, nullptr, &RefusePassphrase, nullptr);
    BIO_free(bio);
    const bool key_used = key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    EVP_PKEY_free(key);
    if (!key_used) ThrowSetupError(ctx, "cannot load the client certificate's private key (PEM, not encrypted)");
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ThrowSetupError(ctx, "the private key does not match the client certificate (PEM text)");
    }
}

}  // namespace

std::string DrainOpenSslErrors() {
    std::string text;
    while (unsigned long code = ERR_get_error()) {
        if (!text.empty()) text += "; ";
        if (const char* reason = ERR_reason_error_string(code)) {
            text += reason;
        } else {
            char buf[256];
            ERR_error_string_n(code, buf, sizeof(buf));
            text += buf;
        }
    }
    return text;
}

// The new-session callback runs inside SSL_read/SSL_do_handshake of some TlsSession, which stored
// itself as the SSL's app data; the context is found through the SSL_CTX's app data. The session handed
// over here is the one to resume with: for TLS 1.3 it carries the ticket just received, which the SSL's
// own handshake session (what SSL_get1_session would give before any ticket) does not.
int TlsContextOnNewSession(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    auto* owner = static_cast<const TlsSession*>(SSL_get_app_data(ssl));
    if (self == nullptr || owner == nullptr) return 0;  // 0 = we did not keep a reference.
    self->sessions_.Put(owner->session_key(), session);
    return 1;  // The cache now owns the reference OpenSSL handed us.
}

std::unique_ptr<TlsContext> TlsContext::CreateClient(const TlsClientOptions& options) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) ThrowSetupError(nullptr, "cannot create SSL_CTX");

    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        ThrowSetupError(ctx, "cannot set minimum protocol version TLS 1.2");
    }
    // Note the inverted convention: SSL_CTX_set_alpn_protos returns 0 on success.
    if (SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof(kAlpnHttp11)) != 0) {
        ThrowSetupError(ctx, "cannot set ALPN protocols");
    }
    // A load generator must keep its buffers between requests, so no SSL_MODE_RELEASE_BUFFERS here.
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    if (!options.ca_file.empty()) {
        if (SSL_CTX_load_verify_file(ctx, options.ca_file.c_str()) != 1) {
            ThrowSetupError(ctx, "cannot load CA file '" + options.ca_file + "'");
        }
    } else if (options.verify_peer) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            ThrowSetupError(ctx, "cannot load the system CA certificates");
        }
    }
    // With SSL_VERIFY_PEER and no callback, a bad chain or name aborts the handshake and
    // SSL_get_verify_result says why; with SSL_VERIFY_NONE the handshake ignores it.
    SSL_CTX_set_verify(ctx, options.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!options.cert_file.empty()) {
        LoadClientCertificate(ctx, options);
    } else if (!options.cert_pem.empty()) {
        LoadClientCertificatePem(ctx, options);
    }

    // Client-side cache only; we keep sessions ourselves (keyed by host:port) instead of the
    // internal store, which OpenSSL only consults for servers.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &TlsContextOnNewSession);

    std::unique_ptr<TlsContext> context(new TlsContext(ctx, options.verify_peer));
    SSL_CTX_set_app_data(ctx, context.get());
    return context;
}

void CheckClientCertificate(const std::string& cert_file, const std::string& key_file) {
    TlsClientOptions options;
    options.verify_peer = false;  // only the certificate matters here; no CA bundle to parse
    options.cert_file = cert_file;
    options.key_file = key_file;
    (void)TlsContext::CreateClient(options);
}

void CheckClientCertificatePem(const std::string& cert_pem, const std::string& key_pem) {
    TlsClientOptions options;
    options.verify_peer = false;
    options.cert_pem = cert_pem;
    options.key_pem = key_pem;
    (void)TlsContext::CreateClient(options);
}

TlsContext::~TlsContext() {
    ClearSessionCache();
    SSL_CTX_free(ctx_);
}

void TlsContext::ApplyCachedSession(SSL* ssl, std::string_view session_key, std::string_view server_name) noexcept {
    SSL_SESSION* session = sessions_.Find(session_key);
    if (session == nullptr) return;
    if (SSL_SESSION_is_resumable(session) != 1) {
        sessions_.Erase(session_key);
        return;
    }
    // The key already pins host and port; this also keeps a session made with another SNI (a different
    // virtual host behind the same address) from being offered. IP literals send no SNI: no name stored.
    const char* session_sni = SSL_SESSION_get0_hostname(session);
    if (session_sni != nullptr && server_name != session_sni) return;
    // SSL_set_session takes its own reference; a failure only costs a full handshake.
    if (SSL_set_session(ssl, session) != 1) ERR_clear_error();
}

void TlsContext::ClearSessionCache() noexcept { sessions_.Clear(); }

TlsSessionCache::TlsSessionCache(std::size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }

TlsSessionCache::~TlsSessionCache() { Clear(); }

TlsSessionCache::Entry* TlsSessionCache::Lookup(std::string_view key) noexcept {
    for (Entry& entry : entries_) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

void TlsSessionCache::Put(std::string_view key, SSL_SESSION* session) noexcept {
    Entry* entry = Lookup(key);
    if (entry == nullptr) {
        if (capacity_ == 0) {
            SSL_SESSION_free(session);
            return;
        }
        if (entries_.size() < capacity_) {
            entry = &entries_.emplace_back();
        } else {
            entry = &entries_.front();
            for (Entry& e : entries_) {
                if (e.last_used < entry->last_used) entry = &e;
            }
        }
        entry->key.assign(key.data(), key.size());  // Reuses the evicted key's buffer when it fits.
    }
    SSL_SESSION_free(entry->session);  // Accepts nullptr.
    entry->session = session;
    entry->last_used = ++use_clock_;
}

SSL_SESSION* TlsSessionCache::Find(std::string_view key) noexcept {
    Entry* entry = Lookup(key);
    if (entry == nullptr) return nullptr;
    entry->last_used = ++use_clock_;
    return entry->session;
}

void TlsSessionCache::Erase(std::string_view key) noexcept {
    Entry* entry = Lookup(key);
    if (entry == nullptr) return;
    SSL_SESSION_free(entry->session);
    // Order does not matter (recency lives in last_used), so the last entry fills the hole.
    if (entry != &entries_.back()) *entry = std::move(entries_.back());
    entries_.pop_back();
}

void TlsSessionCache::Clear() noexcept {
    for (Entry& entry : entries_) SSL_SESSION_free(entry.session);
    entries_.clear();
}

}  // namespace lse::http
