// TlsSession / TlsContext against an in-memory OpenSSL server: no sockets, the test pumps the bytes.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>

#include "lse/core/errors.hpp"
#include "lse/http/tls_context.hpp"
#include "lse/http/tls_session.hpp"

namespace lse::http {
namespace {

constexpr std::uint16_t kPort = 443;

// Self-signed certificate for "localhost" and 127.0.0.1, generated once per test binary.
struct TestCert {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    std::string pem_path;
};

TestCert* MakeTestCert() {
    auto* tc = new TestCert;
    tc->key = EVP_EC_gen("P-256");
    if (tc->key == nullptr) return nullptr;
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, tc->key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    if (san == nullptr) return nullptr;
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    if (X509_sign(x, tc->key, EVP_sha256()) == 0) return nullptr;
    tc->cert = x;

    char path[] = "/tmp/lse_tls_test_ca_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return nullptr;
    close(fd);
    tc->pem_path = path;
    BIO* out = BIO_new_file(path, "w");
    if (out == nullptr || PEM_write_bio_X509(out, x) != 1) return nullptr;
    BIO_free(out);
    return tc;
}

// Accepts whatever ALPN list the client offers if it contains http/1.1, and records the choice.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void*) {
    static const unsigned char kServerProtos[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, kServerProtos, sizeof(kServerProtos), in, inlen) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

// The server half: an SSL in accept state over two memory BIOs.
class MemoryServer {
public:
    explicit MemoryServer(SSL_CTX* ctx) : ssl_(SSL_new(ctx)), in_(BIO_new(BIO_s_mem())), out_(BIO_new(BIO_s_mem())) {
        BIO_set_mem_eof_return(in_, -1);
        BIO_set_mem_eof_return(out_, -1);
        SSL_set_bio(ssl_, in_, out_);
        SSL_set_accept_state(ssl_);
    }
    ~MemoryServer() { SSL_free(ssl_); }

    SSL* ssl() const { return ssl_; }
    bool done = false;
    bool failed = false;

    void Step() {
        if (done || failed) return;
        const int rc = SSL_do_handshake(ssl_);
        if (rc == 1) {
            done = true;
        } else {
            const int err = SSL_get_error(ssl_, rc);
            if (err != SSL_ERROR_WANT_READ) failed = true;
        }
    }
    void Feed(TlsSession& client) {
        char buf[4096];
        while (size_t n = client.TakeCiphertext(buf, sizeof(buf))) BIO_write(in_, buf, static_cast<int>(n));
    }
    void SendTo(TlsSession& client) {
        char buf[4096];
        int n;
        while ((n = BIO_read(out_, buf, sizeof(buf))) > 0) client.FeedCiphertext(buf, static_cast<size_t>(n));
    }
    std::string ReadAll() {
        std::string text;
        char buf[4096];
        size_t n = 0;
        while (SSL_read_ex(ssl_, buf, sizeof(buf), &n) == 1) text.append(buf, n);
        return text;
    }

private:
    SSL* ssl_;
    BIO* in_;
    BIO* out_;
};

class TlsSessionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        cert_ = MakeTestCert();
        ASSERT_NE(cert_, nullptr) << "test certificate generation failed";
        server_ctx_ = SSL_CTX_new(TLS_server_method());
        ASSERT_EQ(SSL_CTX_use_certificate(server_ctx_, cert_->cert), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx_, cert_->key), 1);
        SSL_CTX_set_alpn_select_cb(server_ctx_, &SelectAlpn, nullptr);
    }
    static void TearDownTestSuite() {
        SSL_CTX_free(server_ctx_);
        if (cert_ != nullptr) {
            std::remove(cert_->pem_path.c_str());
            X509_free(cert_->cert);
            EVP_PKEY_free(cert_->key);
            delete cert_;
        }
    }

    static std::unique_ptr<TlsContext> Client(bool verify, bool with_ca) {
        TlsClientOptions options;
        options.verify_peer = verify;
        if (with_ca) options.ca_file = cert_->pem_path;
        return TlsContext::CreateClient(options);
    }

    // Pumps bytes until both sides finish, either side fails, or a bounded number of rounds pass.
    static TlsResult Pump(TlsSession& client, MemoryServer& server) {
        TlsResult result = TlsResult::kWantMore;
        for (int round = 0; round < 20; ++round) {
            result = client.Handshake();
            server.Feed(client);
            server.Step();
            server.SendTo(client);
            if (result == TlsResult::kError) return result;
            if (result == TlsResult::kOk && server.done) return result;
            if (server.failed) break;
        }
        return client.Handshake();
    }

    // Reads everything the client can decrypt now; returns the last non-kOk result.
    static std::string ClientReadAll(TlsSession& client, TlsResult* last) {
        std::string text;
        char buf[1000];  // Smaller than a record on purpose: exercises partial record reads.
        for (;;) {
            const size_t n = client.ReadPlaintext(buf, sizeof(buf), last);
            if (n == 0) return text;
            EXPECT_EQ(*last, TlsResult::kOk);
            text.append(buf, n);
        }
    }

    static TestCert* cert_;
    static SSL_CTX* server_ctx_;
};

