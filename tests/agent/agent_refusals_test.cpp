// What a real lsengine-agent refuses (issue 6), beyond the other-cluster and garbage cases of
// agent_process_test.cpp: oversized plans (announced too large, or chunks growing past the announced size) and
// plans whose chunks do not add up to the announced checksum. A refused agent stays idle and keeps announcing
// itself. Also: what the agent logs while replaying a plan full of credentials carries none of them.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include "fake_coordinator.hpp"
#include "lse/core/clock.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/temp_files.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::agent {
namespace {

using lse::testing::ReadWhole;
using testing::FakeCoordinator;
namespace proto = lse::protocol;

constexpr char kCluster[] = "c1";
constexpr char kAgent[] = "a1";
constexpr std::uint64_t kAgentPlanLimit = std::uint64_t{64} << 20;  // run_setup.hpp kMaxAgentPlanBytes

plan::Template Lit(std::string s) {
    plan::Template t;
    t.segments.push_back(plan::Segment{plan::Segment::Kind::kLiteral, std::move(s), 0, 0});
    return t;
}

class AgentRefusalsTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.Start(transport::BrokerOptions{});
        coordinator_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
        log_path_ = ::testing::TempDir() + "agent-refusals-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
        lse::testing::ChildOptions o;
        o.stderr_path = log_path_;
        // The NATS token goes in through the environment, as lsengine passes it to local agents.
        o.env = {{"LSENGINE_NATS_TOKEN", broker_.Token()}};
        agent_.Start({LSE_AGENT_PATH, "--coordinator", broker_.ClientUrl(), "--agent-id", kAgent, "--cluster-id",
                      kCluster, "--capacity", "1", "--timeout", "2s"},
                     o);
        ASSERT_TRUE(WaitCount(".register", 1, 10000)) << "the agent never registered";
    }

    void TearDown() override {
        if (agent_.Running()) {
            agent_.Signal(SIGTERM);
            const auto rc = agent_.Wait(10000);
            EXPECT_TRUE(rc.has_value()) << "agent did not exit on SIGTERM";
        }
        coordinator_.reset();
        const std::string log = ReadWhole(log_path_);
        // Whatever happened, the agent's log never shows the broker token.
        EXPECT_EQ(log.find(broker_.Token()), std::string::npos) << log;
        if (HasFailure()) std::cerr << "agent log:\n" << log;
    }

    std::size_t Count(const std::string& suffix) const { return coordinator_->With(suffix).size(); }
    bool WaitCount(const std::string& suffix, std::size_t n, int timeout_ms) const {
        return FakeCoordinator::WaitFor([&] { return Count(suffix) >= n; }, timeout_ms);
    }
    std::string Subject(const std::string& run, proto::AgentChannel channel) const {
        return proto::subjects::Agent(kCluster, run, kAgent, channel);
    }

    plan::Plan OneVuPlan(const std::string& run, const std::string& url,
                         std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = "") {
        plan::Plan p;
        p.cluster_id = kCluster;
        p.run_id = run;
        plan::ScenarioPlan s;
        s.name = "shop";
        s.load.open_model = true;
        s.load.start_rps = 10;
        s.load.stages = {{kNsPerSec, 10}};
        s.load.vusers = 1;
        s.tasks = {{"browse", 1}};
        plan::PlannedRequest r;
        r.method = body.empty() ? http::Method::kGet : http::Method::kPost;
        r.url = Lit(url);
        for (auto& [name, value] : headers) r.headers.emplace_back(name, Lit(value));
        r.body = Lit(std::move(body));
        r.name = "request";
        s.requests = {r};
        plan::VuPlan vu;
        vu.id = 1;
        vu.task_steps = {{plan::Step{false, 0, 0, {}}}};
        s.vusers = {vu};
        p.scenarios.push_back(s);
        return p;
    }

    proto::Assignment AssignmentFor(const std::string& run) const {
        proto::Assignment a;
        a.cluster_id = kCluster;
        a.run_id = run;
        a.agent_id = kAgent;
        a.scenarios.push_back(proto::ScenarioShare{"shop", sched::ShardSegment::Whole(), {}});
        return a;
    }

    void Send(const std::string& run, const proto::PlanDelivery& d) {
        coordinator_->Publish(Subject(run, proto::AgentChannel::kPlan), proto::EncodeAssignment(d.assignment));
        for (const auto& c : d.chunks) {
            coordinator_->Publish(Subject(run, proto::AgentChannel::kPlan), proto::EncodePlanChunk(c));
        }
    }

    /// Waits for the n-th answer on the ack subject and decodes it as a Reject (fails when it is an ack).
    proto::Reject NthReject(std::size_t n) {
        proto::Reject r;
        const std::string suffix = ".ack." + std::string(kAgent);
        if (!WaitCount(suffix, n, 10000)) {
            ADD_FAILURE() << "no answer #" << n << " from the agent";
            return r;
        }
        EXPECT_TRUE(proto::DecodeReject(coordinator_->With(suffix)[n - 1].data, &r, nullptr)) << "not a Reject";
        return r;
    }

    /// A refused agent is idle again: it announces itself once more.
    void ExpectStillAnnouncing() {
        const std::size_t registers = Count(".register");
        EXPECT_TRUE(WaitCount(".register", registers + 1, 8000)) << "the agent stopped announcing";
    }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> coordinator_;
    lse::testing::ChildProcess agent_;
    std::string log_path_;
};

