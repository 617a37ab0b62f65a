#include "lse/http/tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>

namespace lse::http {
namespace {

// inet_pton is enough to tell an IP literal from a DNS name; the brackets of "[::1]" are already gone.
bool IsIpLiteral(const std::string& name) {
    unsigned char addr[16];
    return inet_pton(AF_INET, name.c_str(), addr) == 1 || inet_pton(AF_INET6, name.c_str(), addr) == 1;
}

std::string_view StripBrackets(std::string_view name) {
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') return name.substr(1, name.size() - 2);
    return name;
}

}  // namespace

TlsSession::TlsSession(TlsContext& ctx, std::string_view server_name, std::uint16_t port) : ctx_(&ctx) {
    Setup(server_name, port);
}

TlsSession::~TlsSession() { Teardown(); }

void TlsSession::Reset(std::string_view server_name, std::uint16_t port) noexcept {
    // A fresh SSL rather than SSL_clear: SSL_clear keeps parts of the old connection (host name,
    // verification parameters, buffered BIO data), and a stale one would be a security bug.
    Teardown();
    Setup(server_name, port);
}

void TlsSession::Teardown() noexcept {
    // OpenSSL invalidates the session of an SSL freed without a sent close_notify, treating the
    // connection as failed. HTTP servers routinely close without close_notify, so a connection that
    // completed its handshake without error is marked as shut down and its session stays resumable.
    if (ssl_ != nullptr && handshake_done_ && !broken_) {
        SSL_set_shutdown(ssl_, SSL_get_shutdown(ssl_) | SSL_SENT_SHUTDOWN);
    }
    SSL_free(ssl_);  // Frees both BIOs too; accepts nullptr.
    ssl_ = nullptr;
    rbio_ = nullptr;
    wbio_ = nullptr;
    handshake_done_ = false;
    broken_ = false;
    last_error_.clear();
}

void TlsSession::Setup(std::string_view server_name, std::uint16_t port) noexcept {
    ERR_clear_error();
    server_name_.assign(StripBrackets(server_name));
    // Built in place so that a Reset to the same origin reuses the string's buffer: no allocation.
    char port_text[8];
    const auto port_end = std::to_chars(port_text, port_text + sizeof(port_text), port).ptr;
    const bool bracket = server_name_.find(':') != std::string::npos;  // IPv6: "::1:443" would be ambiguous.
    session_key_.clear();
    if (bracket) session_key_ += '[';
    session_key_ += server_name_;
    if (bracket) session_key_ += ']';
    session_key_ += ':';
    session_key_.append(port_text, port_end);
    auto broken = [this](const char* what) {
        broken_ = true;
        last_error_ = what;
        std::string detail = DrainOpenSslErrors();
        if (!detail.empty()) last_error_ += ": " + detail;
    };

    ssl_ = SSL_new(ctx_->native());
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    if (ssl_ == nullptr || rbio_ == nullptr || wbio_ == nullptr) {
        BIO_free(rbio_);
        BIO_free(wbio_);
        rbio_ = wbio_ = nullptr;
        return broken("TLS setup failed: out of memory");
    }
    // An empty memory BIO must report "retry later", not EOF: more ciphertext may still arrive.
    BIO_set_mem_eof_return(rbio_, -1);
    BIO_set_mem_eof_return(wbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);  // ssl_ owns both from now on.
    SSL_set_connect_state(ssl_);
    SSL_set_app_data(ssl_, this);  // For TlsContextOnNewSession.

    if (!server_name_.empty()) {
        const bool is_ip = IsIpLiteral(server_name_);
        // RFC 6066 forbids IP literals in SNI.
        if (!is_ip && SSL_set_tlsext_host_name(ssl_, server_name_.c_str()) != 1) {
            return broken("TLS setup failed: invalid server name");
        }
        if (ctx_->verify_peer()) {
            if (is_ip) {
                if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name_.c_str()) != 1) {
                    return broken("TLS setup failed: invalid IP address");
                }
            } else {
                SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                if (SSL_set1_host(ssl_, server_name_.c_str()) != 1) {
                    return broken("TLS setup failed: invalid host name");
                }
            }
        }
    }
    ctx_->ApplyCachedSession(ssl_, session_key_, server_name_);
}

