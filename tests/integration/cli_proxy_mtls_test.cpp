// End to end (issue 15 items 4 and 5): proxies from --proxy and from the environment, NO_PROXY, proxy credentials
// kept out of every output, and mutual TLS with --cert/--key; on one node and on a local agent. Checked at the
// targets: the test proxy's log of CONNECTs and requests, nginx's access log and its log of client subjects.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_util.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"
#include "lse/testing/test_proxy.hpp"

namespace lse::testing {
namespace {

constexpr const char* kSecret = "s3cr3t-proxy-pw";

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

int CountLines(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos ? 1 : 0;
    return n;
}

std::string Script(const std::string& path) {
    return WriteTempScenario(R"(
local s = scenario { name = 'through', rps = 5, vusers = 2, duration = '1s' }
s:task("get", function(self, http)
  check("status 200", http:get(")" + path + R"(").status == 200)
end)
)");
}

class CliProxyMtlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        plain_ = new NginxServer();
        plain_->Start();
        mtls_ = new NginxServer();
        NginxOptions options;
        options.require_client_cert = true;
        mtls_->Start(options);
    }
    static void TearDownTestSuite() {
        delete plain_;
        delete mtls_;
        plain_ = mtls_ = nullptr;
    }
    void SetUp() override { proxy_.Start(); }

    static std::string PlainHttp(const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(plain_->HttpPort()) + path;
    }
    static std::string MtlsHttps() { return "https://localhost:" + std::to_string(mtls_->HttpsPort()); }
    std::string ProxyWithSecret() const {
        return "http://alice:" + std::string(kSecret) + "@127.0.0.1:" + std::to_string(proxy_.Port());
    }
    int Forwarded(const std::string& path_and_query) const {
        int n = 0;
        const std::string expected = "GET " + PlainHttp(path_and_query) + " HTTP/1.1";
        for (const auto& line : proxy_.Requests()) n += line == expected ? 1 : 0;
        return n;
    }

    static NginxServer* plain_;
    static NginxServer* mtls_;
    TestProxy proxy_;
};

NginxServer* CliProxyMtlsTest::plain_ = nullptr;
NginxServer* CliProxyMtlsTest::mtls_ = nullptr;

TEST_F(CliProxyMtlsTest, UrlModeThroughAProxyWithCredentialsThatNeverShow) {
    const std::string summary = MakeTempFile("lse-proxy-summary-", ".json");
    const CliResult r = RunLsengine({"url", PlainHttp("/static?cli=proxy"), "--rps", "10", "--duration", "1s",
                                     "--proxy", ProxyWithSecret(), "--summary-json", summary});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Forwarded("/static?cli=proxy"), 10);
    EXPECT_EQ(Eventually([&] { return plain_->CountRequests("\"GET /static?cli=proxy "); }, 10), 10);
    for (const auto& auth : proxy_.Authorizations()) EXPECT_EQ(auth, "Basic YWxpY2U6czNjcjN0LXByb3h5LXB3");
    const std::string json = ReadWhole(summary);
    EXPECT_NE(json.find("***@127.0.0.1:" + std::to_string(proxy_.Port())), std::string::npos) << json;
    EXPECT_EQ((r.out + r.err + json).find(kSecret), std::string::npos) << r.out << r.err << json;
}

