#include "lse/core/redact.hpp"

#include <gtest/gtest.h>

namespace lse {
namespace {

TEST(Redact, SecretHeaders) {
    EXPECT_TRUE(IsSecretHeader("Authorization"));
    EXPECT_TRUE(IsSecretHeader("cookie"));
    EXPECT_TRUE(IsSecretHeader("X-Auth-Token"));
    EXPECT_TRUE(IsSecretHeader("X-Api-Key"));
    EXPECT_FALSE(IsSecretHeader("Content-Type"));
    EXPECT_FALSE(IsSecretHeader("Accept"));
    EXPECT_EQ(RedactHeaderValue("Bearer tok-u1-abc"), "Bearer ***");
    EXPECT_EQ(RedactHeaderValue("tok-u1-abc"), "***");
}

TEST(Redact, JsonBodies) {
    EXPECT_EQ(RedactBody(R"({"user":"u1","pass":"secret"})"), R"({"user":"u1","pass":"***"})");
    EXPECT_EQ(RedactBody(R"({"access_token": "abc", "n": 1})"), R"({"access_token": "***", "n": 1})");
    EXPECT_EQ(RedactBody(R"({"password":12345,"x":"y"})"), R"({"password":"***","x":"y"})");
    EXPECT_EQ(RedactBody(R"({"name":"p","note":"a \"pass\" word"})"), R"({"name":"p","note":"a \"pass\" word"})");
}

TEST(Redact, FormBodies) {
    EXPECT_EQ(RedactBody("user=u1&password=hunter2"), "user=u1&password=***");
    EXPECT_EQ(RedactBody("a=1&b=2"), "a=1&b=2");
}

TEST(Redact, OtherBodiesUnchanged) {
    EXPECT_EQ(RedactBody("plain text body with pass"), "plain text body with pass");
    EXPECT_EQ(RedactBody(""), "");
}

}  // namespace
TEST(Redact, Urls) {
    EXPECT_EQ(RedactUrl("http://u:p@h/x?token=abc&page=2"), "http://***@h/x?token=***&page=2");
    EXPECT_EQ(RedactUrl("https://h:8443/x?api_key=k#frag"), "https://h:8443/x?api_key=***#frag");
    EXPECT_EQ(RedactUrl("/search?q=shoes&password=hunter2"), "/search?q=shoes&password=***");
    EXPECT_EQ(RedactUrl("http://h/plain"), "http://h/plain");
    EXPECT_EQ(RedactUrl("http://user@h"), "http://***@h");
    EXPECT_EQ(RedactUrl(""), "");
}

// ---- secret values (issue 15: -e / --env-file)
namespace {

TEST(RedactSecretValues, SecretEnvNames) {
    for (const char* name : {"API_TOKEN", "client_secret", "DB_PASSWORD", "smtp_passwd", "API_KEY", "AUTH_HEADER",
                             "aws_credentials", "COOKIE", "session_id"}) {
        EXPECT_TRUE(IsSecretEnvName(name)) << name;
    }
    for (const char* name : {"BASE_URL", "REGION", "USERS", "PAGE_SIZE"}) EXPECT_FALSE(IsSecretEnvName(name)) << name;
}

class RedactSecretValuesTest : public ::testing::Test {
protected:
    void SetUp() override { ClearSecretValues(); }
    void TearDown() override { ClearSecretValues(); }
};

TEST_F(RedactSecretValuesTest, NothingRegisteredChangesNothing) {
    EXPECT_FALSE(HasSecretValues());
    EXPECT_EQ(RedactSecretValues("tok-12345 stays"), "tok-12345 stays");
}

TEST_F(RedactSecretValuesTest, EveryOccurrenceIsMasked) {
    EXPECT_TRUE(AddSecretValue("tok-12345"));
    EXPECT_TRUE(HasSecretValues());
    EXPECT_EQ(RedactSecretValues("GET /x?t=tok-12345 (tok-12345)"), "GET /x?t=*** (***)");
    EXPECT_EQ(RedactSecretValues("tok-1234"), "tok-1234") << "a prefix is not the secret";
}

TEST_F(RedactSecretValuesTest, LongestFirstSoASecretInsideAnotherGoesWhole) {
    EXPECT_TRUE(AddSecretValue("abcd"));
    EXPECT_TRUE(AddSecretValue("xxabcdyy"));
    EXPECT_EQ(RedactSecretValues("xxabcdyy abcd"), "*** ***");
}

TEST_F(RedactSecretValuesTest, ItsJsonSpellingIsFoundInSerialisedJson) {
    EXPECT_TRUE(AddSecretValue("p\"w\\d\n1"));
    EXPECT_EQ(RedactSecretValues(R"({"name":"login p\"w\\d\n1"})"), R"({"name":"login ***"})");
}

TEST_F(RedactSecretValuesTest, ShortValuesAreNotRegistered) {
    EXPECT_FALSE(AddSecretValue("abc"));
    EXPECT_FALSE(HasSecretValues());
    EXPECT_EQ(RedactSecretValues("abc"), "abc");
    EXPECT_TRUE(AddSecretValue("abcd"));
}

}  // namespace
}  // namespace lse
