#include "lse/coordinator/shares.hpp"

#include <gtest/gtest.h>

#include "lse/sched/shard.hpp"

namespace lse::coordinator {
namespace {

TEST(SplitCount, IsExactAndProportional) {
    EXPECT_EQ(SplitCount(10, {3, 1}), (std::vector<std::int64_t>{8, 2}));  // 7.5 / 2.5: tie to the lower index
    EXPECT_EQ(SplitCount(5, {1, 1, 1}), (std::vector<std::int64_t>{2, 2, 1}));
    EXPECT_EQ(SplitCount(4, {1, 0, 1}), (std::vector<std::int64_t>{2, 0, 2}));
    EXPECT_EQ(SplitCount(0, {1, 1}), (std::vector<std::int64_t>{0, 0}));
}

TEST(ComputeShares, ArrivalSlicesTileTheWholeWeightedByCapacity) {
    const auto shares = ComputeShares({2, 1, 1}, {AgentScenario{"open", true, {1, 2, 3}}});
    ASSERT_EQ(shares.size(), 3u);
    EXPECT_EQ(shares[0][0].shard.begin, 0);
    EXPECT_EQ(shares[0][0].shard.end, shares[1][0].shard.begin);
    EXPECT_EQ(shares[1][0].shard.end, shares[2][0].shard.begin);
    EXPECT_EQ(shares[2][0].shard.end, sched::kShardUnits);
    EXPECT_DOUBLE_EQ(shares[0][0].shard.Share(), 0.5);
    for (const auto& s : shares) EXPECT_EQ(s[0].vusers.kind, protocol::VuSelection::Kind::kAll);
}

TEST(ComputeShares, ClosedModelVirtualUsersAreSplitContiguously) {
    const auto shares = ComputeShares({1, 1, 0}, {AgentScenario{"closed", false, {1, 2, 4, 5, 6}}});
    EXPECT_EQ(shares[0][0].vusers.kind, protocol::VuSelection::Kind::kList);
    EXPECT_EQ(shares[0][0].vusers.ids, (std::vector<std::int64_t>{1, 2, 4}));
    EXPECT_EQ(shares[1][0].vusers.ids, (std::vector<std::int64_t>{5, 6}));
    EXPECT_EQ(shares[2][0].vusers.kind, protocol::VuSelection::Kind::kNone);
    EXPECT_EQ(shares[2][0].shard.begin, shares[2][0].shard.end) << "a timed-out agent owns no arrivals";
}

TEST(ComputeShares, AllZeroCapacitiesAreRefused) {
    EXPECT_ANY_THROW(ComputeShares({0, 0}, {AgentScenario{"s", true, {1}}}));
}

}  // namespace
}  // namespace lse::coordinator
