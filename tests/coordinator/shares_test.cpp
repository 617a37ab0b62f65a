#include "lse/coordinator/shares.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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
    const auto shares = ComputeShares({2, 1, 1}, {AgentScenario{"open", true, {1, 2, 3, 4}}});
    ASSERT_EQ(shares.size(), 3u);
    EXPECT_EQ(shares[0][0].shard.begin, 0);
    EXPECT_EQ(shares[0][0].shard.end, shares[1][0].shard.begin);
    EXPECT_EQ(shares[1][0].shard.end, shares[2][0].shard.begin);
    EXPECT_EQ(shares[2][0].shard.end, sched::kShardUnits);
    EXPECT_DOUBLE_EQ(shares[0][0].shard.Share(), 0.5);
    // Open model too: disjoint contiguous blocks of the pool, in proportion (issue 12 item 4).
    EXPECT_EQ(shares[0][0].vusers.ids, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(shares[1][0].vusers.ids, (std::vector<std::int64_t>{3}));
    EXPECT_EQ(shares[2][0].vusers.ids, (std::vector<std::int64_t>{4}));
}

// Issue 12 item 4: every identity is hosted by exactly one agent, in proportion to its arrival share.
TEST(ComputeShares, OpenModelPoolIsPartitionedInProportionToTheShares) {
    AgentScenario open{"open", true, {}};
    for (std::int64_t id = 1; id <= 10000; ++id) open.vu_ids.push_back(id);
    for (const std::vector<double>& caps : std::vector<std::vector<double>>{{1, 1}, {1, 1, 1, 1, 1, 1, 1, 1},
                                                                            {3, 1, 0, 2}}) {
        const auto shares = ComputeShares(caps, {open});
        std::vector<int> owners(10001, 0);
        for (size_t a = 0; a < caps.size(); ++a) {
            const protocol::VuSelection& v = shares[a][0].vusers;
            if (caps[a] == 0) {
                EXPECT_EQ(v.kind, protocol::VuSelection::Kind::kNone);
                continue;
            }
            ASSERT_EQ(v.kind, protocol::VuSelection::Kind::kList);
            for (const std::int64_t id : v.ids) ++owners[static_cast<size_t>(id)];
            EXPECT_NEAR(static_cast<double>(v.ids.size()) / 10000, shares[a][0].shard.Share(), 1e-3) << a;
        }
        for (std::int64_t id = 1; id <= 10000; ++id) EXPECT_EQ(owners[static_cast<size_t>(id)], 1) << id;
    }
}

TEST(ComputeShares, OpenModelAgentsWithoutVirtualUsersGetNoArrivals) {
    const auto shares = ComputeShares({1, 1, 1}, {AgentScenario{"open", true, {7, 9}}});
    EXPECT_EQ(shares[0][0].vusers.ids, (std::vector<std::int64_t>{7}));
    EXPECT_EQ(shares[1][0].vusers.ids, (std::vector<std::int64_t>{9}));
    EXPECT_EQ(shares[2][0].vusers.kind, protocol::VuSelection::Kind::kNone);
    EXPECT_DOUBLE_EQ(shares[0][0].shard.Share() + shares[1][0].shard.Share(), 1.0);
    EXPECT_EQ(shares[2][0].shard.begin, shares[2][0].shard.end);
}