TEST_F(AgentRefusalsTest, RefusesAPlanAnnouncedOverItsSizeLimitBeforeAnyChunk) {
    proto::Assignment a = AssignmentFor("r1");
    a.plan_size = kAgentPlanLimit + 1;
    a.plan_chunks = 100;
    a.plan_checksum = 1;
    coordinator_->Publish(Subject("r1", proto::AgentChannel::kPlan), proto::EncodeAssignment(a));
    const proto::Reject r = NthReject(1);
    EXPECT_EQ(r.reason, proto::RejectReason::kTooLarge) << r.detail;
    EXPECT_EQ(r.run_id, "r1");
    EXPECT_EQ(r.cluster_id, kCluster);
    ExpectStillAnnouncing();
}

TEST_F(AgentRefusalsTest, RefusesChunksThatGrowPastTheAnnouncedSize) {
    // The Assignment announces 10 bytes in 2 chunks; each chunk alone fits, together they bring 16.
    proto::Assignment a = AssignmentFor("r1");
    a.plan_size = 10;
    a.plan_chunks = 2;
    a.plan_checksum = proto::Fnv1a64("0123456789");
    coordinator_->Publish(Subject("r1", proto::AgentChannel::kPlan), proto::EncodeAssignment(a));
    for (std::uint32_t index = 0; index < 2; ++index) {
        proto::PlanChunk c;
        c.run_id = "r1";
        c.index = index;
        c.count = 2;
        c.plan_size = a.plan_size;
        c.plan_checksum = a.plan_checksum;
        c.bytes = std::string(8, 'x');
        coordinator_->Publish(Subject("r1", proto::AgentChannel::kPlan), proto::EncodePlanChunk(c));
    }
    const proto::Reject r = NthReject(1);
    EXPECT_EQ(r.reason, proto::RejectReason::kTooLarge) << r.detail;
    EXPECT_EQ(r.run_id, "r1");
    ExpectStillAnnouncing();
}

TEST_F(AgentRefusalsTest, RefusesChunksWhoseChecksumDoesNotMatchAndAcceptsTheIntactPlanAfterwards) {
    const std::string bytes = plan::EncodePlan(OneVuPlan("r1", "http://127.0.0.1:9/x"));
    // A message limit just above the Assignment without its plan forces the plan into several chunks.
    const std::size_t limit = proto::EncodeAssignment(AssignmentFor("r1")).size() + 64;
    ASSERT_GT(bytes.size(), 64u);
    proto::PlanDelivery d = proto::PreparePlanDelivery(AssignmentFor("r1"), bytes, limit, 32);
    ASSERT_GE(d.chunks.size(), 2u) << "the plan must travel in chunks for this test";
    d.chunks[1].bytes[0] ^= 0x20;  // same size, different bytes: only the checksum can tell
    Send("r1", d);
    const proto::Reject r = NthReject(1);
    EXPECT_EQ(r.reason, proto::RejectReason::kChecksum) << r.detail;
    EXPECT_EQ(r.run_id, "r1");

    // Control: the same plan, intact, under a new run id is acknowledged (the refusal was about the bytes).
    const std::string good = plan::EncodePlan(OneVuPlan("r2", "http://127.0.0.1:9/x"));
    proto::PlanDelivery ok = proto::PreparePlanDelivery(AssignmentFor("r2"), good, limit, 32);
    Send("r2", ok);
    ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 2, 10000));
    proto::AssignmentAck ack;
    EXPECT_TRUE(proto::DecodeAssignmentAck(coordinator_->With(".ack." + std::string(kAgent))[1].data, &ack, nullptr))
        << "the intact plan was not acknowledged";
}

TEST_F(AgentRefusalsTest, ReplayingAPlanWithCredentialsLogsNoneOfThem) {
    lse::testing::DemoTargetProcess target;
    target.Start();
    const std::string bearer = "tok-Agn7Lg0Zq";
    const std::string api_key = "ak-Agn3Kk8Yw";
    const std::string password = "pw-Agn5Pp1Xr";
    const std::string query_token = "qt-Agn2Qq6Vt";
    const plan::Plan p = OneVuPlan(
        "r1", "http://127.0.0.1:" + std::to_string(target.Port()) + "/api/v1/projects?access_token=" + query_token,
        {{"Authorization", "Bearer " + bearer}, {"X-Api-Key", api_key}, {"Content-Type", "application/json"}},
        R"({"name":"n","password":")" + password + R"("})");
    coordinator_->SetHeartbeatRun("r1");
    const proto::PlanDelivery d = proto::PreparePlanDelivery(AssignmentFor("r1"), plan::EncodePlan(p));
    Send("r1", d);
    ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 1, 10000)) << "no AssignmentAck";
    proto::AssignmentAck ack;
    ASSERT_TRUE(
        proto::DecodeAssignmentAck(coordinator_->With(".ack." + std::string(kAgent)).back().data, &ack, nullptr));
    const std::int64_t start_at = static_cast<std::int64_t>(uv_hrtime()) + 300 * kNsPerMs;
    coordinator_->Publish(Subject("r1", proto::AgentChannel::kStart), proto::EncodeStart({"r1", start_at}));
    // The run ends (1 s of load) and the agent goes back to announcing itself.
    const std::size_t registers = Count(".register");
    ASSERT_TRUE(WaitCount(".register", registers + 1, 20000)) << "the agent did not finish the run";
    const auto stats = target.Stats();
    ASSERT_TRUE(stats["by_token"].contains(bearer)) << "the credentials were sent: " << stats.dump();

    const std::string log = ReadWhole(log_path_);
    ASSERT_NE(log.find("r1"), std::string::npos) << "the agent logged the run\n" << log;
    for (const std::string& secret : {bearer, api_key, password, query_token}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the agent log:\n" << log;
    }
}

}  // namespace
}  // namespace lse::agent
