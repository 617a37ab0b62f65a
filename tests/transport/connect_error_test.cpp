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

}  // namespace
}  // namespace lse::transport
