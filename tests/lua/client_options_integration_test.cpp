// Integration: the clients the Lua side makes outside the load (setup/teardown hooks, --dry-run) get the
// run's client options (LuaRunConfig::client): --insecure and --ca-file work against nginx's self-signed
// HTTPS listener, and without them the failure names the certificate problem.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

constexpr const char* kScript = R"(
local flow = scenario { name = "tls", vusers = 1, duration = "1s" }
function flow:setup(http)
  local r = http:get("/")
  if not r.ok then error("setup request failed: " .. tostring(r.error)) end
  shared.setup_status = r.status
end
flow:task("get", function(self, http)
  check("got ok", http:get("/static").status == 200)
end)
)";

class LuaClientOptionsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        nginx_ = new lse::testing::NginxServer();
        nginx_->Start();
    }
    static void TearDownTestSuite() {
        delete nginx_;
        nginx_ = nullptr;
    }

    LuaRunConfig Config() {
        LuaRunConfig cfg;
        cfg.script_path = scripts_.Write("tls.lua", kScript);
        cfg.scenario = "tls";
        cfg.target = http::ParseUrl("https://127.0.0.1:" + std::to_string(nginx_->HttpsPort()) + "/");
        cfg.shared = shared_;
        return cfg;
    }

    static std::string Join(const std::vector<std::string>& lines) {
        std::string all;
        for (const auto& l : lines) all += l + "\n";
        return all;
    }

    static lse::testing::NginxServer* nginx_;
    testing::TempScripts scripts_;
    std::shared_ptr<SharedStore> shared_ = std::make_shared<SharedStore>();
};

lse::testing::NginxServer* LuaClientOptionsTest::nginx_ = nullptr;

TEST_F(LuaClientOptionsTest, DryRunHonoursInsecure) {
    LuaRunConfig cfg = Config();
    cfg.client.insecure = true;
    const DryRunResult d = DryRunScenario(cfg, 1);
    EXPECT_TRUE(d.problems.empty()) << Join(d.problems);
    ASSERT_EQ(d.requests.size(), 2u);  // setup's GET / and the task's GET /static
    for (const auto& r : d.requests) EXPECT_EQ(r.status, 200) << r.url;
}

TEST_F(LuaClientOptionsTest, DryRunHonoursCaFile) {
    LuaRunConfig cfg = Config();
    cfg.client.ca_file = nginx_->CaCertPath();
    const DryRunResult d = DryRunScenario(cfg, 1);
    EXPECT_TRUE(d.problems.empty()) << Join(d.problems);
}

TEST_F(LuaClientOptionsTest, DryRunWithoutTrustNamesTheCertificateProblem) {
    const DryRunResult d = DryRunScenario(Config(), 1);
    const std::string all = Join(d.problems);
    EXPECT_NE(all.find("certificate verify failed"), std::string::npos) << all;
}

TEST_F(LuaClientOptionsTest, SetupAndTeardownHonourInsecure) {
    LuaRunConfig cfg = Config();
    cfg.client.insecure = true;
    EXPECT_NO_THROW(RunScenarioHook(cfg, "setup"));
    EXPECT_EQ(std::get<double>(shared_->Get("setup_status").v), 200);
    LuaRunConfig strict = Config();
    try {
        RunScenarioHook(strict, "setup");
        FAIL() << "setup against a self-signed certificate must fail without --insecure";
    } catch (const ScriptError& e) {
        EXPECT_NE(std::string(e.what()).find("setup request failed: tls"), std::string::npos) << e.what();
    }
}

TEST_F(LuaClientOptionsTest, ConnectTimeoutAppliesToSetup) {
    // A loopback listener that never accepts, its backlog filled: the kernel drops further SYNs, so a
    // connect hangs until connect_timeout (the request timeout is far longer).
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 0), 0);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        fillers.push_back(fd);
    }
    LuaRunConfig cfg = Config();
    cfg.target = http::ParseUrl("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/");
    cfg.client.connect_timeout_ns = 300 * kNsPerMs;
    cfg.request_timeout_ns = 20 * kNsPerSec;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(RunScenarioHook(cfg, "setup"), ScriptError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    for (const int fd : fillers) ::close(fd);
    ::close(listener);
}

}  // namespace
}  // namespace lse::lua
