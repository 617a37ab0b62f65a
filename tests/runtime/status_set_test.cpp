#include "lse/runtime/status_set.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::runtime {
namespace {

TEST(StatusSet, DefaultAcceptsSuccessAndRedirects) {
    const StatusSet s = StatusSet::SuccessAndRedirects();
    EXPECT_TRUE(s.Contains(200));
    EXPECT_TRUE(s.Contains(304));
    EXPECT_FALSE(s.Contains(199));
    EXPECT_FALSE(s.Contains(404));
    EXPECT_FALSE(s.Contains(500));
}

TEST(StatusSet, ParsesListsRangesAndClasses) {
    const StatusSet s = StatusSet::Parse("200, 201,4xx,500-502", "--expect");
    EXPECT_TRUE(s.Contains(200));
    EXPECT_TRUE(s.Contains(201));
    EXPECT_FALSE(s.Contains(202));
    EXPECT_TRUE(s.Contains(404));
    EXPECT_TRUE(s.Contains(499));
    EXPECT_TRUE(s.Contains(501));
    EXPECT_FALSE(s.Contains(503));
    EXPECT_FALSE(s.Contains(-1));
    EXPECT_FALSE(s.Contains(10000));
}

TEST(StatusSet, RejectsBadInputNamingTheFlag) {
    for (const char* bad : {"", "abc", "99", "600", "2xy", "300-200", "200,,201"}) {
        try {
            StatusSet::Parse(bad, "--expect");
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find("--expect"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace lse::runtime
