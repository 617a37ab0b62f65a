// --region-weights: parsing with clear messages, the check against the agents that registered, and the weights:
// region first, capacity within a region, so the shard split gives each region exactly its weight.
#include "lse/coordinator/region_weights.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

#include "lse/coordinator/shares.hpp"
#include "lse/core/errors.hpp"
#include "lse/sched/shard.hpp"

namespace lse::coordinator {
namespace {

std::string UsageMessage(const std::function<void()>& f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no UsageError)";
}

protocol::Register Agent(const std::string& id, const std::string& region, std::uint32_t capacity = 1) {
    protocol::Register r;
    r.agent_id = id;
    r.region = region;
    r.capacity = capacity;
    return r;
}

TEST(RegionWeights, ParsesNamesAndWeightsInOrder) {
    EXPECT_EQ(ParseRegionWeights("us=60,eu=30,asia=10"),
              (std::vector<RegionWeight>{{"us", 60}, {"eu", 30}, {"asia", 10}}));
    EXPECT_EQ(ParseRegionWeights(" eu = 0.7 , us=0.3 "), (std::vector<RegionWeight>{{"eu", 0.7}, {"us", 0.3}}));
    EXPECT_EQ(ParseRegionWeights("solo=1"), (std::vector<RegionWeight>{{"solo", 1}}));
}

TEST(RegionWeights, BadInputNamesTheFlagAndThePart) {
    auto parse = [](const char* text) { return UsageMessage([&] { ParseRegionWeights(text); }); };
    EXPECT_NE(parse("").find("--region-weights: empty"), std::string::npos) << parse("");
    EXPECT_NE(parse("us=60,,eu=40").find("empty item"), std::string::npos);
    EXPECT_NE(parse("us=60,eu").find("'eu': expected region=weight"), std::string::npos) << parse("us=60,eu");
    EXPECT_NE(parse("us=sixty").find("'us=sixty': the weight must be a number > 0"), std::string::npos);
    EXPECT_NE(parse("us=0").find("> 0"), std::string::npos);
    EXPECT_NE(parse("us=-5").find("> 0"), std::string::npos);
    EXPECT_NE(parse("us=inf").find("> 0"), std::string::npos);
    EXPECT_NE(parse("us=10x").find("> 0"), std::string::npos);
    EXPECT_NE(parse("=10").find("bad region name"), std::string::npos) << parse("=10");
    EXPECT_NE(parse("eu.west=10").find("bad region name"), std::string::npos);
    EXPECT_NE(parse("us=1,us=2").find("region 'us' is listed twice"), std::string::npos);
}

TEST(RegionWeights, EveryAgentsRegionMustBeListedAndEveryListedRegionHaveAnAgent) {
    const auto weights = ParseRegionWeights("us=60,eu=40");
    EXPECT_NO_THROW(CheckRegionWeights(weights, {Agent("a1", "us"), Agent("a2", "eu"), Agent("a3", "eu")}));
    const std::string unlisted =
        UsageMessage([&] { CheckRegionWeights(weights, {Agent("a1", "us"), Agent("a2", "asia"), Agent("a3", "")}); });
    EXPECT_NE(unlisted.find("not listed: a2 (region 'asia'), a3 (no --region)"), std::string::npos) << unlisted;
    const std::string empty = UsageMessage([&] { CheckRegionWeights(weights, {Agent("a1", "us"), Agent("a2", "us")}); });
    EXPECT_NE(empty.find("no agent of the run is in region 'eu' (the agents' regions: us)"), std::string::npos)
        << empty;
    EXPECT_NO_THROW(CheckRegionWeights({}, {Agent("a1", ""), Agent("a2", "asia")}));  // no weights: any regions
}

TEST(RegionWeights, RegionFirstThenCapacityWithinTheRegion) {
    // us=60 over capacities 1 and 2 (20 + 40), eu=30 over one agent of capacity 8, asia=10 over capacity 3 and 1.
    const std::vector<double> caps = {1, 8, 2, 3, 1};
    const std::vector<std::string> regions = {"us", "eu", "us", "asia", "asia"};
    const auto w = RegionWeights(caps, regions, ParseRegionWeights("us=60,eu=30,asia=10"));
    ASSERT_EQ(w.size(), caps.size());
    EXPECT_DOUBLE_EQ(w[0], 20);
    EXPECT_DOUBLE_EQ(w[1], 30);
    EXPECT_DOUBLE_EQ(w[2], 40);
    EXPECT_DOUBLE_EQ(w[3], 7.5);
    EXPECT_DOUBLE_EQ(w[4], 2.5);
    // Without weights the split is by capacity alone, as before regions.
    EXPECT_EQ(RegionWeights(caps, regions, {}), caps);
}

TEST(RegionWeights, ARegionWithoutCapacityLeavesItsShareToTheOthersInProportion) {
    // Both eu agents timed out (capacity 0 in a Rebalance): us and asia keep their 60:10 proportion.
    const std::vector<double> caps = {2, 0, 0, 1};
    const auto w = RegionWeights(caps, {"us", "eu", "eu", "asia"}, ParseRegionWeights("us=60,eu=30,asia=10"));
    EXPECT_EQ(w, (std::vector<double>{60, 0, 0, 10}));
    const auto slices = sched::ShardSegment::SplitByWeights(w);
    EXPECT_EQ((slices[1].end - slices[1].begin) + (slices[2].end - slices[2].begin), 0);
    EXPECT_EQ((slices[0].end - slices[0].begin) + (slices[3].end - slices[3].begin), sched::kShardUnits);
}

TEST(RegionWeights, TheShardSplitGivesEachRegionExactlyItsWeight) {
    // 70/30 over three agents: the arrivals tile the grid, and the region sums are the weights to one shard unit.
    const std::vector<double> caps = {4, 2, 2};
    const auto w = RegionWeights(caps, {"near", "far", "far"}, ParseRegionWeights("near=70,far=30"));
    const auto slices = sched::ShardSegment::SplitByWeights(w);
    const std::int64_t near = (slices[0].end - slices[0].begin);
    const std::int64_t far = (slices[1].end - slices[1].begin) + (slices[2].end - slices[2].begin);
    EXPECT_EQ(near + far, sched::kShardUnits);
    EXPECT_LE(std::llabs(near - sched::kShardUnits * 7 / 10), 1);
    // Equal capacities within "far".
    EXPECT_LE(std::llabs((slices[1].end - slices[1].begin) - (slices[2].end - slices[2].begin)), 1);
    // Virtual users follow the same weights (ComputeShares splits them by the vector it is given).
    AgentScenario closed{"browse", /*open_model=*/false, {}, std::nullopt};
    for (std::int64_t id = 1; id <= 100; ++id) closed.vu_ids.push_back(id);
    const auto shares = ComputeShares(w, {closed});
    EXPECT_EQ(shares[0][0].vusers.ids.size(), 70u);
    EXPECT_EQ(shares[1][0].vusers.ids.size() + shares[2][0].vusers.ids.size(), 30u);
}

TEST(RegionWeights, AgentsWithoutARegionCountUnderNone) {
    EXPECT_EQ(RegionOf(Agent("a1", "")), std::string(kNoRegion));
    EXPECT_EQ(RegionOf(Agent("a1", "eu")), "eu");
}

}  // namespace
}  // namespace lse::coordinator
