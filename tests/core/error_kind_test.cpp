#include "lse/core/error_kind.hpp"

#include <gtest/gtest.h>

namespace lse {
namespace {

TEST(ErrorKind, NamesRoundTrip) {
    for (int i = 0; i < kErrorKindCount; ++i) {
        const auto kind = static_cast<ErrorKind>(i);
        ErrorKind parsed = ErrorKind::kCount;
        ASSERT_TRUE(ParseErrorKind(ErrorKindName(kind), &parsed)) << i;
        EXPECT_EQ(parsed, kind);
    }
    ErrorKind unused;
    EXPECT_FALSE(ParseErrorKind("bogus", &unused));
    EXPECT_EQ(ErrorKindName(ErrorKind::kCount), "unknown");
}

}  // namespace
}  // namespace lse
