// The Capture phase's gathering of the agent scenarios: problems refuse the run naming every scenario, the
// scenarios the coordinator assigns are derived from the captured plans, and the plan round-trips the codec.
#include "lse/coordinator/plan_assembly.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/core/clock.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::coordinator {
namespace {

CapturedScenario Scenario(const std::string& name, int vusers) {
    CapturedScenario c;
    c.name = name;
    c.vusers_prepared = vusers;
    for (int i = 1; i <= vusers; ++i) {
        plan::VuPlan vu;
        vu.id = i;
        c.plan.vusers.push_back(vu);
    }
    return c;
}

TEST(PlanAssembly, ProblemsOfEveryScenarioRefuseTheRun) {
    PlanAssembly a("c", "run-1");
    CapturedScenario bad = Scenario("browse", 1);
    bad.problems = {"task 'x' (f.lua:3): reads a response"};
    a.Add(bad);
    a.Add(Scenario("idle", 0));  // on_start failed for everyone
    try {
        a.Seal();
        FAIL() << "sealed a plan with problems";
    } catch (const ScriptError& e) {
        EXPECT_STREQ(e.what(),
                     "the plan for the agents cannot be captured faithfully; the run was not started:\n"
                     "  - scenario 'browse': task 'x' (f.lua:3): reads a response\n"
                     "  - scenario 'idle': on_start failed for every virtual user");
    }
}

TEST(PlanAssembly, ScenariosAndPlanFollowTheCapture) {
    PlanAssembly a("cluster", "run-7");
    EXPECT_TRUE(a.Empty());
    CapturedScenario open = Scenario("open", 3);
    open.open_model = true;
    open.profile = sched::RateProfile::Constant(10, kNsPerSec);
    a.Add(open);
    CapturedScenario closed = Scenario("closed", 2);
    closed.profile = sched::RateProfile::Constant(10, kNsPerSec);  // ignored: a closed model has no arrivals to account
    a.Add(closed);
    ASSERT_EQ(a.Scenarios().size(), 2u);
    EXPECT_EQ(a.Scenarios()[0].name, "open");
    EXPECT_TRUE(a.Scenarios()[0].open_model);
    EXPECT_TRUE(a.Scenarios()[0].profile.has_value());
    EXPECT_EQ(a.Scenarios()[0].vu_ids, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_FALSE(a.Scenarios()[1].profile.has_value());
    EXPECT_TRUE(a.ArrivalsAccounted());

    a.Seal();
    plan::Plan decoded;
    std::string error;
    ASSERT_TRUE(plan::DecodePlan(a.Bytes(), &decoded, &error)) << error;
    EXPECT_EQ(decoded.cluster_id, "cluster");
    EXPECT_EQ(decoded.run_id, "run-7");
    ASSERT_EQ(decoded.scenarios.size(), 2u);
    EXPECT_EQ(decoded.scenarios[1].name, "closed");
}

}  // namespace
}  // namespace lse::coordinator
