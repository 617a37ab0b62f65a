#include "lse/metrics/stat_key.hpp"

#include <gtest/gtest.h>

namespace lse::metrics {
namespace {

TEST(StatKey, RoundTripsEveryKind) {
    for (StatKind kind : {StatKind::kRequest, StatKind::kTask, StatKind::kScenario, StatKind::kCheck}) {
        const StatKey k{kind, "checkout", "browse", "GET http://h:80/a?b=c", "", ""};
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
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f" "d\x1f" "e", &k));
}

TEST(StatKey, RequestKeysCarryAGroupAsAFifthField) {
    const std::string grouped = MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", "checkout::payment");
    EXPECT_EQ(grouped, "R\x1fshop\x1f" "buy\x1fGET /cart\x1f" "checkout::payment");
    StatKey parsed;
    ASSERT_TRUE(ParseStatKey(grouped, &parsed));
    EXPECT_EQ(parsed.name, "GET /cart");
    EXPECT_EQ(parsed.group, "checkout::payment");
    // The same parse target reused for an ungrouped key: no group left over.
    ASSERT_TRUE(ParseStatKey(MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart"), &parsed));
    EXPECT_EQ(parsed.name, "GET /cart");
    EXPECT_TRUE(parsed.group.empty());
    // Ungrouped keys are unchanged: four fields.
    EXPECT_EQ(MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", ""), "R\x1fshop\x1f" "buy\x1fGET /cart");
}

TEST(StatKey, OnlyRequestAndCheckKeysHaveAGroup) {
    StatKey k;
    EXPECT_FALSE(ParseStatKey("T\x1f" "a\x1f" "b\x1f\x1f" "g", &k));
    EXPECT_FALSE(ParseStatKey("S\x1f" "a\x1f\x1f\x1f" "g", &k));
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f", &k));  // an empty group is no field at all
    EXPECT_FALSE(ParseStatKey("C\x1f" "a\x1f" "b\x1f" "c\x1f", &k));
}

TEST(StatKey, CheckKeysCarryAGroupAsAFifthField) {
    const std::string grouped = MakeStatKey(StatKind::kCheck, "shop", "buy", "status is 200", "checkout::payment");
    EXPECT_EQ(grouped, "C\x1fshop\x1f" "buy\x1fstatus is 200\x1f" "checkout::payment");
    StatKey parsed;
    ASSERT_TRUE(ParseStatKey(grouped, &parsed));
    EXPECT_EQ(parsed.kind, StatKind::kCheck);
    EXPECT_EQ(parsed.name, "status is 200");
    EXPECT_EQ(parsed.group, "checkout::payment");
    ASSERT_TRUE(ParseStatKey(MakeStatKey(StatKind::kCheck, "shop", "buy", "status is 200"), &parsed));
    EXPECT_TRUE(parsed.group.empty());
}

TEST(StatKey, RequestKeysCarryTagsAsASixthField) {
    const std::string tags = "env\x1estaging\x1dtier\x1egold";
    const std::string tagged = MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", "", tags);
    EXPECT_EQ(tagged, "R\x1fshop\x1f" "buy\x1fGET /cart\x1f\x1f" + tags);  // empty group field before them
    StatKey parsed;
    ASSERT_TRUE(ParseStatKey(tagged, &parsed));
    EXPECT_EQ(parsed.name, "GET /cart");
    EXPECT_TRUE(parsed.group.empty());
    EXPECT_EQ(parsed.tags, tags);
    EXPECT_EQ(MakeStatKey(parsed), tagged);

    const std::string both = MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", "checkout", tags);
    ASSERT_TRUE(ParseStatKey(both, &parsed));
    EXPECT_EQ(parsed.group, "checkout");
    EXPECT_EQ(parsed.tags, tags);
    // Reused for an untagged key: no tags left over; untagged keys keep four or five fields.
    ASSERT_TRUE(ParseStatKey(MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", "checkout"), &parsed));
    EXPECT_TRUE(parsed.tags.empty());
    EXPECT_EQ(MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /cart", "checkout", ""),
              "R\x1fshop\x1f" "buy\x1fGET /cart\x1f" "checkout");
}

TEST(StatKey, TagsFieldMustBeCanonical) {
    StatKey k;
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f\x1f", &k));                      // empty tags field
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f\x1f" "z\x1e" "1\x1d" "a\x1e" "2", &k));  // unsorted
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f\x1f" "status\x1e" "1", &k));    // reserved key
    EXPECT_FALSE(ParseStatKey("T\x1f" "a\x1f" "b\x1f\x1f\x1f" "env\x1e" "1", &k));           // not a request
    EXPECT_FALSE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f\x1f" "env\x1e" "1\x1f" "x", &k));  // seven fields
    EXPECT_TRUE(ParseStatKey("R\x1f" "a\x1f" "b\x1f" "c\x1f\x1f" "env\x1e" "1", &k));
}

}  // namespace
}  // namespace lse::metrics
