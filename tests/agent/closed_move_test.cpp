// Closed-model virtual users moved to this agent by a Rebalance: which ones are extra (run_setup), how their
// supplementary run is shaped, and how LoadThread folds its end into the one kDone the agent reports.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "load_thread.hpp"
#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_runner.hpp"
#include "pausing_plans.hpp"
#include "run_setup.hpp"

namespace lse::agent {
namespace {

using pausing_plans::List;
using protocol::VuSelection;

// A closed scenario whose single task only pauses: runs without any network.
plan::ScenarioPlan PauseScenario(const std::string& name, const std::string& task, int vusers,
                                 std::int64_t duration_ns) {
    plan::ScenarioPlan s;
    s.name = name;
    s.load.open_model = false;
    s.load.duration_ns = duration_ns;
    s.load.ramp_up_ns = duration_ns / 2;
    s.load.think_min_ns = 20 * kNsPerMs;
    s.load.think_max_ns = 20 * kNsPerMs;
    pausing_plans::AddPausingVusers(&s, task, vusers, 10 * kNsPerMs);
    return s;
}

PreparedRun Prepare(const plan::Plan& p, std::vector<protocol::ScenarioShare> shares) {
    return pausing_plans::PrepareAsOneOfTwo(p, std::move(shares), RunSetupOptions{4, 0, 2 * kNsPerSec});
}

plan::Plan ClosedAndOpenPlan() {
    plan::Plan p;
    p.cluster_id = "c1";
    p.run_id = "r1";
    p.scenarios.push_back(PauseScenario("loop", "wait", 6, 10 * kNsPerSec));
    plan::ScenarioPlan open = PauseScenario("arrivals", "wait", 4, 0);
    open.load.open_model = true;
    open.load.start_rps = 5;
    open.load.stages = {{10 * kNsPerSec, 5}};
    p.scenarios.push_back(open);
    return p;
}

TEST(ExtraClosedVusers, AreTheClosedIdsBeyondTheAssignment) {
    const PreparedRun run = Prepare(ClosedAndOpenPlan(), {{"loop", sched::ShardSegment::Whole(), List({1, 2, 3})},
                                                          {"arrivals", sched::ShardSegment::Whole(), {}}});
    ASSERT_EQ(run.sources.size(), 2u);
    // Same selection: nothing extra. Open-model scenarios never have extra virtual users (kAll everywhere).
    EXPECT_TRUE(ExtraVusersFor(run, {{"loop", {}, List({1, 2, 3})}, {"arrivals", {}, {}}}, false).empty());
    const auto extra = ExtraVusersFor(run, {{"loop", {}, List({1, 2, 3, 5, 6, 9})}, {"arrivals", {}, {}}}, false);
    ASSERT_EQ(extra.size(), 1u);
    EXPECT_EQ(extra[0], (ExtraVusers{"loop", {5, 6}})) << "9 is not in the plan";
}

TEST(ExtraClosedVusers, ScenarioHostingNoneInitiallyCanTakeOver) {
    plan::Plan p = ClosedAndOpenPlan();
    VuSelection none;
    none.kind = VuSelection::Kind::kNone;
    const PreparedRun run = Prepare(p, {{"loop", sched::ShardSegment::Whole(), none},
                                        {"arrivals", sched::ShardSegment::Whole(), {}}});
    EXPECT_EQ(run.WorkloadIndex("loop"), -1);
    const auto extra = ExtraVusersFor(run, {{"loop", {}, List({4})}}, false);
    ASSERT_EQ(extra.size(), 1u);
    EXPECT_EQ(extra[0].ids, (std::vector<std::int64_t>{4}));
}

TEST(MakeExtraWorkloads, RunFromTheTakeoverToTheMainRunsEndWithoutRampUp) {
    const PreparedRun run = Prepare(ClosedAndOpenPlan(), {{"loop", sched::ShardSegment::Whole(), List({1, 2, 3})}});
    const std::int64_t start = 100 * kNsPerSec;
    const auto w = MakeExtraWorkloads(run, {{"loop", {4, 5}}}, start, start + 4 * kNsPerSec, 1, kNsPerSec / 2);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].spec.model, runtime::LoadModel::kClosed);
    EXPECT_EQ(w[0].spec.duration_ns, 6 * kNsPerSec);
    EXPECT_EQ(w[0].spec.ramp_up_ns, 0);
    EXPECT_EQ(w[0].spec.vusers, 2);
    EXPECT_EQ(w[0].spec.threads, 2);
    EXPECT_EQ(w[0].spec.think_min_ns, 20 * kNsPerMs);
    EXPECT_LE(w[0].spec.grace_ns, 2 * kNsPerSec);
    EXPECT_EQ(w[0].spec.generator_id, run.agent_id) << "moved-in users report their health as this agent's too";
    EXPECT_FALSE(run.agent_id.empty());
    // Too little of the run left: no workload.
    EXPECT_TRUE(MakeExtraWorkloads(run, {{"loop", {4}}}, start, start + 10 * kNsPerSec - kNsPerSec / 4, 1,
                                   kNsPerSec / 2)
                    .empty());
}