TEST(ComputeShares, RebalanceKeepsOpenModelSlicesAndMovesOnlyArrivals) {
    const std::vector<AgentScenario> scenarios{AgentScenario{"open", true, {1, 2, 3, 4}}};
    const auto initial = ComputeShares({1, 1}, scenarios);
    const auto moved = ComputeShares({1, 0}, scenarios, &initial);
    EXPECT_EQ(moved[0][0].vusers.ids, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(moved[1][0].vusers.ids, (std::vector<std::int64_t>{3, 4})) << "never handed to another agent";
    EXPECT_DOUBLE_EQ(moved[0][0].shard.Share(), 1.0);
    EXPECT_EQ(moved[1][0].shard.begin, moved[1][0].shard.end);
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

protocol::VuSelection List(std::vector<std::int64_t> ids) {
    protocol::VuSelection s;
    s.kind = ids.empty() ? protocol::VuSelection::Kind::kNone : protocol::VuSelection::Kind::kList;
    s.ids = std::move(ids);
    return s;
}

// Every id of the scenario that some initial selection named is hosted exactly once, never by a lost agent.
void ExpectPartition(const AgentScenario& scenario, const std::vector<protocol::VuSelection>& out,
                     const std::vector<bool>& lost) {
    for (const std::int64_t id : scenario.vu_ids) {
        int owners = 0;
        for (size_t a = 0; a < out.size(); ++a) {
            if (!out[a].Contains(id)) continue;
            ++owners;
            EXPECT_FALSE(lost[a]) << "id " << id << " stays on lost agent " << a;
        }
        EXPECT_EQ(owners, 1) << "id " << id;
    }
    for (const auto& sel : out) {
        EXPECT_TRUE(std::is_sorted(sel.ids.begin(), sel.ids.end()));
        EXPECT_EQ(std::adjacent_find(sel.ids.begin(), sel.ids.end()), sel.ids.end());
    }
}

TEST(MoveVusers, NothingLostKeepsTheInitialSelections) {
    const AgentScenario s{"closed", false, {1, 2, 3, 4, 5, 6}};
    const std::vector<protocol::VuSelection> initial{List({1, 2, 3}), List({4, 5, 6})};
    const auto out = MoveVusers(s, initial, {false, false}, {1, 1});
    EXPECT_EQ(out, initial);
}

TEST(MoveVusers, LostAgentsVirtualUsersAreSplitAmongTheTakersByCapacity) {
    const AgentScenario s{"closed", false, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    const auto shares = ComputeShares({1, 1, 1}, {s});
    std::vector<protocol::VuSelection> initial;
    for (const auto& a : shares) initial.push_back(a[0].vusers);
    ASSERT_EQ(initial[1].ids, (std::vector<std::int64_t>{4, 5, 6}));
    // Agent 1 is lost; agent 2 has twice agent 0's capacity: 2 of the 3 orphans go to it.
    const std::vector<bool> lost{false, true, false};
    const auto out = MoveVusers(s, initial, lost, {1, 0, 2});
    EXPECT_EQ(out[0].ids, (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(out[1].kind, protocol::VuSelection::Kind::kNone);
    EXPECT_EQ(out[2].ids, (std::vector<std::int64_t>{5, 6, 7, 8, 9}));
    ExpectPartition(s, out, lost);
    EXPECT_EQ(MoveVusers(s, initial, lost, {1, 0, 2}), out) << "deterministic";
}

TEST(MoveVusers, RecoveredAgentGetsItsOwnBackAndFinishedAgentsTakeNone) {
    const AgentScenario s{"closed", false, {1, 2, 3, 4, 5, 6}};
    const std::vector<protocol::VuSelection> initial{List({1, 2}), List({3, 4}), List({5, 6})};
    // Agent 2 finished (weight 0, not lost): it keeps its own and takes nothing of lost agent 0.
    const auto out = MoveVusers(s, initial, {true, false, false}, {0, 1, 0});
    EXPECT_EQ(out[1].ids, (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(out[2].ids, (std::vector<std::int64_t>{5, 6}));
    // Back to nobody lost: exactly the initial selections again.
    EXPECT_EQ(MoveVusers(s, initial, {false, false, false}, {1, 1, 1}), initial);
}

TEST(MoveVusers, ManyAgentsAndLossesStayAnExactPartition) {
    AgentScenario s{"closed", false, {}};
    for (std::int64_t id = 1; id <= 97; ++id) s.vu_ids.push_back(id);
    const std::vector<double> caps{3, 1, 4, 1, 5, 9, 2};
    const auto shares = ComputeShares(caps, {s});
    std::vector<protocol::VuSelection> initial;
    for (const auto& a : shares) initial.push_back(a[0].vusers);
    for (unsigned mask = 0; mask < (1u << caps.size()) - 1; ++mask) {  // every loss pattern with a survivor
        std::vector<bool> lost(caps.size());
        std::vector<double> weights(caps.size());
        for (size_t a = 0; a < caps.size(); ++a) {
            lost[a] = (mask >> a) & 1u;
            weights[a] = lost[a] ? 0 : caps[a];
        }
        ExpectPartition(s, MoveVusers(s, initial, lost, weights), lost);
        if (HasFailure()) FAIL() << "loss mask " << mask;
    }
}

// Regions (issue 16): a lost agent's users go to the agents of its own region while one of them takes load; only a
// region with no taker left hands its users to every region.
TEST(MoveVusers, LostUsersStayInTheirRegionWhileItHasATaker) {
    const AgentScenario s{"closed", false, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
    // us-1, us-2, eu-1 (3 ids each), asia-1 (3 ids).
    const std::vector<protocol::VuSelection> initial{List({1, 2, 3}), List({4, 5, 6}), List({7, 8, 9}),
                                                     List({10, 11, 12})};
    const std::vector<std::string> regions{"us", "us", "eu", "asia"};
    // us-2 lost: its 3 users all go to us-1, although eu-1 and asia-1 weigh more.
    std::vector<bool> lost{false, true, false, false};
    auto out = MoveVusers(s, initial, lost, {1, 0, 5, 5}, regions);
    EXPECT_EQ(out[0].ids, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(out[2].ids, (std::vector<std::int64_t>{7, 8, 9}));
    EXPECT_EQ(out[3].ids, (std::vector<std::int64_t>{10, 11, 12}));
    ExpectPartition(s, out, lost);
    // Without regions the same loss is split by weight over everyone (today's rule, kept when no agent has one).
    const auto flat = MoveVusers(s, initial, lost, {1, 0, 5, 5});
    EXPECT_LT(flat[0].ids.size(), 6u);
    ExpectPartition(s, flat, lost);
    // eu-1 lost, and eu has no other agent: its users go to every taker by weight (us-1 1, us-2 1, asia-1 2).
    lost = {false, false, true, false};
    out = MoveVusers(s, initial, lost, {1, 1, 0, 2}, regions);
    EXPECT_EQ(out[0].ids, (std::vector<std::int64_t>{1, 2, 3, 7}));
    EXPECT_EQ(out[1].ids, (std::vector<std::int64_t>{4, 5, 6, 8}));
    EXPECT_EQ(out[3].ids, (std::vector<std::int64_t>{9, 10, 11, 12}));
    ExpectPartition(s, out, lost);
    // Two regions lose an agent at once: each region's orphans are placed by its own rule.
    lost = {true, false, true, false};
    out = MoveVusers(s, initial, lost, {0, 1, 0, 1}, regions);
    // us-2 takes all of us-1's; eu-1's 3 split 2/1 between us-2 and asia-1 (equal weights, the tie to the first).
    EXPECT_EQ(out[1].ids, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(out[3].ids, (std::vector<std::int64_t>{9, 10, 11, 12}));
    ExpectPartition(s, out, lost);
    EXPECT_EQ(MoveVusers(s, initial, lost, {0, 1, 0, 1}, regions), out) << "deterministic";
}

TEST(MoveVusers, RangeSelectionsAreExpandedAgainstThePlansIds) {
    const AgentScenario s{"closed", false, {2, 3, 5, 7}};
    protocol::VuSelection range;
    range.kind = protocol::VuSelection::Kind::kRange;
    range.first = 1;
    range.last = 4;
    const auto out = MoveVusers(s, {range, List({5, 7})}, {true, false}, {0, 1});
    EXPECT_EQ(out[0].kind, protocol::VuSelection::Kind::kNone);
    EXPECT_EQ(out[1].ids, (std::vector<std::int64_t>{2, 3, 5, 7}));
}

}  // namespace
}  // namespace lse::coordinator
