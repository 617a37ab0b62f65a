#include "lse/core/did_you_mean.hpp"

#include <gtest/gtest.h>

namespace lse {
namespace {

TEST(DidYouMean, SuggestsCloseNames) {
    const std::vector<std::string> opts = {"name", "rps", "vusers", "duration", "ramp_up", "stages", "think_time"};
    EXPECT_EQ(ClosestMatch("durration", opts), "duration");
    EXPECT_EQ(ClosestMatch("vuser", opts), "vusers");
    EXPECT_EQ(ClosestMatch("RPS", opts), "rps");
    EXPECT_EQ(ClosestMatch("think", opts), "think_time");
    EXPECT_EQ(ClosestMatch("zzzzzz", opts), "");
    EXPECT_EQ(DidYouMeanSuffix("rampup", opts), " (did you mean 'ramp_up'?)");
    EXPECT_EQ(DidYouMeanSuffix("qqq", opts), "");
}

// The request options of http:get and friends (bindings/lua request_options.cpp) use it too.
TEST(DidYouMean, RequestOptionsWithinTwoEdits) {
    const std::vector<std::string> words = {"headers", "json", "timeout"};
    EXPECT_EQ(ClosestMatch("timout", words), "timeout");
    EXPECT_EQ(ClosestMatch("heders", words), "headers");
    EXPECT_EQ(ClosestMatch("xyzzy", words), "");
}

}  // namespace
}  // namespace lse