TlsResult TlsSession::Fail(int ssl_error, const char* what) noexcept {
    const long verify = ssl_ != nullptr ? SSL_get_verify_result(ssl_) : X509_V_OK;
    std::string detail = DrainOpenSslErrors();
    if (verify != X509_V_OK && ctx_->verify_peer()) {
        // The queue only says "certificate verify failed"; the verify result says which check.
        last_error_ = "certificate verify failed: ";
        last_error_ += X509_verify_cert_error_string(verify);
        if (!server_name_.empty()) last_error_ += " (hostname " + server_name_ + ")";
    } else {
        last_error_ = what;
        if (!detail.empty()) {
            last_error_ += ": " + detail;
        } else if (ssl_error == SSL_ERROR_SYSCALL) {
            last_error_ += ": unexpected end of stream";
        }
    }
    return TlsResult::kError;
}

TlsResult TlsSession::Handshake() noexcept {
    if (broken_) return TlsResult::kError;
    if (handshake_done_) return TlsResult::kOk;
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        handshake_done_ = true;
        ctx_->CountHandshake(SSL_session_reused(ssl_) == 1);
        return TlsResult::kOk;
    }
    const int err = SSL_get_error(ssl_, rc);
    // WANT_WRITE cannot really happen with an unbounded memory BIO; treat it like WANT_READ.
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return TlsResult::kWantMore;
    broken_ = true;
    return Fail(err, "TLS handshake failed");
}

void TlsSession::FeedCiphertext(const char* data, size_t len) noexcept {
    if (broken_ || len == 0) return;
    size_t written = 0;
    if (BIO_write_ex(rbio_, data, len, &written) != 1 || written != len) {
        broken_ = true;
        last_error_ = "TLS: cannot buffer incoming ciphertext (out of memory)";
    }
}

size_t TlsSession::ReadPlaintext(char* buf, size_t cap, TlsResult* result) noexcept {
    if (broken_) {
        *result = TlsResult::kError;
        return 0;
    }
    if (cap == 0) {
        *result = TlsResult::kWantMore;
        return 0;
    }
    ERR_clear_error();
    size_t got = 0;
    if (SSL_read_ex(ssl_, buf, cap, &got) == 1) {
        *result = TlsResult::kOk;
        return got;
    }
    const int err = SSL_get_error(ssl_, 0);
    switch (err) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            *result = TlsResult::kWantMore;
            break;
        case SSL_ERROR_ZERO_RETURN:
            *result = TlsResult::kClosed;
            break;
        default:
            broken_ = true;
            *result = Fail(err, "TLS read failed");
            break;
    }
    return 0;
}

TlsResult TlsSession::WritePlaintext(const char* data, size_t len) noexcept {
    if (broken_) return TlsResult::kError;
    if (!handshake_done_) {
        // SSL_write would silently start the handshake and write nothing; make the misuse visible.
        last_error_ = "TLS write before the handshake completed";
        return TlsResult::kError;
    }
    if (len == 0) return TlsResult::kOk;
    ERR_clear_error();
    size_t written = 0;
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE and with an unbounded memory BIO, success means all of it.
    if (SSL_write_ex(ssl_, data, len, &written) == 1 && written == len) return TlsResult::kOk;
    broken_ = true;
    return Fail(SSL_get_error(ssl_, 0), "TLS write failed");
}

size_t TlsSession::PendingCiphertext() const noexcept { return wbio_ != nullptr ? BIO_ctrl_pending(wbio_) : 0; }

size_t TlsSession::TakeCiphertext(char* buf, size_t cap) noexcept {
    if (wbio_ == nullptr || cap == 0) return 0;
    size_t got = 0;
    if (BIO_read_ex(wbio_, buf, cap, &got) != 1) return 0;  // Empty: BIO_read_ex fails with nothing read.
    return got;
}

void TlsSession::SendCloseNotify() noexcept {
    if (broken_ || !handshake_done_) return;
    ERR_clear_error();
    // Returns 0 ("sent, peer's not yet received"); with memory BIOs it cannot block.
    if (SSL_shutdown(ssl_) < 0) ERR_clear_error();
}

bool TlsSession::SessionReused() const noexcept { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

}  // namespace lse::http
