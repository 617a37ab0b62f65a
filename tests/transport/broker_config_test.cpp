#include "lse/transport/broker_config.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::transport {
namespace {

TEST(BrokerToken, RandomTokensAreHexAndDiffer) {
    const std::string a = RandomHexToken();
    const std::string b = RandomHexToken();
    ASSERT_EQ(a.size(), 32u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
    EXPECT_NE(a, b);
    EXPECT_EQ(RandomHexToken(5).size(), 5u);
}

TEST(BrokerToken, ValidationRejectsQuotesAndSpaces) {
    EXPECT_NO_THROW(ValidateBrokerToken("abc-123_XYZ.+/="));
    EXPECT_THROW(ValidateBrokerToken(""), UsageError);
    EXPECT_THROW(ValidateBrokerToken("a b"), UsageError);
    EXPECT_THROW(ValidateBrokerToken("a\"b"), UsageError);
    EXPECT_THROW(ValidateBrokerToken("a\\b"), UsageError);
    EXPECT_THROW(ValidateBrokerToken("a\nb"), UsageError);
}

TEST(BrokerConfig, RequiresTokenAndListensWhereAsked) {
    const std::string config = RenderBrokerConfig("127.0.0.1", 4333, "s3cret", "");
    EXPECT_NE(config.find("listen: \"127.0.0.1:4333\""), std::string::npos) << config;
    EXPECT_NE(config.find("token: \"s3cret\""), std::string::npos) << config;
    EXPECT_EQ(config.find("log_file"), std::string::npos) << config;
    EXPECT_NE(RenderBrokerConfig("127.0.0.1", 1, "t", "/tmp/x.log").find("log_file: \"/tmp/x.log\""),
              std::string::npos);
}

}  // namespace
}  // namespace lse::transport