TestCert* TlsSessionTest::cert_ = nullptr;
SSL_CTX* TlsSessionTest::server_ctx_ = nullptr;

TEST_F(TlsSessionTest, HandshakeAndRoundTripWithVerificationOff) {
    auto ctx = Client(/*verify=*/false, /*with_ca=*/false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    EXPECT_TRUE(client.HandshakeDone());
    EXPECT_TRUE(server.done);

    // SNI and ALPN reached the server.
    const char* sni = SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name);
    ASSERT_NE(sni, nullptr);
    EXPECT_STREQ(sni, "localhost");
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(server.ssl(), &alpn, &alpn_len);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_len), "http/1.1");
    EXPECT_GE(SSL_version(server.ssl()), TLS1_2_VERSION);

    // Client -> server.
    const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    ASSERT_EQ(client.WritePlaintext(request.data(), request.size()), TlsResult::kOk);
    EXPECT_GT(client.PendingCiphertext(), request.size());
    server.Feed(client);
    EXPECT_EQ(client.PendingCiphertext(), 0u);
    EXPECT_EQ(server.ReadAll(), request);

    // Server -> client, larger than one TLS record (16 KiB) and than the read buffer.
    std::string response(100000, '\0');
    for (size_t i = 0; i < response.size(); ++i) response[i] = static_cast<char>('a' + i % 26);
    size_t written = 0;
    ASSERT_EQ(SSL_write_ex(server.ssl(), response.data(), response.size(), &written), 1);
    server.SendTo(client);
    TlsResult last = TlsResult::kOk;
    EXPECT_EQ(ClientReadAll(client, &last), response);
    EXPECT_EQ(last, TlsResult::kWantMore);
}

TEST_F(TlsSessionTest, CiphertextArrivingOneByteAtATimeStillHandshakes) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    for (int round = 0; round < 10 && !(client.HandshakeDone() && server.done); ++round) {
        ASSERT_NE(client.Handshake(), TlsResult::kError) << client.LastError();
        server.Feed(client);
        server.Step();
        char byte;
        BIO* out = SSL_get_wbio(server.ssl());
        while (BIO_read(out, &byte, 1) == 1) {
            client.FeedCiphertext(&byte, 1);
            ASSERT_NE(client.Handshake(), TlsResult::kError) << client.LastError();
        }
    }
    EXPECT_TRUE(client.HandshakeDone());
    EXPECT_TRUE(server.done);
}

TEST_F(TlsSessionTest, VerificationSucceedsWithTheCertAsCaFileForLocalhost) {
    auto ctx = Client(/*verify=*/true, /*with_ca=*/true);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    EXPECT_EQ(SSL_get_verify_result(client.native()), X509_V_OK);
}

TEST_F(TlsSessionTest, VerificationSucceedsForIpLiteralWithoutSni) {
    auto ctx = Client(true, true);
    TlsSession client(*ctx, "127.0.0.1", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    EXPECT_EQ(SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name), nullptr);
}

