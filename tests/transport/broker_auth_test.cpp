// The embedded broker refuses clients without its token, at the wire level: a raw TCP client speaking the NATS
// text protocol (no NatsClient in between), so the refusal is the server's, not our client library's.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "lse/transport/embedded_broker.hpp"

namespace lse::transport {
namespace {

/// One raw NATS connection on 127.0.0.1: reads INFO, sends CONNECT + PING, returns everything the server answered
/// until PONG, -ERR, or the connection closed (bounded by timeout_ms).
struct RawSession {
    std::string info;
    std::string reply;
};

RawSession Handshake(int port, const std::string& connect_json, int timeout_ms = 5000) {
    RawSession session;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ADD_FAILURE() << "cannot connect to the broker on port " << port;
        close(fd);
        return session;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string buffer;
    // Reads until `done(buffer)` or EOF / timeout.
    auto read_until = [&](auto done) {
        char chunk[4096];
        while (!done(buffer)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                    std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
            const ssize_t n = read(fd, chunk, sizeof(chunk));
            if (n <= 0) return;
            buffer.append(chunk, static_cast<size_t>(n));
        }
    };
    read_until([](const std::string& b) { return b.find("\r\n") != std::string::npos; });
    session.info = buffer.substr(0, buffer.find("\r\n"));
    buffer.clear();
    const std::string hello = "CONNECT " + connect_json + "\r\nPING\r\n";
    if (write(fd, hello.data(), hello.size()) != static_cast<ssize_t>(hello.size())) ADD_FAILURE() << "write failed";
    read_until([](const std::string& b) {
        return b.find("PONG\r\n") != std::string::npos || b.find("-ERR") != std::string::npos;
    });
    session.reply = buffer;
    close(fd);
    return session;
}

class BrokerAuthTest : public ::testing::Test {
protected:
    void SetUp() override { broker_.Start({}); }  // defaults: no token given, so a random one
    EmbeddedBroker broker_;
};

TEST_F(BrokerAuthTest, AnnouncesThatAuthIsRequired) {
    const RawSession s = Handshake(broker_.Port(), R"({"verbose":false,"pedantic":false})");
    ASSERT_EQ(s.info.rfind("INFO ", 0), 0u) << s.info;
    EXPECT_NE(s.info.find("\"auth_required\":true"), std::string::npos) << s.info;
    EXPECT_EQ(s.info.find(broker_.Token()), std::string::npos) << "the INFO line must not carry the token";
}

TEST_F(BrokerAuthTest, RefusesAClientWithoutAToken) {
    const RawSession s = Handshake(broker_.Port(), R"({"verbose":false,"pedantic":false})");
    EXPECT_NE(s.reply.find("-ERR 'Authorization Violation'"), std::string::npos) << s.reply;
    EXPECT_EQ(s.reply.find("PONG"), std::string::npos) << s.reply;
}

TEST_F(BrokerAuthTest, RefusesAClientWithAWrongToken) {
    for (const std::string& wrong : {std::string("not-the-token"), broker_.Token() + "x", broker_.Token().substr(1),
                                     std::string("")}) {
        const RawSession s =
            Handshake(broker_.Port(), R"({"verbose":false,"pedantic":false,"auth_token":")" + wrong + R"("})");
        EXPECT_NE(s.reply.find("-ERR 'Authorization Violation'"), std::string::npos) << wrong << ": " << s.reply;
        EXPECT_EQ(s.reply.find("PONG"), std::string::npos) << wrong << ": " << s.reply;
    }
}

TEST_F(BrokerAuthTest, RefusesUserAndPasswordInsteadOfTheToken) {
    const RawSession s =
        Handshake(broker_.Port(), R"({"verbose":false,"pedantic":false,"user":"lsengine","pass":"lsengine"})");
    EXPECT_NE(s.reply.find("-ERR 'Authorization Violation'"), std::string::npos) << s.reply;
}

TEST_F(BrokerAuthTest, AcceptsTheRightToken) {
    // The control case: the same handshake with the token is served, so the refusals above are about the token.
    const RawSession s = Handshake(broker_.Port(),
                                   R"({"verbose":false,"pedantic":false,"auth_token":")" + broker_.Token() + R"("})");
    EXPECT_NE(s.reply.find("PONG\r\n"), std::string::npos) << s.reply;
    EXPECT_EQ(s.reply.find("-ERR"), std::string::npos) << s.reply;
}

TEST(BrokerAuth, AChosenTokenIsRequiredToo) {
    EmbeddedBroker broker;
    BrokerOptions options;
    options.token = "chosen-Token_42";
    broker.Start(options);
    EXPECT_EQ(broker.Token(), "chosen-Token_42");
    EXPECT_NE(Handshake(broker.Port(), R"({"verbose":false})").reply.find("Authorization Violation"),
              std::string::npos);
    EXPECT_NE(Handshake(broker.Port(), R"({"verbose":false,"auth_token":"chosen-Token_42"})").reply.find("PONG"),
              std::string::npos);
}

}  // namespace
}  // namespace lse::transport