TEST_F(CliProxyMtlsTest, TheEnvironmentsProxyAndNoProxyAreHonoured) {
    CliOptions env;
    env.env = {{"http_proxy", proxy_.Url()}, {"NO_PROXY", ""}};
    CliResult r = RunLsengine({"run", Script("/?cli=env"), "--target", PlainHttp(""), "-q"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Forwarded("/?cli=env"), 5);
    EXPECT_EQ(Eventually([&] { return plain_->CountRequests("\"GET /?cli=env "); }, 5), 5);

    env.env = {{"http_proxy", proxy_.Url()}, {"NO_PROXY", "127.0.0.1"}};
    r = RunLsengine({"run", Script("/?cli=noproxy"), "--target", PlainHttp(""), "-q"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Forwarded("/?cli=noproxy"), 0);
    EXPECT_EQ(Eventually([&] { return plain_->CountRequests("\"GET /?cli=noproxy "); }, 5), 5);

    // --no-proxy replaces the environment's list: '*' sends everything direct.
    env.env = {{"http_proxy", proxy_.Url()}};
    r = RunLsengine({"run", Script("/?cli=flag"), "--target", PlainHttp(""), "-q", "--no-proxy", "*"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Forwarded("/?cli=flag"), 0);
    EXPECT_EQ(Eventually([&] { return plain_->CountRequests("\"GET /?cli=flag "); }, 5), 5);
}

TEST_F(CliProxyMtlsTest, MutualTlsThroughAConnectTunnel) {
    const std::string subject = "CN=lsengine-test-client,O=lsengine tests \"GET /static?cli=mtls ";
    const int before = CountLines(mtls_->ClientDnLogPath(), subject);
    CliOptions env;
    env.env = {{"HTTPS_PROXY", proxy_.Url()}};
    const CliResult r = RunLsengine({"run", Script("/static?cli=mtls"), "--target", MtlsHttps(), "-q", "--ca-file",
                                     mtls_->CaCertPath(), "--cert", mtls_->ClientCertPath(), "--key",
                                     mtls_->ClientKeyPath()},
                                    env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Eventually([&] { return CountLines(mtls_->ClientDnLogPath(), subject) - before; }, 5), 5);
    ASSERT_FALSE(proxy_.Connects().empty());
    for (const auto& target : proxy_.Connects()) EXPECT_EQ(target, "localhost:" + std::to_string(mtls_->HttpsPort()));
    EXPECT_TRUE(proxy_.Requests().empty());
}

TEST_F(CliProxyMtlsTest, WithoutTheCertificateTheRunFailsAndABadOneIsNamed) {
    CliResult r = RunLsengine({"url", MtlsHttps() + "/?cli=nocert", "--rps", "5", "--duration", "1s", "--ca-file",
                               mtls_->CaCertPath()});
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("400"), std::string::npos) << r.out;
    // nginx saw them, without a subject.
    EXPECT_EQ(Eventually([&] { return CountLines(mtls_->ClientDnLogPath(), "?cli=nocert"); }, 5), 5);
    EXPECT_EQ(CountLines(mtls_->ClientDnLogPath(), "CN=lsengine-test-client,O=lsengine tests \"GET /?cli=nocert"), 0);

    r = RunLsengine({"url", MtlsHttps() + "/?cli=badcert", "--duration", "1s", "--cert", "/nonexistent/client.pem"});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_NE(r.err.find("--cert"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/nonexistent/client.pem"), std::string::npos) << r.err;
    r = RunLsengine({"url", MtlsHttps() + "/?cli=badcert", "--duration", "1s", "--proxy", "socks5://h:1"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--proxy"), std::string::npos) << r.err;
    EXPECT_EQ(CountLines(mtls_->AccessLogPath(), "?cli=badcert"), 0) << "nothing is sent when the input is bad";
}

TEST_F(CliProxyMtlsTest, ALocalAgentGetsTheProxyAndTheCertificate) {
    const std::string subject = "CN=lsengine-test-client,O=lsengine tests \"GET /static?cli=agent ";
    const int before = CountLines(mtls_->ClientDnLogPath(), subject);
    const CliResult r = RunLsengine({"run", Script("/static?cli=agent"), "--target", MtlsHttps(), "-q", "--agents", "1",
                                     "--proxy", ProxyWithSecret(), "--ca-file", mtls_->CaCertPath(), "--cert",
                                     mtls_->ClientCertPath(), "--key", mtls_->ClientKeyPath()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Eventually([&] { return CountLines(mtls_->ClientDnLogPath(), subject) - before; }, 5), 5);
    ASSERT_FALSE(proxy_.Connects().empty());
    for (const auto& auth : proxy_.Authorizations()) EXPECT_EQ(auth, "Basic YWxpY2U6czNjcjN0LXByb3h5LXB3");
    EXPECT_EQ((r.out + r.err).find(kSecret), std::string::npos) << r.out << r.err;
}

// A proxy that hangs (takes the CONNECT or request, never answers): every request times out at --timeout, the run
// ends on time, exit 8 (not one request succeeded) and the summary says timeout; nothing reaches nginx. Ctrl-C
// during such a run ends it at once (exit 130), whatever the request timeout.
TEST_F(CliProxyMtlsTest, AFrozenProxyTimesOutEveryRequestAndNeverHoldsTheRunOpen) {
    TestProxy frozen;
    TestProxyOptions frozen_options;
    frozen_options.stall = true;
    frozen.Start(frozen_options);

    const std::string summary = MakeTempFile("lse-frozen-proxy-", ".json");
    auto start = std::chrono::steady_clock::now();
    const CliResult r = RunLsengine({"url", PlainHttp("/static?cli=frozen"), "--rps", "10", "--duration", "2s",
                                     "--timeout", "300ms", "--proxy", frozen.Url(), "--summary-json", summary});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_EQ(r.exit_code, 8) << r.out << r.err;
    const nlohmann::json j = nlohmann::json::parse(ReadWhole(summary));
    std::uint64_t timeouts = 0;
    for (const auto& e : j["scenarios"][0]["errors"]) {
        if (e["kind"] == "timeout") timeouts += e["count"].get<std::uint64_t>();
    }
    EXPECT_GE(timeouts, 15u) << j.dump();  // 20 arrivals; the last ones may still be in flight at the drain bound
    EXPECT_GE(frozen.Requests().size(), 1u);
    EXPECT_EQ(plain_->CountRequests("cli=frozen"), 0);

    CliOptions interrupt;
    interrupt.timeout_ms = 20'000;
    interrupt.sigint_after_ms = 1500;
    start = std::chrono::steady_clock::now();
    const CliResult tls = RunLsengine({"url", MtlsHttps() + "/static?cli=frozen-tls", "--rps", "10", "--duration",
                                       "30s", "--timeout", "20s", "--proxy", frozen.Url(), "--ca-file",
                                       mtls_->CaCertPath()},
                                      interrupt);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8)) << tls.out << tls.err;
    EXPECT_EQ(tls.exit_code, 130) << tls.out << tls.err;
    EXPECT_GE(frozen.Connects().size(), 1u);
    EXPECT_EQ(mtls_->CountRequests("cli=frozen-tls"), 0);

    // The same on a local agent: Ctrl-C on the coordinator stops the agent too, and nothing reaches the proxy after.
    interrupt.sigint_after_ms = 4000;  // the agent has registered and started its load by then
    start = std::chrono::steady_clock::now();
    const CliResult dist = RunLsengine({"run", Script("/static?cli=frozen-agent"), "--target", PlainHttp(""),
                                        "--duration", "30s", "--timeout", "20s", "--proxy", frozen.Url(), "--agents",
                                        "1"},
                                       interrupt);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12)) << dist.out << dist.err;
    EXPECT_EQ(dist.exit_code, 130) << dist.out << dist.err;
    const int connections = frozen.ClientConnections();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(frozen.ClientConnections(), connections) << "load went on after the run ended";
    int agent_requests = 0;  // the agent did send through the proxy before the interrupt: the check above means something
    for (const auto& line : frozen.Requests()) agent_requests += line.find("cli=frozen-agent") != std::string::npos;
    EXPECT_GE(agent_requests, 1);
    EXPECT_EQ(plain_->CountRequests("cli=frozen-agent"), 0);
    frozen.Stop();
}

// Per-scenario client certificates (issue 15, second part): scenario "tenant" names its own certificate (paths
// relative to the script), scenario "anon" has none and no --cert is given, so nginx sees the subject on tenant's
// requests only. With --agents 1 the plan carries the PEM text: the agent gets no --cert and no file.
class CliScenarioCertificateTest : public CliProxyMtlsTest {
protected:
    std::string TenantScript() {
        const std::string dir = MakeTempDir("lse-test-scenario-cert-");
        std::filesystem::create_directories(dir + "/certs");
        std::filesystem::copy_file(mtls_->ClientCertPath(), dir + "/certs/tenant.pem");
        std::filesystem::copy_file(mtls_->ClientKeyPath(), dir + "/certs/tenant.key");
        std::ofstream(dir + "/tenants.lua") << R"(
local t = scenario { name = 'tenant', rps = 5, vusers = 2, duration = '1s', cert = 'certs/tenant.pem',
                     key = 'certs/tenant.key' }
t:task("get", function(self, http) http:get("/static?cli=tenant") end)
local a = scenario { name = 'anon', rps = 5, vusers = 2, duration = '1s' }
a:task("get", function(self, http) http:get("/static?cli=anon", { expect = 400 }) end)
)";
        return dir + "/tenants.lua";
    }
    void ExpectOnlyTheTenantSentACertificate(const CliResult& r, int tenant_before, int anon_before) {
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        const std::string tenant = "CN=lsengine-test-client,O=lsengine tests \"GET /static?cli=tenant ";
        EXPECT_EQ(Eventually([&] { return CountLines(mtls_->ClientDnLogPath(), tenant) - tenant_before; }, 5), 5);
        EXPECT_EQ(Eventually([&] { return CountLines(mtls_->ClientDnLogPath(), "?cli=anon ") - anon_before; }, 5), 5);
        EXPECT_EQ(CountLines(mtls_->ClientDnLogPath(), "tests \"GET /static?cli=anon "), 0) << "anon sent no certificate";
        // The key never shows in any output.
        const std::string key = ReadWhole(mtls_->ClientKeyPath());
        const std::string key_line = key.substr(key.find('\n') + 1, 40);
        EXPECT_EQ((r.out + r.err).find(key_line), std::string::npos);
    }
};

TEST_F(CliScenarioCertificateTest, AScenariosOwnCertificateOnOneNode) {
    const int tenant = CountLines(mtls_->ClientDnLogPath(), "?cli=tenant ");
    const int anon = CountLines(mtls_->ClientDnLogPath(), "?cli=anon ");
    const CliResult r =
        RunLsengine({"run", TenantScript(), "--target", MtlsHttps(), "-q", "--ca-file", mtls_->CaCertPath()});
    ExpectOnlyTheTenantSentACertificate(r, tenant, anon);
}

TEST_F(CliScenarioCertificateTest, TheAgentGetsTheScenariosCertificateInThePlan) {
    const int tenant = CountLines(mtls_->ClientDnLogPath(), "?cli=tenant ");
    const int anon = CountLines(mtls_->ClientDnLogPath(), "?cli=anon ");
    const CliResult r = RunLsengine(
        {"run", TenantScript(), "--target", MtlsHttps(), "-q", "--agents", "1", "--ca-file", mtls_->CaCertPath()});
    ExpectOnlyTheTenantSentACertificate(r, tenant, anon);
}

TEST_F(CliScenarioCertificateTest, ABadScenarioCertificateIsNamedBeforeAnythingIsSent) {
    const std::string dir = MakeTempDir("lse-test-scenario-badcert-");
    std::ofstream(dir + "/bad.lua") << R"(
local t = scenario { name = 'tenant', rps = 5, duration = '1s', cert = 'missing.pem' }
t:task("get", function(self, http) http:get("/static?cli=badtenant") end)
)";
    const CliResult r = RunLsengine({"run", dir + "/bad.lua", "--target", MtlsHttps(), "-q"});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_NE(r.err.find("scenario 'tenant': option 'cert'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(dir + "/missing.pem"), std::string::npos) << r.err;
    EXPECT_EQ(CountLines(mtls_->AccessLogPath(), "?cli=badtenant"), 0);
}

}  // namespace
}  // namespace lse::testing
