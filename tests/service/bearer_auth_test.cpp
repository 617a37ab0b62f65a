// The API token: read once from a file (trimmed, never empty), matched only as "Bearer <token>".

#include "bearer_auth.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "lse/core/errors.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::service {
namespace {

std::string TokenFile(const std::string& text, mode_t mode = 0600) {
    const std::string path = lse::testing::MakeTempFile("token-");
    std::ofstream(path, std::ios::binary) << text;
    chmod(path.c_str(), mode);
    return path;
}

std::string Refusal(const std::string& path) {
    try {
        ReadTokenFile(path);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(BearerAuth, TheTokenFileIsTrimmedAndMustHoldOneToken) {
    std::string warning;
    EXPECT_EQ(ReadTokenFile(TokenFile("  s3cret-token\n"), &warning), "s3cret-token");
    EXPECT_EQ(warning, "");
    EXPECT_NE(Refusal(TokenFile("\n \n")).find("is empty"), std::string::npos);
    EXPECT_NE(Refusal(TokenFile("one\ntwo\n")).find("one token"), std::string::npos);
    EXPECT_NE(Refusal("/nonexistent/token").find("--token-file /nonexistent/token: cannot read"), std::string::npos);
}

TEST(BearerAuth, AFileOthersCanReadIsWarnedAbout) {
    std::string warning;
    ReadTokenFile(TokenFile("tok", 0644), &warning);
    EXPECT_NE(warning.find("readable by other users"), std::string::npos) << warning;
}

TEST(BearerAuth, OnlyTheExactTokenAfterTheBearerSchemeMatches) {
    EXPECT_TRUE(BearerTokenMatches("Bearer abc123", "abc123"));
    EXPECT_TRUE(BearerTokenMatches("bearer abc123", "abc123"));  // the scheme is case-insensitive (RFC 9110)
    EXPECT_FALSE(BearerTokenMatches("Bearer abc12", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("Bearer abc1234", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("Bearer ABC123", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("Basic abc123", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("abc123", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("", "abc123"));
    EXPECT_FALSE(BearerTokenMatches("Bearer ", ""));  // an empty token never matches
}

}  // namespace
}  // namespace lse::service