// ---- plan slices: an agent's plan has only its own users; moved-in users' plans come in VuPlans ----

// A closed scenario of `vusers` users, each sending its own request (/u<id>) then pausing.
plan::Plan OwnRequestsPlan(int vusers) {
    plan::Plan p;
    p.cluster_id = "c1";
    p.run_id = "r1";
    plan::ScenarioPlan s;
    s.name = "loop";
    s.load.open_model = false;
    s.load.vusers = vusers;
    s.load.duration_ns = 10 * kNsPerSec;
    s.tasks = {{"t", 1}};
    for (int id = 1; id <= vusers; ++id) {
        plan::PlannedRequest r;
        r.url.segments = {plan::Segment{plan::Segment::Kind::kLiteral, "http://127.0.0.1:9/u" + std::to_string(id), 0, 0}};
        r.name = "GET /u";
        s.requests.push_back(r);
        plan::VuPlan vu;
        vu.id = id;
        vu.task_steps = {{plan::Step{false, static_cast<std::uint32_t>(id - 1), 0, {}},
                          plan::Step{true, 0, 10 * kNsPerMs, {}}}};
        s.vusers.push_back(vu);
    }
    p.scenarios.push_back(s);
    return p;
}

plan::Plan Slice(const plan::Plan& whole, std::vector<std::size_t> positions) {
    plan::Plan out;
    std::string error;
    EXPECT_TRUE(plan::DecodePlan(plan::EncodePlanSlice(whole, {std::move(positions)}), &out, &error)) << error;
    return out;
}

// The URL user `id` of `s` sends in its first step.
std::string UrlOf(const plan::ScenarioPlan& s, int id) {
    for (const plan::VuPlan& vu : s.vusers) {
        if (vu.id == id) return s.requests.at(vu.task_steps.at(0).at(0).request).url.segments.at(0).text;
    }
    return "";
}

