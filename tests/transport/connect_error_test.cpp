#include "lse/transport/connect_error.hpp"

#include <gtest/gtest.h>

#include "lse/transport/nats_options.hpp"

namespace lse::transport {
namespace {

TEST(ConnectError, AuthFailureSaysAuthorization) {
    const std::string text = DescribeConnectFailure("nats://h:4222", "Authorization Violation", true);
    EXPECT_EQ(text.rfind("cannot connect to NATS at nats://h:4222: ", 0), 0u) << text;
    EXPECT_NE(text.find("authorization failed"), std::string::npos) << text;
    EXPECT_NE(text.find("token"), std::string::npos) << text;
}

TEST(ConnectError, OtherFailuresKeepTheDetail) {
    const std::string text = DescribeConnectFailure("nats://h:4222", "No server available for connection", false);
    EXPECT_EQ(text, "cannot connect to NATS at nats://h:4222: No server available for connection");
    EXPECT_EQ(DescribeConnectFailure("u", "", false), "cannot connect to NATS at u: unknown error");
}

TEST(ConnectError, DetectsAuthWording) {
    EXPECT_TRUE(LooksLikeAuthFailure("nats: 'Authorization Violation'"));
    EXPECT_TRUE(LooksLikeAuthFailure("authentication timeout"));
    EXPECT_FALSE(LooksLikeAuthFailure("No server available for connection"));
}

TEST(ConnectionEventNames, AreDistinct) {
    EXPECT_STREQ(ToString(ConnectionEvent::kDisconnected), "disconnected");
    EXPECT_STREQ(ToString(ConnectionEvent::kReconnected), "reconnected");
    EXPECT_STREQ(ToString(ConnectionEvent::kClosed), "closed");
    EXPECT_STREQ(ToString(ConnectionEvent::kConnected), "connected");
}

// Issue 12 item 5: a refused agent names the flag to check.
TEST(DescribeRefusal, NamesTheFlagToCheck) {
    const OfferedCredentials token{true, false, false, false};
    EXPECT_EQ(DescribeRefusal("(conn.c:1905): Authorization Violation", token),
              "authorization violation: check --nats-token / LSENGINE_NATS_TOKEN (Authorization Violation)");
    EXPECT_EQ(DescribeRefusal("Authorization Violation", OfferedCredentials{}).rfind(
                  "authorization violation: check --nats-token / LSENGINE_NATS_TOKEN", 0),
              0u);
    EXPECT_NE(DescribeRefusal("Authorization Violation", OfferedCredentials{false, true, false, false})
                  .find("--nats-user"),
              std::string::npos);
    EXPECT_EQ(DescribeRefusal("(util.c:1995): error opening file '/x': No such file or directory",
                              OfferedCredentials{false, false, true, false})
                  .rfind("cannot read the credentials file: check --nats-creds", 0),
              0u);
    EXPECT_EQ(DescribeRefusal("(conn.c:773): Secure Connection not available", OfferedCredentials{false, false, false,
                                                                                                  true})
                  .rfind("TLS handshake failed", 0),
              0u);
    EXPECT_EQ(DescribeRefusal("", token), "the broker closed the connection: no reason given");
}

}  // namespace
}  // namespace lse::transport
