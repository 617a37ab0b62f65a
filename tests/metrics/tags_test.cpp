#include "lse/metrics/tags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/metrics/stat_key.hpp"

namespace lse::metrics {
namespace {

TEST(Tags, CanonicalFormIsSortedByKeyAndParsesBack) {
    const std::string canonical = CanonicalTags({{"tier", "gold"}, {"env", "staging"}});
    EXPECT_EQ(canonical, "env\x1estaging\x1dtier\x1egold");
    std::vector<Tag> pairs;
    ASSERT_TRUE(ParseTags(canonical, &pairs));
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[0], (Tag{"env", "staging"}));
    EXPECT_EQ(pairs[1], (Tag{"tier", "gold"}));
    EXPECT_EQ(TagsDisplay(canonical), "{env=staging,tier=gold}");
    EXPECT_EQ(CanonicalTags({}), "");
    EXPECT_TRUE(ParseTags("", &pairs));
    EXPECT_TRUE(pairs.empty());
    EXPECT_EQ(TagsDisplay(""), "");
}

TEST(Tags, ALaterPairOfTheSameKeyWins) {
    // The scenario's tags come first, the request's after: the request overrides.
    EXPECT_EQ(CanonicalTags({{"env", "prod"}, {"a", "1"}, {"env", "staging"}}), "a\x1e" "1\x1d" "env\x1estaging");
}

TEST(Tags, ParseRejectsWhatCanonicalTagsNeverMakes) {
    std::vector<Tag> pairs;
    EXPECT_FALSE(ParseTags("tier\x1egold\x1d" "env\x1estaging", &pairs));  // unsorted
    EXPECT_FALSE(ParseTags("env\x1e" "a\x1d" "env\x1e" "b", &pairs));      // duplicate key
    EXPECT_FALSE(ParseTags("env", &pairs));                                // no value separator
    EXPECT_FALSE(ParseTags("\x1evalue", &pairs));                          // empty key
    EXPECT_FALSE(ParseTags("status\x1e" "200", &pairs));                   // reserved key
    EXPECT_FALSE(ParseTags("env\x1e" "a\x1d", &pairs));                    // trailing separator
    EXPECT_FALSE(ParseTags("env\x1e" "a\nb", &pairs));                     // control byte in a value
    std::vector<Tag> nine;
    for (char c = 'a'; c < 'a' + 9; ++c) nine.emplace_back(std::string(1, c), "v");
    EXPECT_FALSE(ParseTags(CanonicalTags(nine), &pairs));
    nine.pop_back();
    EXPECT_TRUE(ParseTags(CanonicalTags(nine), &pairs));
    EXPECT_TRUE(ParseTags("env\x1e", &pairs));  // an empty value is a value
}

TEST(Tags, KeysAreNamesOfBoundedLengthAndNotReserved) {
    EXPECT_EQ(TagKeyProblem("env"), "");
    EXPECT_EQ(TagKeyProblem("_Env2"), "");
    EXPECT_NE(TagKeyProblem(""), "");
    EXPECT_NE(TagKeyProblem("2env"), "");
    EXPECT_NE(TagKeyProblem("env-name"), "");
    EXPECT_EQ(TagKeyProblem(std::string(kMaxTagKeyBytes, 'k')), "");
    EXPECT_NE(TagKeyProblem(std::string(kMaxTagKeyBytes + 1, 'k')), "");
    const std::string reserved = TagKeyProblem("group");
    EXPECT_NE(reserved.find("reserved"), std::string::npos) << reserved;
    for (std::string_view k : kReservedTagKeys) {
        EXPECT_NE(reserved.find(k), std::string::npos) << "the message lists " << k;
        EXPECT_NE(TagKeyProblem(k), "") << k;
    }
}

TEST(Tags, ValuesAreBoundedWithoutControlBytes) {
    EXPECT_EQ(TagValueProblem("a value/with:punctuation"), "");
    EXPECT_EQ(TagValueProblem(std::string(kMaxTagValueBytes, 'v')), "");
    EXPECT_NE(TagValueProblem(std::string(kMaxTagValueBytes + 1, 'v')), "");
    EXPECT_NE(TagValueProblem("a\x1f" "b"), "");
    EXPECT_NE(TagValueProblem("a\x7f"), "");
}

TEST(Tags, HasTagMatchesWholePairsOnly) {
    const std::string canonical = CanonicalTags({{"env", "staging"}, {"tier", "gold"}});
    EXPECT_TRUE(HasTag(canonical, "env", "staging"));
    EXPECT_TRUE(HasTag(canonical, "tier", "gold"));
    EXPECT_FALSE(HasTag(canonical, "env", "stag"));
    EXPECT_FALSE(HasTag(canonical, "en", "staging"));
    EXPECT_FALSE(HasTag(canonical, "tier", "staging"));
    EXPECT_FALSE(HasTag("", "env", ""));
    EXPECT_TRUE(HasTag("env\x1e", "env", ""));
}

// The longest tagged key a script can make (8 tags of 64-byte keys and 128-byte values, a long name and group)
// crosses the wire: an agent's snapshot with it decodes at the coordinator.
TEST(Tags, TheLongestTaggedKeyRoundTripsInASnapshot) {
    std::vector<Tag> tags;
    for (char c = 'a'; c < 'a' + static_cast<char>(kMaxTagsPerRequest); ++c) {
        tags.emplace_back(std::string(64, c), std::string(kMaxTagValueBytes, 'v'));
    }
    const std::string key = MakeStatKey(StatKind::kRequest, std::string(200, 's'), std::string(200, 't'),
                                        std::string(256, 'n'), std::string(256, 'g'), CanonicalTags(tags));
    ASSERT_GT(key.size(), 2000u);
    Snapshot s;
    s.ForName(key).RecordResponse(200, true, 10, 10, 1, 1);
    std::string bytes;
    s.AppendTo(&bytes);
    Snapshot back;
    std::string error;
    ASSERT_TRUE(Snapshot::Decode(bytes, &back, &error)) << error;
    EXPECT_EQ(back, s);
}

}  // namespace
}  // namespace lse::metrics