TEST(MovedVuPlans, MovedUsersAreTakenOnlyOnceTheirPlansArrived) {
    const plan::Plan whole = OwnRequestsPlan(6);
    PreparedRun run = Prepare(Slice(whole, {0, 1, 2}), {{"loop", sched::ShardSegment::Whole(), List({1, 2, 3})}});
    ASSERT_EQ(run.sources.size(), 1u);
    const std::vector<protocol::ScenarioShare> rebalance = {{"loop", {}, List({1, 2, 3, 5, 6})}};
    EXPECT_EQ(MissingVuPlans(run, rebalance), 2u) << "5 and 6 are in another agent's slice";
    EXPECT_TRUE(ExtraVusersFor(run, rebalance, false).empty()) << "no plan for them here yet";

    std::string error;
    ASSERT_TRUE(AddMovedVuPlans(&run, Slice(whole, {4, 5}), &error)) << error;
    EXPECT_EQ(MissingVuPlans(run, rebalance), 0u);
    const auto extra = ExtraVusersFor(run, rebalance, false);
    ASSERT_EQ(extra.size(), 1u);
    EXPECT_EQ(extra[0], (ExtraVusers{"loop", {5, 6}}));
    ASSERT_NE(run.sources[0].moved, nullptr);
    EXPECT_EQ(UrlOf(*run.sources[0].moved, 6), "http://127.0.0.1:9/u6") << "each user keeps its own requests";

    // A resend adds nothing; later plans are merged into a new plan, the one a running supplementary run uses stays.
    ASSERT_TRUE(AddMovedVuPlans(&run, Slice(whole, {4, 5}), &error)) << error;
    EXPECT_EQ(run.sources[0].moved->vusers.size(), 2u);
    const auto before = run.sources[0].moved;
    ASSERT_TRUE(AddMovedVuPlans(&run, Slice(whole, {3}), &error)) << error;
    EXPECT_EQ(before->vusers.size(), 2u);
    ASSERT_EQ(run.sources[0].moved->vusers.size(), 3u);
    for (const int id : {4, 5, 6}) {
        EXPECT_EQ(UrlOf(*run.sources[0].moved, id), "http://127.0.0.1:9/u" + std::to_string(id)) << id;
    }
    const std::int64_t start = 100 * kNsPerSec;
    const auto w = MakeExtraWorkloads(run, {{"loop", {4, 5, 6}}}, start, start + 4 * kNsPerSec, 1, kNsPerSec / 2);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].spec.vusers, 3) << "built from the moved-in plans";

    // Plans that do not fit the assigned scenario are refused whole.
    plan::Plan other = Slice(whole, {0});
    other.scenarios[0].tasks[0].name = "renamed";
    EXPECT_FALSE(AddMovedVuPlans(&run, other, &error));
    EXPECT_NE(error.find("do not match"), std::string::npos) << error;
    other = Slice(whole, {0});
    other.scenarios[0].name = "elsewhere";
    EXPECT_FALSE(AddMovedVuPlans(&run, other, &error));
    EXPECT_NE(error.find("not assigned here"), std::string::npos) << error;
}

TEST(MovedVuPlans, AWholePlanNeedsNone) {
    const PreparedRun run = Prepare(OwnRequestsPlan(6), {{"loop", sched::ShardSegment::Whole(), List({1, 2, 3})}});
    const std::vector<protocol::ScenarioShare> rebalance = {{"loop", {}, List({1, 2, 3, 5, 6})}};
    EXPECT_EQ(MissingVuPlans(run, rebalance), 0u);
    const auto w = MakeExtraWorkloads(run, ExtraVusersFor(run, rebalance, false), 100 * kNsPerSec, 104 * kNsPerSec,
                                      1, kNsPerSec / 2);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].spec.vusers, 2);
}

// ---- LoadThread: supplementary runs end with the main one and are folded into its single kDone ----

runtime::Workload PauseWorkload(const std::string& task, std::int64_t duration_ns) {
    auto config = std::make_shared<plan::PlanRunConfig>();
    config->scenario = std::make_shared<const plan::ScenarioPlan>(PauseScenario("s", task, 2, duration_ns));
    runtime::Workload w;
    w.spec = plan::MakePlanLoadSpec(config->scenario->load, 2, 1, 7);
    w.spec.ramp_up_ns = 0;
    w.spec.grace_ns = kNsPerSec;
    w.factory = plan::MakePlanRunnerFactory(config);
    w.dropped_key = metrics::MakeStatKey(metrics::StatKind::kScenario, "s");
    return w;
}

std::vector<runtime::Workload> One(runtime::Workload w) {
    std::vector<runtime::Workload> out;
    out.push_back(std::move(w));
    return out;
}

