// Tests of lse_test_support itself: child processes, ports and the assertion HTTP client's parser.

#include <gtest/gtest.h>
#include <signal.h>

#include "lse/core/errors.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"

namespace lse::testing {
namespace {

TEST(ChildProcessTest, ReportsExitCode) {
    ChildProcess child;
    child.Start({"sh", "-c", "exit 7"});
    EXPECT_EQ(child.Wait(10000), 7);
    EXPECT_FALSE(child.Running());
}

TEST(ChildProcessTest, PassesEnvAndCapturesStdout) {
    char path[] = "/tmp/lse-child-test-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    ChildProcess child;
    ChildOptions options;
    options.env = {{"LSE_CHILD_TEST", "hello"}};
    options.stdout_path = path;
    child.Start({"sh", "-c", "echo $LSE_CHILD_TEST"}, options);
    ASSERT_EQ(child.Wait(10000), 0);
    FILE* f = fopen(path, "r");
    ASSERT_NE(f, nullptr);
    char line[64] = {};
    ASSERT_NE(fgets(line, sizeof(line), f), nullptr);
    fclose(f);
    unlink(path);
    EXPECT_STREQ(line, "hello\n");
}

TEST(ChildProcessTest, StopTerminatesALongRunningChild) {
    ChildProcess child;
    child.Start({"sleep", "30"});
    EXPECT_FALSE(child.Wait(50).has_value());  // Still running.
    EXPECT_EQ(child.Stop(), 128 + SIGTERM);
    EXPECT_FALSE(child.Running());
}

TEST(ChildProcessTest, MissingProgramThrowsSetupError) {
    ChildProcess child;
    EXPECT_THROW(child.Start({"/nonexistent/lse-no-such-program"}), SetupError);
    EXPECT_FALSE(child.Running());
}

TEST(PortsTest, FreePortIsNotListeningAndNotReachable) {
    int port = FreeTcpPort();
    EXPECT_GT(port, 0);
    EXPECT_FALSE(WaitForTcpPort(port, 50));
    SimpleResponse r = HttpRequestSync(port, "GET", "/", "", {}, 1000);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
}

TEST(ParseRawResponseTest, ContentLength) {
    SimpleResponse r = ParseRawResponse("HTTP/1.1 201 Created\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabcdef");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "abc");
    EXPECT_EQ(r.headers["x-a"], "b");
}

TEST(ParseRawResponseTest, Chunked) {
    SimpleResponse r = ParseRawResponse(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\nab\r\na;x=y\r\n0123456789\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "ab0123456789");
}

TEST(ParseRawResponseTest, TruncatedBodyIsAnError) {
    SimpleResponse r = ParseRawResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.error.empty());
}

TEST(ParseRawResponseTest, GarbageIsAnError) {
    SimpleResponse r = ParseRawResponse("NOT HTTP\r\n\r\n");
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace lse::testing
