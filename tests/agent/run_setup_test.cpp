#include "run_setup.hpp"

#include <gtest/gtest.h>

#include "lse/core/clock.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/plan_chunks.hpp"

namespace lse::agent {
namespace {

using protocol::RejectReason;
using protocol::VuSelection;

plan::Template Lit(std::string s) {
    plan::Template t;
    t.segments.push_back(plan::Segment{plan::Segment::Kind::kLiteral, std::move(s), 0, 0});
    return t;
}

plan::Plan TwoVuPlan() {
    plan::Plan p;
    p.cluster_id = "c1";
    p.run_id = "r1";
    plan::ScenarioPlan s;
    s.name = "shop";
    s.load.open_model = true;
    s.load.start_rps = 10;
    s.load.stages = {{2 * kNsPerSec, 10}};
    s.load.vusers = 2;
    s.tasks = {{"browse", 1}};
    plan::PlannedRequest r;
    r.url = Lit("http://127.0.0.1:9/api/products");
    r.name = "GET /api/products";
    s.requests = {r};
    for (int id = 1; id <= 2; ++id) {
        plan::VuPlan vu;
        vu.id = id;
        vu.task_steps = {{plan::Step{false, 0, 0, {}}}};
        s.vusers.push_back(vu);
    }
    p.scenarios.push_back(s);
    return p;
}

protocol::Assignment AssignmentFor(const std::string& bytes) {
    protocol::Assignment a;
    a.cluster_id = "c1";
    a.run_id = "r1";
    a.agent_id = "a1";
    a.agent_count = 2;
    a.agent_index = 1;
    a.scenarios.push_back(protocol::ScenarioShare{"shop", sched::ShardSegment{0, sched::kShardUnits / 2}, {}});
    a.plan_size = bytes.size();
    a.plan_checksum = protocol::Fnv1a64(bytes);
    return a;
}

TEST(RunSetupTest, BuildsOneWorkloadWithTheAssignedShard) {
    const std::string bytes = plan::EncodePlan(TwoVuPlan());
    const protocol::Assignment a = AssignmentFor(bytes);
    PreparedRun run;
    SetupProblem problem;
    ASSERT_TRUE(PrepareRun(a, bytes, RunSetupOptions{4, 0, 2 * kNsPerSec}, &run, &problem)) << problem.detail;
    ASSERT_EQ(run.workloads.size(), 1u);
    EXPECT_EQ(run.scenarios, (std::vector<std::string>{"shop"}));
    EXPECT_EQ(run.hosted_vusers, 2);
    EXPECT_EQ(run.workloads[0].segment, (sched::ShardSegment{0, sched::kShardUnits / 2}));
    EXPECT_EQ(run.workloads[0].spec.vusers, 2);
    EXPECT_LE(run.workloads[0].spec.threads, 2);  // capped at the hosted virtual users
    EXPECT_LE(run.workloads[0].spec.grace_ns, 2 * kNsPerSec);
    EXPECT_EQ(run.workloads[0].spec.generator_id, "a1") << "its health is reported as the agent's";
    EXPECT_EQ(run.WorkloadIndex("shop"), 0);
    EXPECT_EQ(run.WorkloadIndex("other"), -1);
}

// Plan format 6: a scenario with its own response-header limit or client certificate gets its own client options
// (over the agent's); one without keeps the agent's. A certificate that does not load refuses the run by name,
// without quoting the PEM text.
TEST(RunSetupTest, AScenariosOwnClientOptionsComeFromThePlan) {
    RunSetupOptions options{4, 0, 2 * kNsPerSec};
    options.client.max_response_header_bytes = 64 * 1024;
    options.client.ca_file = "/agent/ca.pem";
    {
        const std::string bytes = plan::EncodePlan(TwoVuPlan());
        PreparedRun run;
        SetupProblem problem;
        ASSERT_TRUE(PrepareRun(AssignmentFor(bytes), bytes, options, &run, &problem)) << problem.detail;
        EXPECT_FALSE(run.workloads[0].client.has_value()) << "the agent's (the LoadThread's) options";
    }
    plan::Plan p = TwoVuPlan();
    p.scenarios[0].max_header_bytes = 512 * 1024;
    std::string bytes = plan::EncodePlan(p);
    PreparedRun run;
    SetupProblem problem;
    ASSERT_TRUE(PrepareRun(AssignmentFor(bytes), bytes, options, &run, &problem)) << problem.detail;
    ASSERT_TRUE(run.workloads[0].client.has_value());
    EXPECT_EQ(run.workloads[0].client->max_response_header_bytes, 512u * 1024);
    EXPECT_EQ(run.workloads[0].client->ca_file, "/agent/ca.pem") << "the rest stays the agent's";

    p.scenarios[0].client_cert_pem = "-----BEGIN CERTIFICATE-----\nnot-a-cert-secret\n-----END CERTIFICATE-----\n";
    bytes = plan::EncodePlan(p);
    EXPECT_FALSE(PrepareRun(AssignmentFor(bytes), bytes, options, &run, &problem));
    EXPECT_EQ(problem.reason, RejectReason::kMalformed);
    EXPECT_NE(problem.detail.find("scenario 'shop' cannot be replayed"), std::string::npos) << problem.detail;
    EXPECT_NE(problem.detail.find("client certificate"), std::string::npos) << problem.detail;
    EXPECT_EQ(problem.detail.find("not-a-cert-secret"), std::string::npos) << problem.detail;
}

TEST(RunSetupTest, RefusesBadChecksumGarbageAndForeignPlans) {
    const std::string bytes = plan::EncodePlan(TwoVuPlan());
    PreparedRun run;
    SetupProblem problem;

    protocol::Assignment a = AssignmentFor(bytes);
    a.plan_checksum ^= 1;
    EXPECT_FALSE(PrepareRun(a, bytes, {}, &run, &problem));
    EXPECT_EQ(problem.reason, RejectReason::kChecksum);

    const std::string garbage = "definitely not a plan";
    EXPECT_FALSE(PrepareRun(AssignmentFor(garbage), garbage, {}, &run, &problem));
    EXPECT_EQ(problem.reason, RejectReason::kMalformed);

    plan::Plan other = TwoVuPlan();
    other.cluster_id = "c2";
    const std::string other_bytes = plan::EncodePlan(other);
    EXPECT_FALSE(PrepareRun(AssignmentFor(other_bytes), other_bytes, {}, &run, &problem));
    EXPECT_EQ(problem.reason, RejectReason::kWrongCluster);

    a = AssignmentFor(bytes);
    a.scenarios[0].scenario = "missing";
    EXPECT_FALSE(PrepareRun(a, bytes, {}, &run, &problem));
    EXPECT_EQ(problem.reason, RejectReason::kMalformed);
    EXPECT_NE(problem.detail.find("missing"), std::string::npos);
}

// The Assignment's plan_checksum is the plan's only checksum (plan format 3): any flipped bit of
// the plan bytes is refused before they are decoded, with the checksum as the reason.
TEST(RunSetupTest, EveryFlippedPlanBitIsRefusedByTheChecksum) {
    const std::string bytes = plan::EncodePlan(TwoVuPlan());
    const protocol::Assignment a = AssignmentFor(bytes);
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string copy = bytes;
            copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
            PreparedRun run;
            SetupProblem problem;
            ASSERT_FALSE(PrepareRun(a, copy, {}, &run, &problem)) << i << ":" << bit;
            EXPECT_EQ(problem.reason, RejectReason::kChecksum) << i << ":" << bit;
            EXPECT_NE(problem.detail.find("checksum"), std::string::npos) << problem.detail;
        }
    }
}

