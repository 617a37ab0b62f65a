#include "lse/metrics/stat_key.hpp"

#include <gtest/gtest.h>

namespace lse::metrics {
namespace {

TEST(StatKey, RoundTripsEveryKind) {
    for (StatKind kind : {StatKind::kRequest, StatKind::kTask, StatKind::kScenario, StatKind::kCheck}) {
        const StatKey k{kind, "checkout", "browse", "GET http://h:80/a?b=c"};
        StatKey parsed;
        ASSERT_TRUE(ParseStatKey(MakeStatKey(k), &parsed));
        EXPECT_EQ(parsed.kind, kind);
        EXPECT_EQ(parsed.scenario, "checkout");
        EXPECT_EQ(parsed.task, "browse");
        EXPECT_EQ(parsed.name, "GET http://h:80/a?b=c");
    }
    StatKey parsed;
    ASSERT_TRUE(ParseStatKey(MakeStatKey(StatKind::kScenario, "s"), &parsed));
    EXPECT_TRUE(parsed.task.empty());
    EXPECT_TRUE(parsed.name.empty());
}

TEST(StatKey, RejectsForeignStrings) {
    StatKey k;
    EXPECT_FALSE(ParseStatKey("", &k));
    EXPECT_FALSE(ParseStatKey("GET /", &k));
    EXPECT_FALSE(ParseStatKey("X\x1f" "a\x1f" "b\x1f" "c", &k));
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b", &k));
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f" "d", &k));
}

}  // namespace
}  // namespace lse::metrics