// Waits (bounded) for the kDone event; counts how many there were.
LoadEvent WaitDone(LoadThread* t, int* dones, std::int64_t limit_ms = 20'000) {
    LoadEvent done;
    for (std::int64_t waited = 0; waited < limit_ms; waited += 20) {
        for (LoadEvent& e : t->TakeEvents()) {
            if (e.kind == LoadEvent::Kind::kDone) {
                ++*dones;
                done = std::move(e);
            }
        }
        if (*dones > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done;
}

std::uint64_t TaskCount(const metrics::Snapshot& s, const std::string& task) {
    const auto it = s.by_name.find(metrics::MakeStatKey(metrics::StatKind::kTask, "s", task));
    return it == s.by_name.end() ? 0 : it->second.requests;
}

TEST(LoadThreadSupplementary, TotalsOfEveryRunAreInTheOneDoneEvent) {
    LoadThread t([] {});
    t.Start(One(PauseWorkload("main", 3 * kNsPerSec)), http::ClientOptions{}, 0);
    // A supplementary run longer than the main one: it is drained when the main run ends.
    ASSERT_TRUE(t.StartSupplementary(One(PauseWorkload("extra", 30 * kNsPerSec)), 0));
    int dones = 0;
    const LoadEvent done = WaitDone(&t, &dones);
    ASSERT_EQ(dones, 1) << "kDone comes once every run has ended";
    t.Join();
    EXPECT_FALSE(t.Active());
    EXPECT_TRUE(done.error.empty()) << done.error;
    EXPECT_GT(TaskCount(done.snapshot, "main"), 0u);
    EXPECT_GT(TaskCount(done.snapshot, "extra"), 0u) << "the supplementary run's total is folded in";
    EXPECT_EQ(t.supplementary_started(), 1);
    EXPECT_FALSE(t.StartSupplementary(One(PauseWorkload("late", kNsPerSec)), 0)) << "no load after the run";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(t.TakeEvents().empty());
}

// Waits (bounded) until an interval shows an iteration of `task`; counts kDone events seen meanwhile.
bool WaitForTask(LoadThread* t, const std::string& task, int* dones) {
    for (int waited = 0; waited < 20'000; waited += 20) {
        bool seen = false;
        for (LoadEvent& e : t->TakeEvents()) {
            if (e.kind == LoadEvent::Kind::kDone) ++*dones;
            if (e.kind == LoadEvent::Kind::kInterval && TaskCount(e.snapshot, task) > 0) seen = true;
        }
        if (seen) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TEST(LoadThreadSupplementary, ReplacingAndStoppingCoverEveryRun) {
    LoadThread t([] {});
    t.Start(One(PauseWorkload("main", 60 * kNsPerSec)), http::ClientOptions{}, 0);
    ASSERT_TRUE(t.StartSupplementary(One(PauseWorkload("first", 60 * kNsPerSec)), 0));
    int dones = 0;
    ASSERT_TRUE(WaitForTask(&t, "first", &dones));
    // A later Rebalance: the first supplementary run drains, a second one starts.
    ASSERT_TRUE(t.StartSupplementary(One(PauseWorkload("second", 60 * kNsPerSec)), 0));
    ASSERT_TRUE(WaitForTask(&t, "second", &dones));
    t.StopSupplementary();  // the moved VUs went back: the second drains too, the main run goes on
    EXPECT_TRUE(WaitForTask(&t, "main", &dones)) << "the main run goes on";
    EXPECT_TRUE(t.Active());
    EXPECT_EQ(dones, 0) << "the main run is still going";
    t.RequestStop(false);  // the coordinator's Stop: every run drains
    const LoadEvent done = WaitDone(&t, &dones, 10'000);
    ASSERT_EQ(dones, 1);
    t.Join();
    EXPECT_GT(TaskCount(done.snapshot, "main"), 0u);
    EXPECT_GT(TaskCount(done.snapshot, "first"), 0u);
    EXPECT_GT(TaskCount(done.snapshot, "second"), 0u);
    EXPECT_EQ(t.supplementary_started(), 2);
}

TEST(LoadThreadSupplementary, DestructorStopsSupplementaryRuns) {
    const auto begin = std::chrono::steady_clock::now();
    {
        LoadThread t([] {});
        t.Start(One(PauseWorkload("main", 60 * kNsPerSec)), http::ClientOptions{}, 0);
        ASSERT_TRUE(t.StartSupplementary(One(PauseWorkload("extra", 60 * kNsPerSec)), 0));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(20));
}

}  // namespace
}  // namespace lse::agent
