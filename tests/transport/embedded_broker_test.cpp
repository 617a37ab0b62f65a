#include "lse/transport/embedded_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::transport {
namespace {

/// True while `pid` exists and is not a zombie (an orphaned zombie may wait for a slow reaper).
bool ProcessAlive(pid_t pid) {
    if (kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

bool WaitGone(pid_t pid, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (ProcessAlive(pid)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

bool CanConnect(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

TEST(EmbeddedBroker, StartsOnAFreePortWithARandomToken) {
    EmbeddedBroker broker;
    broker.Start({});  // fails with "nats-server not found in PATH" when it is not installed
    ASSERT_TRUE(broker.Running());
    EXPECT_GT(broker.Port(), 0);
    EXPECT_EQ(broker.ClientUrl(), "nats://127.0.0.1:" + std::to_string(broker.Port()));
    EXPECT_EQ(broker.Token().size(), 32u);
    EXPECT_TRUE(CanConnect(broker.Port()));
}

TEST(EmbeddedBroker, StopIsIdempotentAndEndsTheProcess) {
    EmbeddedBroker broker;
    broker.Start({});
    const pid_t pid = broker.Pid();
    const int port = broker.Port();
    broker.Stop();
    EXPECT_FALSE(broker.Running());
    EXPECT_FALSE(ProcessAlive(pid));
    EXPECT_FALSE(CanConnect(port));
    broker.Stop();
    EXPECT_FALSE(broker.Running());
}

TEST(EmbeddedBroker, BusyPortIsAClearError) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);

    EmbeddedBroker broker;
    BrokerOptions options;
    options.port = port;
    try {
        broker.Start(options);
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("address already in use"), std::string::npos) << what;
        EXPECT_NE(what.find(std::to_string(port)), std::string::npos) << what;
    }
    EXPECT_FALSE(broker.Running());
    close(fd);
}

TEST(EmbeddedBroker, MissingBinaryIsAClearError) {
    EmbeddedBroker broker;
    BrokerOptions options;
    options.binary = "lse-no-such-nats-server";
    try {
        broker.Start(options);
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find("not found in PATH"), std::string::npos) << e.what();
    }
}

TEST(EmbeddedBroker, BadTokenIsAUsageError) {
    EmbeddedBroker broker;
    BrokerOptions options;
    options.token = "has space";
    EXPECT_THROW(broker.Start(options), UsageError);
}

TEST(EmbeddedBroker, ChildDiesWithItsOwner) {
    // The owner never runs Stop(), so the test names the log file and removes it itself.
    const std::string log_file = "/tmp/lse-transport-owner-test-" + std::to_string(getpid()) + ".log";
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t owner = fork();
    ASSERT_GE(owner, 0);
    if (owner == 0) {
        close(fds[0]);
        pid_t broker_pid = -1;
        {
            auto* broker = new EmbeddedBroker();  // never destroyed: the owner "crashes" with _exit
            try {
                BrokerOptions options;
                options.log_file = log_file;
                broker->Start(options);
                broker_pid = broker->Pid();
            } catch (...) {
            }
        }
        [[maybe_unused]] ssize_t n = write(fds[1], &broker_pid, sizeof(broker_pid));
        _exit(0);
    }
    close(fds[1]);
    pid_t broker_pid = -1;
    ASSERT_EQ(read(fds[0], &broker_pid, sizeof(broker_pid)), static_cast<ssize_t>(sizeof(broker_pid)));
    close(fds[0]);
    int status = 0;
    waitpid(owner, &status, 0);
    ASSERT_GT(broker_pid, 0) << "the owner process could not start a broker";
    EXPECT_TRUE(WaitGone(broker_pid, 5000)) << "nats-server " << broker_pid << " outlived its owner";
    if (ProcessAlive(broker_pid)) kill(broker_pid, SIGKILL);
    unlink(log_file.c_str());
}

}  // namespace
}  // namespace lse::transport