TEST_F(TlsSessionTest, VerificationFailsWithoutTheCa) {
    auto ctx = Client(/*verify=*/true, /*with_ca=*/false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kError);
    EXPECT_NE(client.LastError().find("certificate"), std::string::npos) << client.LastError();
    EXPECT_NE(client.LastError().find("self-signed"), std::string::npos) << client.LastError();
    EXPECT_NE(client.LastError().find("localhost"), std::string::npos) << client.LastError();
    // Once failed, the session stays failed.
    EXPECT_EQ(client.Handshake(), TlsResult::kError);
    EXPECT_EQ(client.WritePlaintext("x", 1), TlsResult::kError);
}

TEST_F(TlsSessionTest, VerificationFailsForWrongHostname) {
    auto ctx = Client(true, true);
    TlsSession client(*ctx, "example.com", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kError);
    EXPECT_NE(client.LastError().find("hostname mismatch"), std::string::npos) << client.LastError();
}

TEST_F(TlsSessionTest, VerificationFailsForWrongIp) {
    auto ctx = Client(true, true);
    TlsSession client(*ctx, "127.0.0.2", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kError);
    EXPECT_NE(client.LastError().find("IP address mismatch"), std::string::npos) << client.LastError();
}

TEST_F(TlsSessionTest, WrongHostnameIsAcceptedWhenVerificationIsOff) {
    auto ctx = Client(/*verify=*/false, /*with_ca=*/false);
    TlsSession client(*ctx, "example.com", kPort);
    MemoryServer server(server_ctx_);
    EXPECT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
}

TEST_F(TlsSessionTest, ServerCloseNotifyReportsClosed) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    const std::string body = "bye";
    size_t written = 0;
    ASSERT_EQ(SSL_write_ex(server.ssl(), body.data(), body.size(), &written), 1);
    SSL_shutdown(server.ssl());
    server.SendTo(client);
    TlsResult last = TlsResult::kOk;
    EXPECT_EQ(ClientReadAll(client, &last), body);  // Data before close_notify is still delivered.
    EXPECT_EQ(last, TlsResult::kClosed);
}

TEST_F(TlsSessionTest, ClientCloseNotifyReachesTheServer) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    client.SendCloseNotify();
    EXPECT_GT(client.PendingCiphertext(), 0u);
    server.Feed(client);
    char buf[16];
    size_t n = 0;
    EXPECT_EQ(SSL_read_ex(server.ssl(), buf, sizeof(buf), &n), 0);
    EXPECT_EQ(SSL_get_error(server.ssl(), 0), SSL_ERROR_ZERO_RETURN);
}

TEST_F(TlsSessionTest, GarbageAfterHandshakeIsAnError) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    const std::string garbage = "HTTP/1.1 200 OK\r\nthis is not a TLS record\r\n\r\n";
    client.FeedCiphertext(garbage.data(), garbage.size());
    char buf[256];
    TlsResult result = TlsResult::kOk;
    EXPECT_EQ(client.ReadPlaintext(buf, sizeof(buf), &result), 0u);
    EXPECT_EQ(result, TlsResult::kError);
    EXPECT_FALSE(client.LastError().empty());
    EXPECT_EQ(client.ReadPlaintext(buf, sizeof(buf), &result), 0u);
    EXPECT_EQ(result, TlsResult::kError);
}

TEST_F(TlsSessionTest, GarbageDuringHandshakeIsAnError) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    ASSERT_EQ(client.Handshake(), TlsResult::kWantMore);
    EXPECT_GT(client.PendingCiphertext(), 0u);  // The ClientHello.
    const std::string garbage = "HTTP/1.1 400 Bad Request\r\n\r\n";
    client.FeedCiphertext(garbage.data(), garbage.size());
    EXPECT_EQ(client.Handshake(), TlsResult::kError);
    EXPECT_NE(client.LastError().find("TLS handshake failed"), std::string::npos) << client.LastError();
}

TEST_F(TlsSessionTest, WriteBeforeHandshakeIsRejected) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    EXPECT_EQ(client.WritePlaintext("x", 1), TlsResult::kError);
    EXPECT_FALSE(client.LastError().empty());
}

