// Integration: mutual TLS against an nginx that requires a client certificate (ssl_verify_client on), checked
// in nginx's log of $ssl_client_s_dn; and the load errors of bad certificate or key files.
#include <gtest/gtest.h>

#include <fstream>
#include <chrono>
#include <string>
#include <thread>

#include "client_test_util.hpp"
#include "lse/core/errors.hpp"
#include "lse/http/tls_context.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"
#include "lse/testing/test_proxy.hpp"

namespace lse::http {
namespace {

using testing::ClientHarness;

// nginx writes an access-log line after it sent the response: the client can be faster than the log.
template <typename Fn>
int Eventually(Fn count, int expected) {
    int n = count();
    for (int i = 0; i < 200 && n < expected; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        n = count();
    }
    return n;
}

class ClientMtlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        nginx_ = new lse::testing::NginxServer();
        lse::testing::NginxOptions options;
        options.require_client_cert = true;
        nginx_->Start(options);
    }
    static void TearDownTestSuite() {
        delete nginx_;
        nginx_ = nullptr;
    }
    static std::string Url(const std::string& path) {
        return "https://localhost:" + std::to_string(nginx_->HttpsPort()) + path;
    }
    static ClientOptions WithCert() {
        ClientOptions o;
        o.ca_file = nginx_->CaCertPath();
        o.cert_file = nginx_->ClientCertPath();
        o.key_file = nginx_->ClientKeyPath();
        return o;
    }
    static int DnLines(const std::string& needle) {
        std::ifstream in(nginx_->ClientDnLogPath());
        int n = 0;
        for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos ? 1 : 0;
        return n;
    }
    static lse::testing::NginxServer* nginx_;
};

lse::testing::NginxServer* ClientMtlsTest::nginx_ = nullptr;

TEST_F(ClientMtlsTest, TheCertificateReachesNginx) {
    const std::string seen = "CN=lsengine-test-client,O=lsengine tests \"GET /static?mtls=1 ";
    const int before = DnLines(seen);
    ClientHarness h(WithCert());
    for (int i = 0; i < 2; ++i) {
        const Result r = h.Fetch(Url("/static?mtls=1"));
        ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
        EXPECT_EQ(r.status, 200);
    }
    EXPECT_EQ(Eventually([&] { return DnLines(seen) - before; }, 2), 2);
    EXPECT_EQ(h.Shutdown(), 0);
}

// A scenario's certificate as an agent gets it: PEM text in the plan, no file (issue 15, format 6).
TEST_F(ClientMtlsTest, PemTextInsteadOfFilesReachesNginx) {
    const std::string seen = "CN=lsengine-test-client,O=lsengine tests \"GET /static?mtls=pem ";
    const int before = DnLines(seen);
    ClientOptions o;
    o.ca_file = nginx_->CaCertPath();
    o.cert_pem = lse::testing::ReadWhole(nginx_->ClientCertPath());
    o.key_pem = lse::testing::ReadWhole(nginx_->ClientKeyPath());
    EXPECT_NO_THROW(CheckClientCertificatePem(o.cert_pem, o.key_pem));
    ClientHarness h(o);
    const Result r = h.Fetch(Url("/static?mtls=pem"));
    ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Eventually([&] { return DnLines(seen) - before; }, 1), 1);
    EXPECT_EQ(h.Shutdown(), 0);

    // Key and certificate in one text, as in one --cert file.
    EXPECT_NO_THROW(CheckClientCertificatePem(o.cert_pem + o.key_pem, ""));
    // Bad texts: the messages say what is wrong and never quote the text (it holds a private key).
    auto message = [](const std::string& cert, const std::string& key) -> std::string {
        try {
            CheckClientCertificatePem(cert, key);
        } catch (const SetupError& e) {
            return e.what();
        }
        return "";
    };
    const std::string no_cert = message("not a certificate", o.key_pem);
    EXPECT_NE(no_cert.find("cannot load the client certificate (PEM text)"), std::string::npos) << no_cert;
    const std::string no_key = message(o.cert_pem, "");
    EXPECT_NE(no_key.find("cannot load the client certificate's private key"), std::string::npos) << no_key;
    const std::string mismatch = message(o.cert_pem, lse::testing::ReadWhole(nginx_->Dir() + "/key.pem"));
    EXPECT_NE(mismatch.find("does not match"), std::string::npos) << mismatch;
    EXPECT_EQ(mismatch.find("PRIVATE KEY"), std::string::npos) << mismatch;
}

TEST_F(ClientMtlsTest, ThroughAConnectTunnelToo) {
    lse::testing::TestProxy proxy;
    proxy.Start();
    const std::string seen = "CN=lsengine-test-client,O=lsengine tests \"GET /?mtls=tunnel ";
    const int before = DnLines(seen);
    ClientOptions o = WithCert();
    o.https_proxy = proxy.Url();
    ClientHarness h(o);
    const Result r = h.Fetch(Url("/?mtls=tunnel"));
    ASSERT_EQ(r.error, ErrorKind::kNone) << r.error_detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(proxy.Connects().size(), 1u);
    EXPECT_EQ(Eventually([&] { return DnLines(seen) - before; }, 1), 1);
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientMtlsTest, WithoutTheCertificateNginxRefuses) {
    ClientOptions o;
    o.ca_file = nginx_->CaCertPath();
    ClientHarness h(o);
    const Result r = h.Fetch(Url("/?mtls=none"));
    // TLS 1.3: the client finishes its handshake before nginx checks; nginx then answers 400 (TLS 1.2 would
    // fail the handshake: kTls). Either way the request does not pass as a 200.
    if (r.error == ErrorKind::kNone) {
        EXPECT_EQ(r.status, 400);
        EXPECT_NE(r.body.find("No required SSL certificate was sent"), std::string::npos) << r.body;
    } else {
        EXPECT_EQ(r.error, ErrorKind::kTls) << r.error_detail;
    }
    EXPECT_EQ(h.Shutdown(), 0);
}

TEST_F(ClientMtlsTest, LoadErrorsNameTheFile) {
    auto message = [](const std::string& cert, const std::string& key) -> std::string {
        try {
            CheckClientCertificate(cert, key);
        } catch (const SetupError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_EQ(message(nginx_->ClientCertPath(), nginx_->ClientKeyPath()), "");
    const std::string missing = message("/nonexistent/client.pem", "");
    EXPECT_NE(missing.find("cannot load client certificate '/nonexistent/client.pem'"), std::string::npos) << missing;
    // nginx's server key is not the client certificate's key.
    const std::string mismatch = message(nginx_->ClientCertPath(), nginx_->Dir() + "/key.pem");
    EXPECT_NE(mismatch.find("does not match"), std::string::npos) << mismatch;
    const std::string garbage = lse::testing::MakeTempFile("lse-not-a-key-", ".pem");
    std::ofstream(garbage) << "not a key\n";
    const std::string bad_key = message(nginx_->ClientCertPath(), garbage);
    EXPECT_NE(bad_key.find("cannot load private key '" + garbage + "'"), std::string::npos) << bad_key;

    ClientOptions o;
    o.cert_file = "/nonexistent/client.pem";
    uv_loop_t loop;
    uv_loop_init(&loop);
    EXPECT_THROW(Client(&loop, o), lse::SetupError);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace lse::http
