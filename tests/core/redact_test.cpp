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

}  // namespace lse