TEST_F(TlsSessionTest, ResetReusesTheObjectAndResumesTheCachedSession) {
    auto ctx = Client(true, true);
    TlsSession client(*ctx, "localhost", kPort);
    {
        MemoryServer server(server_ctx_);
        ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
        EXPECT_FALSE(client.SessionReused());
        // TLS 1.3 tickets arrive after the handshake; reading processes them.
        TlsResult last = TlsResult::kOk;
        EXPECT_EQ(ClientReadAll(client, &last), "");
        EXPECT_EQ(last, TlsResult::kWantMore);
    }
    client.Reset("localhost", kPort);
    EXPECT_FALSE(client.HandshakeDone());
    {
        MemoryServer server(server_ctx_);
        ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
        EXPECT_TRUE(client.SessionReused());
    }
    // A cached session is not offered to another server name.
    client.Reset("127.0.0.1", kPort);
    {
        MemoryServer server(server_ctx_);
        ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
        EXPECT_FALSE(client.SessionReused());
    }
    // After Reset, verification applies to the new name.
    client.Reset("example.com", kPort);
    {
        MemoryServer server(server_ctx_);
        EXPECT_EQ(Pump(client, server), TlsResult::kError);
        EXPECT_NE(client.LastError().find("hostname mismatch"), std::string::npos) << client.LastError();
    }
}

TEST_F(TlsSessionTest, ClearedCacheForcesFullHandshake) {
    auto ctx = Client(false, false);
    {
        TlsSession client(*ctx, "localhost", kPort);
        MemoryServer server(server_ctx_);
        ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
        TlsResult last = TlsResult::kOk;
        ClientReadAll(client, &last);
    }
    ctx->ClearSessionCache();
    TlsSession client(*ctx, "localhost", kPort);
    MemoryServer server(server_ctx_);
    ASSERT_EQ(Pump(client, server), TlsResult::kOk) << client.LastError();
    EXPECT_FALSE(client.SessionReused());
}

// One full connection to server_name:port on a reused TlsSession, reading the TLS 1.3 tickets the way the
// connection code does; returns whether the handshake resumed.
bool ConnectAndReadTickets(TlsSession& client, SSL_CTX* server_ctx, const char* server_name, std::uint16_t port) {
    client.Reset(server_name, port);
    MemoryServer server(server_ctx);
    TlsResult r = TlsResult::kWantMore;
    for (int round = 0; round < 20 && !(r == TlsResult::kOk && server.done); ++round) {
        r = client.Handshake();
        server.Feed(client);
        server.Step();
        server.SendTo(client);
        if (r == TlsResult::kError || server.failed) break;
    }
    EXPECT_EQ(r, TlsResult::kOk) << client.LastError();
    char buf[256];
    TlsResult last = TlsResult::kOk;
    while (client.ReadPlaintext(buf, sizeof(buf), &last) > 0) {
    }
    EXPECT_EQ(last, TlsResult::kWantMore);
    return client.SessionReused();
}

TEST_F(TlsSessionTest, SessionsAreCachedPerHostAndPortAndAlternatingOriginsBothResume) {
    auto ctx = Client(true, true);
    TlsSession client(*ctx, "localhost", kPort);
    EXPECT_FALSE(ConnectAndReadTickets(client, server_ctx_, "localhost", 443));
    EXPECT_EQ(client.session_key(), "localhost:443");
    // Same host, other port: the 443 session is not offered (it would belong to another server).
    EXPECT_FALSE(ConnectAndReadTickets(client, server_ctx_, "localhost", 8443));
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", 443)) << i;
        EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", 8443)) << i;
    }
    EXPECT_EQ(ctx->session_cache().size(), 2u);
    EXPECT_EQ(ctx->resumed_handshakes(), 6u);
    // IPv6 literals are bracketed in the key so that the port stays unambiguous.
    client.Reset("[::1]", 8443);
    EXPECT_EQ(client.session_key(), "[::1]:8443");
    client.Reset("::1", 8443);
    EXPECT_EQ(client.session_key(), "[::1]:8443");
}

