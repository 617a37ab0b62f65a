// The Capture phase's gathering of the agent scenarios: problems refuse the run naming every scenario, the
// scenarios the coordinator assigns are derived from the captured plans, and the plan round-trips the codec.
#include "lse/coordinator/plan_assembly.hpp"

#include <gtest/gtest.h>

#include <map>

#include "lse/core/errors.hpp"
#include "lse/core/clock.hpp"
#include "lse/coordinator/moved_plans.hpp"
#include "lse/coordinator/shares.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::coordinator {
namespace {

// Virtual users 1..vusers, each with one request of its own (its token): what a slice must carry intact.
CapturedScenario TokenScenario(const std::string& name, int vusers) {
    CapturedScenario c;
    c.name = name;
    c.vusers_prepared = vusers;
    c.plan.tasks = {{"t", 1}};
    for (int i = 1; i <= vusers; ++i) {
        plan::PlannedRequest r;
        r.url.segments = {plan::Segment{plan::Segment::Kind::kLiteral, "http://127.0.0.1:9/", 0, 0}};
        r.headers = {{"authorization", plan::Template{{plan::Segment{plan::Segment::Kind::kLiteral,
                                                                    "Bearer token-" + std::to_string(i), 0, 0}}}}};
        r.name = "GET /";
        c.plan.requests.push_back(r);
        plan::VuPlan vu;
        vu.id = i;
        vu.task_steps = {{plan::Step{false, static_cast<std::uint32_t>(i - 1), 0, {}}}};
        c.plan.vusers.push_back(vu);
    }
    return c;
}

// Each user's token, as its plan sends it.
std::map<int, std::string> Tokens(const plan::Plan& p) {
    std::map<int, std::string> out;
    for (const plan::ScenarioPlan& s : p.scenarios) {
        for (const plan::VuPlan& vu : s.vusers) {
            out[vu.id] = s.requests.at(vu.task_steps.at(0).at(0).request).headers.at(0).second.segments.at(0).text;
        }
    }
    return out;
}

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

TEST(PlanAssembly, EachAgentGetsOnlyItsVirtualUsers) {
    PlanAssembly a("cluster", "run-7");
    a.Add(TokenScenario("s", 90));
    a.Seal();
    const std::vector<double> caps = {2, 1};
    const auto shares = ComputeShares(caps, a.Scenarios());
    std::vector<std::string> slices;
    std::map<int, std::string> all;
    for (std::size_t agent = 0; agent < caps.size(); ++agent) {
        slices.push_back(a.BytesForAgent(agent, caps, shares[agent]));
        plan::Plan p;
        std::string error;
        ASSERT_TRUE(plan::DecodePlan(slices.back(), &p, &error)) << error;
        const std::map<int, std::string> tokens = Tokens(p);
        EXPECT_EQ(tokens.size(), agent == 0 ? 60u : 30u);
        for (const auto& [id, token] : tokens) {
            EXPECT_TRUE(shares[agent][0].vusers.Contains(id)) << id;
            EXPECT_EQ(token, "Bearer token-" + std::to_string(id));
            all[id] = token;
        }
    }
    EXPECT_EQ(all.size(), 90u) << "every user in exactly one slice";
    // Bytes per agent follow its share of the users, not the whole plan.
    const std::size_t whole = a.Bytes().size();
    EXPECT_LT(slices[1].size(), whole / 2);
    EXPECT_GT(slices[1].size(), whole / 6);
    EXPECT_EQ(a.Size().total_bytes, slices[0].size() + slices[1].size());
    EXPECT_EQ(a.Size().largest_slice, slices[0].size());
    EXPECT_EQ(a.Size().vusers, 90);
    EXPECT_NE(a.Size().Line().find("for 90 virtual users ("), std::string::npos) << a.Size().Line();
    EXPECT_EQ(a.Size().Line().rfind("plan: ", 0), 0u) << a.Size().Line();
    EXPECT_NE(a.Size().Line().find(" kB for 90 virtual users"), std::string::npos) << a.Size().Line();
    PlanSize big{327'400'000, 31'900'000, 1'000'000};
    EXPECT_EQ(big.Line(), "plan: 327.4 MB for 1000000 virtual users (327 B each); largest agent slice 31.9 MB");
    a.ReleasePlan();
    EXPECT_THROW(a.BytesForAgent(0, caps, shares[0]), std::logic_error);

    // A takeover: agent 1 is lost, agent 0 takes some of its users; their plans are cut from agent 1's slice.
    MovedPlans moved([&slices](std::size_t agent) -> const std::string& { return slices.at(agent); });
    const std::vector<std::int64_t> ids = {shares[1][0].vusers.ids[0], shares[1][0].vusers.ids[7], 1000};
    plan::Plan p;
    std::string error;
    ASSERT_TRUE(plan::DecodePlan(moved.Build(1, {ids}), &p, &error)) << error;
    const std::map<int, std::string> tokens = Tokens(p);
    ASSERT_EQ(tokens.size(), 2u) << "1000 is in nobody's slice";
    for (const auto& [id, token] : tokens) EXPECT_EQ(token, "Bearer token-" + std::to_string(id));
    EXPECT_EQ(p.scenarios.at(0).requests.size(), 2u);
}

TEST(PlanAssembly, UsersCapturedOutOfOrderAreSortedById) {
    PlanAssembly a("cluster", "run-7");
    CapturedScenario c = TokenScenario("s", 5);
    std::swap(c.plan.vusers[0], c.plan.vusers[3]);
    a.Add(c);
    EXPECT_EQ(a.Scenarios()[0].vu_ids, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace lse::coordinator
