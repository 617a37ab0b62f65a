#include "lse/transport/nats_url.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::transport {
namespace {

TEST(NatsUrl, HostPortGetsNatsScheme) {
    EXPECT_EQ(NormaliseNatsUrl("127.0.0.1:4333"), "nats://127.0.0.1:4333");
    EXPECT_EQ(NormaliseNatsUrl(" broker.example:4222/ "), "nats://broker.example:4222");
}

TEST(NatsUrl, KeepsKnownSchemesAndAddsDefaultPort) {
    EXPECT_EQ(NormaliseNatsUrl("tls://h:7422"), "tls://h:7422");
    EXPECT_EQ(NormaliseNatsUrl("nats://h"), "nats://h:4222");
    EXPECT_EQ(NormaliseNatsUrl("h"), "nats://h:4222");
    EXPECT_EQ(NormaliseNatsUrl("nats://u:p@h"), "nats://u:p@h:4222");
    EXPECT_EQ(NormaliseNatsUrl("nats://u:p@h:5000"), "nats://u:p@h:5000");
    EXPECT_EQ(NormaliseNatsUrl("[::1]:4223"), "nats://[::1]:4223");
    EXPECT_EQ(NormaliseNatsUrl("[::1]"), "nats://[::1]:4222");
}

TEST(NatsUrl, RejectsBadInput) {
    EXPECT_THROW(NormaliseNatsUrl(""), UsageError);
    EXPECT_THROW(NormaliseNatsUrl("http://h:4222"), UsageError);
    EXPECT_THROW(NormaliseNatsUrl("h:0"), UsageError);
    EXPECT_THROW(NormaliseNatsUrl("h:99999"), UsageError);
    EXPECT_THROW(NormaliseNatsUrl("h:42x"), UsageError);
    EXPECT_THROW(NormaliseNatsUrl(":4222"), UsageError);
}

TEST(NatsUrl, ErrorsDoNotLeakCredentials) {
    try {
        NormaliseNatsUrl("http://user:secret@h:4222");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
    }
}

TEST(NatsUrl, RedactHidesUserInfoOnly) {
    EXPECT_EQ(RedactNatsUrl("nats://user:pw@h:4222"), "nats://***@h:4222");
    EXPECT_EQ(RedactNatsUrl("tok@h:4222"), "***@h:4222");
    EXPECT_EQ(RedactNatsUrl("nats://h:4222"), "nats://h:4222");
}

}  // namespace
}  // namespace lse::transport
