// `lsengine url` end to end against the demo target.

#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/ports.hpp"

namespace lse::testing {
namespace {

class CliUrlTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(target_.Port()) + path; }
    DemoTargetProcess target_;
};

TEST_F(CliUrlTest, OpenModelRunMatchesWhatTheTargetReceived) {
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "50", "--duration", "2s", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(target_.Stats()["by_route"]["GET /api/v1/projects"].get<int>(), 100);
    EXPECT_NE(r.out.find("GET /api/v1/projects"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("100"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\x1f'), std::string::npos) << "internal key separators leaked into the output";
}

TEST_F(CliUrlTest, HeadersAndBodyAreSent) {
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "-X", "POST", "-H", "Content-Type: application/json",
                                     "--body", R"({"name":"from-cli"})", "--rps", "5", "--duration", "1s", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stats = target_.Stats();
    EXPECT_EQ(stats["by_route"]["POST /api/v1/projects"].get<int>(), 5);
    EXPECT_NE(stats["bodies"].dump().find("from-cli"), std::string::npos) << stats.dump();
}

TEST_F(CliUrlTest, BadFlagsExitWithUsageErrorNamingTheFlag) {
    CliResult r = RunLsengine({"url", Url("/"), "--duration", "10 parsecs"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--duration"), std::string::npos) << r.err;
    r = RunLsengine({"url", "ftp://x/"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("ftp://x/"), std::string::npos) << r.err;
    r = RunLsengine({"url", Url("/"), "--expect", "2xy"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--expect"), std::string::npos) << r.err;
    EXPECT_EQ(target_.Stats()["total"].get<int>(), 0) << "nothing may be sent when the input is bad";
}

TEST_F(CliUrlTest, DeadTargetIsCountedAndTheRunFailsWithItsReason) {
    const int dead = FreeTcpPort();
    const CliResult r = RunLsengine({"url", "http://127.0.0.1:" + std::to_string(dead) + "/", "--rps", "20",
                                     "--duration", "1s", "-q"});
    // Counted, not fatal: the run goes to its end. But nothing succeeded, and that must not look green.
    EXPECT_EQ(r.exit_code, 8) << r.err << r.out;
    EXPECT_NE(r.out.find("connect"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("connection refused"), std::string::npos) << "the reason, not only the kind\n" << r.out;
    EXPECT_NE(r.out.find("FAIL (exit 8)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lse::testing
