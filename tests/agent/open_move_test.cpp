// Open-model virtual users moved to this agent by a Rebalance (issue 12 item 4): which ones are extra, how the
// agent's slice is split between its own and the moved-in VUs, and that a main run and an open supplementary run
// switching slices at one instant send exactly the arrivals of the whole slice (none lost, none twice).

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <thread>

#include "load_thread.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_runner.hpp"
#include "pausing_plans.hpp"
#include "run_setup.hpp"

namespace lse::agent {
namespace {

using pausing_plans::List;
using protocol::VuSelection;
using sched::ShardSegment;

// An open scenario at `rps` whose single task only pauses 5 ms: runs without any network.
plan::ScenarioPlan OpenPauseScenario(int vusers, double rps, std::int64_t duration_ns) {
    plan::ScenarioPlan s;
    s.name = "arrivals";
    s.load.open_model = true;
    s.load.start_rps = rps;
    s.load.stages = {{duration_ns, rps}};
    pausing_plans::AddPausingVusers(&s, "wait", vusers, 5 * kNsPerMs);
    return s;
}

PreparedRun Prepare(const plan::ScenarioPlan& scenario, VuSelection initial, ShardSegment shard) {
    plan::Plan p;
    p.cluster_id = "c1";
    p.run_id = "r1";
    p.scenarios.push_back(scenario);
    return pausing_plans::PrepareAsOneOfTwo(p, {{scenario.name, shard, std::move(initial)}},
                                            RunSetupOptions{2, 0, 2 * kNsPerSec});
}

TEST(ExtraVusersFor, OpenModelIdsBeyondTheAssignment) {
    const PreparedRun run = Prepare(OpenPauseScenario(8, 10, kNsPerSec), List({1, 2, 3, 4}), ShardSegment{0, 1 << 19});
    EXPECT_EQ(InitialVusers(run, "arrivals"), 4);
    EXPECT_EQ(InitialVusers(run, "other"), 0);
    EXPECT_TRUE(ExtraVusersFor(run, {{"arrivals", {}, List({1, 2, 3, 4})}}, true).empty());
    const auto extra = ExtraVusersFor(run, {{"arrivals", {}, List({1, 2, 3, 4, 7, 8})}}, true);
    ASSERT_EQ(extra.size(), 1u);
    EXPECT_EQ(extra[0], (ExtraVusers{"arrivals", {7, 8}}));
    EXPECT_TRUE(ExtraVusersFor(run, {{"arrivals", {}, List({1, 2, 3, 4, 7, 8})}}, false).empty())
        << "asked for the closed model only";
}

TEST(SplitForMovedIn, PartsAreProportionalAdjacentAndTileTheSlice) {
    const ShardSegment s{1000, 1000 + 900};
    const auto [own, moved] = SplitForMovedIn(s, 4, 2);
    EXPECT_EQ(own, (ShardSegment{1000, 1600}));
    EXPECT_EQ(moved, (ShardSegment{1600, 1900}));
    const auto [all, none] = SplitForMovedIn(s, 4, 0);
    EXPECT_EQ(all, s);
    EXPECT_EQ(none.begin, none.end);
    const auto [nothing, everything] = SplitForMovedIn(s, 0, 3);
    EXPECT_EQ(nothing.begin, nothing.end);
    EXPECT_EQ(everything, s);
    for (std::int64_t own_n = 0; own_n < 20; ++own_n) {
        for (std::int64_t moved_n = 1; moved_n < 20; ++moved_n) {
            const auto [a, b] = SplitForMovedIn(ShardSegment{7, 7 + 12345}, own_n, moved_n);
            EXPECT_EQ(a.begin, 7);
            EXPECT_EQ(a.end, b.begin);
            EXPECT_EQ(b.end, 7 + 12345);
            EXPECT_NEAR(static_cast<double>(b.end - b.begin) / 12345.0,
                        static_cast<double>(moved_n) / static_cast<double>(own_n + moved_n), 1.0 / 12345);
        }
    }
}

TEST(MakeOpenExtraWorkloads, WholeShapeOwningNothingYet) {
    const PreparedRun run = Prepare(OpenPauseScenario(8, 10, 6 * kNsPerSec), List({1, 2, 3, 4}), ShardSegment{});
    const auto w = MakeOpenExtraWorkloads(run, {{"arrivals", {6, 7, 8}}}, 1);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].spec.model, runtime::LoadModel::kOpen);
    EXPECT_EQ(w[0].spec.vusers, 3);
    EXPECT_EQ(w[0].spec.RunLengthNs(), 6 * kNsPerSec) << "lines up with the main run";
    EXPECT_EQ(w[0].segment.begin, w[0].segment.end) << "owns nothing until its slice is given";
    EXPECT_THROW(MakeOpenExtraWorkloads(run, {{"nope", {1}}}, 1), lse::Error);
    EXPECT_THROW(MakeOpenExtraWorkloads(run, {{"arrivals", {99}}}, 1), lse::Error);
}