TEST_F(TlsSessionTest, OnlyTheLeastRecentlyUsedOriginLosesItsSession) {
    auto ctx = Client(false, false);
    TlsSession client(*ctx, "localhost", kPort);
    const std::size_t capacity = ctx->session_cache().capacity();
    ASSERT_GE(capacity, 2u);
    const auto port_of = [](std::size_t i) { return static_cast<std::uint16_t>(20000 + i); };
    for (std::size_t i = 0; i < capacity; ++i) {
        EXPECT_FALSE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(i)));
    }
    // Touch origin 0 so that origin 1 is now the least recently used; a new origin evicts it.
    EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(0)));
    EXPECT_FALSE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(capacity)));
    EXPECT_EQ(ctx->session_cache().size(), capacity);
    EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(0)));
    EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(capacity)));
    EXPECT_TRUE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(2)));
    EXPECT_FALSE(ConnectAndReadTickets(client, server_ctx_, "localhost", port_of(1)));  // Was evicted.
}

// Counts SSL_SESSION frees through an ex_data slot whose free callback runs when a session's last
// reference goes, so the cache's reference handling is checked directly rather than by a leak checker.
class TlsSessionCacheTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        index_ = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_SESSION, 0, nullptr, nullptr, nullptr, &OnFree);
        ASSERT_GE(index_, 0);
    }
    void SetUp() override { frees_ = 0; }
    static SSL_SESSION* NewSession() {
        SSL_SESSION* session = SSL_SESSION_new();
        EXPECT_NE(session, nullptr);
        SSL_SESSION_set_ex_data(session, index_, session);  // Non-null, so that the free callback counts it.
        return session;
    }
    static void OnFree(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        if (ptr != nullptr) ++frees_;
    }
    static int index_;
    static int frees_;
};

int TlsSessionCacheTest::index_ = -1;
int TlsSessionCacheTest::frees_ = 0;

TEST_F(TlsSessionCacheTest, BoundedLeastRecentlyUsedAndEveryReferenceReleased) {
    {
        TlsSessionCache cache(3);
        SSL_SESSION* a = NewSession();
        SSL_SESSION* b = NewSession();
        SSL_SESSION* c = NewSession();
        cache.Put("a:1", a);
        cache.Put("b:1", b);
        cache.Put("c:1", c);
        EXPECT_EQ(cache.size(), 3u);
        EXPECT_EQ(cache.Find("a:1"), a);  // b is now the least recently used.
        EXPECT_EQ(cache.Find("a:2"), nullptr);
        SSL_SESSION* d = NewSession();
        cache.Put("d:1", d);
        EXPECT_EQ(frees_, 1);  // b
        EXPECT_EQ(cache.size(), 3u);
        EXPECT_EQ(cache.Find("b:1"), nullptr);
        EXPECT_EQ(cache.Find("a:1"), a);
        EXPECT_EQ(cache.Find("c:1"), c);
        EXPECT_EQ(cache.Find("d:1"), d);

        // A newer ticket for the same origin replaces the older one.
        SSL_SESSION* a2 = NewSession();
        cache.Put("a:1", a2);
        EXPECT_EQ(frees_, 2);
        EXPECT_EQ(cache.Find("a:1"), a2);
        EXPECT_EQ(cache.size(), 3u);

        cache.Erase("c:1");
        EXPECT_EQ(frees_, 3);
        EXPECT_EQ(cache.Find("c:1"), nullptr);
        EXPECT_EQ(cache.Find("d:1"), d);
        EXPECT_EQ(cache.size(), 2u);
        cache.Erase("missing:1");
        EXPECT_EQ(frees_, 3);
    }
    EXPECT_EQ(frees_, 5);  // The destructor released a2 and d.

    TlsSessionCache cleared(2);
    cleared.Put("a:1", NewSession());
    cleared.Put("b:1", NewSession());
    cleared.Clear();
    EXPECT_EQ(frees_, 7);
    EXPECT_EQ(cleared.size(), 0u);

    TlsSessionCache none(0);  // Caching disabled: the reference is released at once.
    none.Put("a:1", NewSession());
    EXPECT_EQ(frees_, 8);
    EXPECT_EQ(none.Find("a:1"), nullptr);
}

TEST(TlsContextTest, MissingCaFileThrowsSetupErrorWithDetails) {
    TlsClientOptions options;
    options.ca_file = "/nonexistent/lse-ca.pem";
    try {
        TlsContext::CreateClient(options);
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/lse-ca.pem"), std::string::npos) << e.what();
    }
    EXPECT_EQ(ERR_peek_error(), 0u);  // The error queue was drained into the message.
}

}  // namespace
}  // namespace lse::http