TEST(RunSetupTest, CheckAssignmentRefusesOtherClusterAgentAndOversizedPlans) {
    protocol::Assignment a = AssignmentFor("x");
    SetupProblem problem;
    EXPECT_TRUE(CheckAssignment(a, "c1", "a1", &problem));
    EXPECT_FALSE(CheckAssignment(a, "c2", "a1", &problem));
    EXPECT_EQ(problem.reason, RejectReason::kWrongCluster);
    EXPECT_FALSE(CheckAssignment(a, "c1", "a2", &problem));
    EXPECT_EQ(problem.reason, RejectReason::kMalformed);
    a.plan_size = kMaxAgentPlanBytes + 1;
    EXPECT_FALSE(CheckAssignment(a, "c1", "a1", &problem));
    EXPECT_EQ(problem.reason, RejectReason::kTooLarge);
}

TEST(RunSetupTest, SelectedPositionsFollowTheVirtualUserIds) {
    const std::vector<int> ids = {1, 2, 5, 7};
    VuSelection all;
    EXPECT_EQ(SelectedPositions(all, ids), (std::vector<int>{0, 1, 2, 3}));
    VuSelection none;
    none.kind = VuSelection::Kind::kNone;
    EXPECT_TRUE(SelectedPositions(none, ids).empty());
    VuSelection range;
    range.kind = VuSelection::Kind::kRange;
    range.first = 2;
    range.last = 5;
    EXPECT_EQ(SelectedPositions(range, ids), (std::vector<int>{1, 2}));
    VuSelection list;
    list.kind = VuSelection::Kind::kList;
    list.ids = {1, 7};
    EXPECT_EQ(SelectedPositions(list, ids), (std::vector<int>{0, 3}));
}

}  // namespace
}  // namespace lse::agent