std::uint64_t Iterations(const metrics::Snapshot& s) {
    const auto it = s.by_name.find(metrics::MakeStatKey(metrics::StatKind::kTask, "arrivals", "wait"));
    return it == s.by_name.end() ? 0 : it->second.requests;
}

LoadEvent WaitDone(LoadThread* t) {
    for (int waited = 0; waited < 30'000; waited += 20) {
        for (LoadEvent& e : t->TakeEvents()) {
            if (e.kind == LoadEvent::Kind::kDone) return std::move(e);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no kDone within 30 s";
    return LoadEvent{};
}

// 40 rps for 3 s over the whole grid (120 arrivals). At 1 s the main run keeps 2/3 of the slice for its 4 VUs and a
// supplementary run takes 1/3 with 2 moved-in VUs; at 2 s the moved VUs go back (the supplementary run gives up its
// part and the main run takes the whole slice again). Every arrival is sent exactly once, by one of them.
TEST(LoadThreadOpenSupplementary, SlicesSwitchAtOneInstantWithoutLossOrRepeat) {
    const plan::ScenarioPlan scenario = OpenPauseScenario(6, 40, 3 * kNsPerSec);
    PreparedRun run = Prepare(scenario, List({1, 2, 3, 4}), ShardSegment{});
    LoadThread t([] {});
    const std::int64_t start = static_cast<std::int64_t>(uv_hrtime()) + 300 * kNsPerMs;
    t.Start(std::move(run.workloads), http::ClientOptions{}, start);
    const auto [own, moved] = SplitForMovedIn(ShardSegment{}, 4, 2);
    t.Reshard(0, own, start + kNsPerSec);
    const int extra = t.StartOpenSupplementary(MakeOpenExtraWorkloads(run, {{"arrivals", {5, 6}}}, 1), start);
    ASSERT_GE(extra, 0);
    t.ReshardSupplementary(extra, 0, moved, start + kNsPerSec);
    std::this_thread::sleep_for(std::chrono::nanoseconds(start + 1500 * kNsPerMs - static_cast<std::int64_t>(uv_hrtime())));
    t.Reshard(0, ShardSegment{}, start + 2 * kNsPerSec);
    t.ReshardSupplementary(extra, 0, ShardSegment{0, 0}, start + 2 * kNsPerSec);
    const LoadEvent done = WaitDone(&t);
    t.Join();
    EXPECT_TRUE(done.error.empty()) << done.error;
    EXPECT_EQ(Iterations(done.snapshot), 120u) << "every arrival once";
    EXPECT_EQ(t.supplementary_started(), 1);
}

TEST(LoadThreadOpenSupplementary, NotStartedAfterTheMainRun) {
    PreparedRun run = Prepare(OpenPauseScenario(4, 10, kNsPerSec / 2), List({1, 2}), ShardSegment{});
    LoadThread t([] {});
    t.Start(std::move(run.workloads), http::ClientOptions{}, 0);
    (void)WaitDone(&t);
    t.Join();
    EXPECT_EQ(t.StartOpenSupplementary(MakeOpenExtraWorkloads(run, {{"arrivals", {3}}}, 1), 0), -1);
}

}  // namespace
}  // namespace lse::agent
