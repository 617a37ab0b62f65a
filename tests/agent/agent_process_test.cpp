// The real lsengine-agent binary against a real nats-server (EmbeddedBroker), driven by an in-test
// fake coordinator, replaying plans against the demo target.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fake_coordinator.hpp"
#include "lse/core/clock.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::agent {
namespace {

using testing::FakeCoordinator;
namespace proto = lse::protocol;
using Clock = std::chrono::steady_clock;

constexpr char kCluster[] = "c1";
constexpr char kAgent[] = "a1";

plan::Template Lit(std::string s) {
    plan::Template t;
    t.segments.push_back(plan::Segment{plan::Segment::Kind::kLiteral, std::move(s), 0, 0});
    return t;
}

class AgentProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.Start(transport::BrokerOptions{});
        coordinator_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
    }

    void TearDown() override {
        if (agent_.Running()) {
            agent_.Signal(SIGTERM);
            const auto rc = agent_.Wait(10000);
            EXPECT_TRUE(rc.has_value()) << "agent did not exit on SIGTERM";
            if (rc) {
                EXPECT_EQ(*rc, 0);
            }
        }
        coordinator_.reset();
        if (HasFailure()) {
            std::string cmd = "cat " + log_path_ + " >&2";
            (void)std::system(cmd.c_str());
        }
    }

    void StartAgent(const std::string& url, const std::string& token, std::vector<std::string> extra = {}) {
        log_path_ = ::testing::TempDir() + "agent-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
        lse::testing::ChildOptions o;
        o.stderr_path = log_path_;
        std::vector<std::string> argv = {LSE_AGENT_PATH, "--coordinator", url, "--nats-token", token, "--agent-id",
                                         kAgent, "--cluster-id", kCluster, "--capacity", "2", "--timeout", "2s"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        agent_.Start(argv, o);
    }
    void StartAgent() { StartAgent(broker_.ClientUrl(), broker_.Token()); }

    std::size_t Count(const std::string& suffix) const { return coordinator_->With(suffix).size(); }
    bool WaitCount(const std::string& suffix, std::size_t n, int timeout_ms) const {
        return FakeCoordinator::WaitFor([&] { return Count(suffix) >= n; }, timeout_ms);
    }

    // Logs users u1..u<n> in on the target and returns their bearer tokens (stats reset afterwards).
    std::vector<std::string> Tokens(int n) {
        std::vector<std::string> tokens;
        for (int u = 1; u <= n; ++u) {
            const auto r = lse::testing::HttpRequestSync(target_.Port(), "POST", "/auth/login",
                                                         R"({"user":"u)" + std::to_string(u) + R"(","pass":"secret"})",
                                                         {{"Content-Type", "application/json"}});
            EXPECT_EQ(r.status, 200) << r.error << r.body;
            tokens.push_back(nlohmann::json::parse(r.body).at("access_token").get<std::string>());
        }
        target_.ResetStats();
        return tokens;
    }

    // One open-model scenario "shop": every VU GETs /api/products with its own token.
    plan::Plan ShopPlan(const std::string& run, const std::vector<std::string>& tokens, double rps,
                        std::int64_t duration_ns) {
        plan::Plan p;
        p.cluster_id = kCluster;
        p.run_id = run;
        plan::ScenarioPlan s;
        s.name = "shop";
        s.load.open_model = true;
        s.load.start_rps = rps;
        s.load.stages = {{duration_ns, rps}};
        s.load.vusers = static_cast<int>(tokens.size());
        s.tasks = {{"browse", 1}};
        for (size_t i = 0; i < tokens.size(); ++i) {
            plan::PlannedRequest r;
            r.url = Lit("http://127.0.0.1:" + std::to_string(target_.Port()) + "/api/products");
            r.headers = {{"Authorization", Lit("Bearer " + tokens[i])}};
            r.name = "GET /api/products";
            s.requests.push_back(r);
            plan::VuPlan vu;
            vu.id = static_cast<int>(i) + 1;
            vu.task_steps = {{plan::Step{false, static_cast<std::uint32_t>(i), 0, {}}}};
            s.vusers.push_back(vu);
        }
        p.scenarios.push_back(s);
        return p;
    }

    proto::Assignment AssignmentFor(const std::string& run, const std::string& cluster = kCluster) {
        proto::Assignment a;
        a.cluster_id = cluster;
        a.run_id = run;
        a.agent_id = kAgent;
        a.scenarios.push_back(proto::ScenarioShare{"shop", sched::ShardSegment::Whole(), {}});
        return a;
    }

    void SendPlan(proto::Assignment a, const std::string& bytes) {
        const std::string subject = proto::subjects::Agent(kCluster, a.run_id, kAgent, proto::AgentChannel::kPlan);
        proto::PlanDelivery d = proto::PreparePlanDelivery(std::move(a), bytes);
        coordinator_->Publish(subject, proto::EncodeAssignment(d.assignment));
        for (const auto& c : d.chunks) coordinator_->Publish(subject, proto::EncodePlanChunk(c));
    }

    // Assigns, waits for the ack, starts 300 ms from now (coordinator clock).
    void AssignAndStart(const std::string& run, const plan::Plan& plan) {
        coordinator_->SetHeartbeatRun(run);
        SendPlan(AssignmentFor(run), plan::EncodePlan(plan));
        ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 1, 10000)) << "no AssignmentAck";
        proto::AssignmentAck ack;
        ASSERT_TRUE(proto::DecodeAssignmentAck(coordinator_->With(".ack." + std::string(kAgent)).back().data, &ack,
                                               nullptr))
            << "expected an AssignmentAck";
        EXPECT_EQ(ack.run_id, run);
        const std::int64_t start_at = static_cast<std::int64_t>(uv_hrtime()) + 300 * kNsPerMs;
        coordinator_->Publish(proto::subjects::Agent(kCluster, run, kAgent, proto::AgentChannel::kStart),
                              proto::EncodeStart({run, start_at}));
    }

    std::vector<proto::Metrics> MetricsOf(const std::string& run) const {
        std::vector<proto::Metrics> out;
        for (const auto& r : coordinator_->With(".metrics." + std::string(kAgent))) {
            proto::Metrics m;
            if (proto::DecodeMetrics(r.data, &m, nullptr) && m.run_id == run) out.push_back(m);
        }
        return out;
    }
    bool HasFinal(const std::string& run) const {
        for (const auto& m : MetricsOf(run)) {
            if (m.is_final) return true;
        }
        return false;
    }

    std::uint64_t TargetRequests() {
        const auto stats = target_.Stats();
        return stats["by_route"].contains("GET /api/products")
                   ? stats["by_route"]["GET /api/products"].get<std::uint64_t>()
                   : 0;
    }

    proto::Reject LastReject() const {
        proto::Reject r;
        const auto acks = coordinator_->With(".ack." + std::string(kAgent));
        if (!acks.empty()) {
            EXPECT_TRUE(proto::DecodeReject(acks.back().data, &r, nullptr)) << "not a Reject";
        }
        return r;
    }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> coordinator_;
    lse::testing::DemoTargetProcess target_;
    lse::testing::ChildProcess agent_;
    std::string log_path_;
};

TEST_F(AgentProcessTest, RegistersEveryThreeSecondsUntilAssigned) {
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 3, 10000)) << "fewer than 3 registrations in 10 s";
    const auto regs = coordinator_->With(".register");
    for (size_t i = 1; i < regs.size(); ++i) {
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(regs[i].at - regs[i - 1].at).count();
        EXPECT_GE(gap, 2500);
        EXPECT_LE(gap, 4500);
    }
    proto::Register r;
    ASSERT_TRUE(proto::DecodeRegister(regs[0].data, &r, nullptr));
    EXPECT_EQ(r.agent_id, kAgent);
    EXPECT_EQ(r.cluster_id, kCluster);
    EXPECT_EQ(r.capacity, 2u);
    EXPECT_EQ(r.protocol_version, proto::kProtocolVersion);

    // Assigned: the re-announcements stop.
    target_.Start();
    AssignAndStart("r1", ShopPlan("r1", Tokens(1), 5, 5 * kNsPerSec));
    const size_t after_assign = Count(".register");
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    EXPECT_EQ(Count(".register"), after_assign);
}

TEST_F(AgentProcessTest, AgentStartedBeforeTheBrokerStillRegisters) {
    // A second broker on a fixed port that is not up yet when the agent starts.
    const int port = lse::testing::FreeTcpPort();
    StartAgent("127.0.0.1:" + std::to_string(port), broker_.Token());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    coordinator_.reset();
    broker_.Stop();
    transport::BrokerOptions o;
    o.port = port;
    o.token = broker_.Token().empty() ? "t0ken" : broker_.Token();
    broker_.Start(o);
    coordinator_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
    EXPECT_TRUE(WaitCount(".register", 1, 10000)) << "no Register after the broker came up";
}

TEST_F(AgentProcessTest, ReplaysThePlanReportsMatchingTotalsAndRegistersAgain) {
    target_.Start();
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    const std::vector<std::string> tokens = Tokens(2);
    AssignAndStart("r1", ShopPlan("r1", tokens, 10, 3 * kNsPerSec));
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return HasFinal("r1"); }, 15000)) << "no final total";

    const auto metrics = MetricsOf("r1");
    std::set<std::uint64_t> seqs;
    std::uint64_t previous = 0;
    metrics::Snapshot final_total;
    int finals = 0;
    for (const auto& m : metrics) {
        if (seqs.insert(m.seq).second) {
            EXPECT_GT(m.seq, previous) << "first sends are in seq order";
            previous = m.seq;
        }
        if (m.is_final) {
            ++finals;
            ASSERT_TRUE(metrics::Snapshot::Decode(m.snapshot, &final_total, nullptr));
        }
    }
    EXPECT_GE(seqs.size(), 3u) << "interval metrics every second, then the final";
    EXPECT_EQ(*seqs.begin(), 1u);
    EXPECT_EQ(finals, 1) << "the final was acked: no resend";

    // The agent reports its own health under its agent id: one entry per interval, all of them in the final.
    std::uint64_t intervals = 0;
    for (const auto& m : metrics) {
        metrics::Snapshot s;
        ASSERT_TRUE(metrics::Snapshot::Decode(m.snapshot, &s, nullptr));
        if (m.is_final || m.is_checkpoint) continue;  // cumulative, not one more interval
        ASSERT_EQ(s.generators.size(), 1u);
        EXPECT_EQ(s.generators.begin()->first, kAgent);
        intervals += s.generators.begin()->second.intervals;
    }
    ASSERT_EQ(final_total.generators.size(), 1u);
    const metrics::GeneratorHealth& health = final_total.generators.at(kAgent);
    // The final also holds the run's last partial second, which ends after the last interval message.
    EXPECT_GE(health.intervals, intervals);
    EXPECT_LE(health.intervals, intervals + 1);
    EXPECT_GE(health.intervals, 3u);
    EXPECT_GE(health.threads, 1u);
    EXPECT_GT(health.loop_lag_us.Count(), 100u) << "every worker samples its loop lag about 100 times a second";
    EXPECT_GT(health.rss_bytes, 0u);
    EXPECT_GE(health.open_sockets, 1u) << "connections toward the demo target";

    // The target saw exactly what the agent reports; both VUs' tokens were used.
    const auto stats = target_.Stats();
    EXPECT_EQ(final_total.total.requests, 30u);
    EXPECT_EQ(final_total.total.ok, TargetRequests());
    for (const auto& t : tokens) {
        EXPECT_TRUE(stats["by_token"].contains(t)) << t << "\n" << stats.dump();
    }

    // Persistent: back to idle, announcing again.
    const size_t registers = Count(".register");
    EXPECT_TRUE(WaitCount(".register", registers + 1, 5000)) << "no Register after the run";
}

TEST_F(AgentProcessTest, RejectsAPlanOfAnotherCluster) {
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    target_.Start();
    plan::Plan plan = ShopPlan("r1", {"tok"}, 5, kNsPerSec);
    SendPlan(AssignmentFor("r1", "other"), plan::EncodePlan(plan));
    ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 1, 5000));
    const proto::Reject r = LastReject();
    EXPECT_EQ(r.reason, proto::RejectReason::kWrongCluster);
    EXPECT_EQ(r.run_id, "r1");
    // Stays idle: keeps announcing.
    const size_t registers = Count(".register");
    EXPECT_TRUE(WaitCount(".register", registers + 1, 5000));
}

TEST_F(AgentProcessTest, RejectsGarbageAndCorruptPlans) {
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    const std::string subject = proto::subjects::Agent(kCluster, "r1", kAgent, proto::AgentChannel::kPlan);
    coordinator_->Publish(subject, "\x01\x02garbage bytes");
    ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 1, 5000));
    EXPECT_EQ(LastReject().reason, proto::RejectReason::kMalformed);

    // A well-formed Assignment carrying plan bytes that are not a plan.
    target_.Start();
    SendPlan(AssignmentFor("r2"), "this is not an encoded plan");
    ASSERT_TRUE(WaitCount(".ack." + std::string(kAgent), 2, 5000));
    EXPECT_EQ(LastReject().reason, proto::RejectReason::kMalformed);
    EXPECT_EQ(LastReject().run_id, "r2");
}

TEST_F(AgentProcessTest, StopEndsLoadWithinASecond) {
    target_.Start();
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    AssignAndStart("r1", ShopPlan("r1", Tokens(2), 50, 30 * kNsPerSec));
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return TargetRequests() >= 50; }, 10000)) << "load never ran";
    coordinator_->Publish(proto::subjects::Agent(kCluster, "r1", kAgent, proto::AgentChannel::kStop),
                          proto::EncodeStop({"r1", proto::StopReason::kInterrupted, false, "test"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    const std::uint64_t after_stop = TargetRequests();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(TargetRequests(), after_stop) << "load continued after Stop";
    EXPECT_TRUE(FakeCoordinator::WaitFor([&] { return HasFinal("r1"); }, 5000)) << "no final total after Stop";
}

TEST_F(AgentProcessTest, DeadManSwitchStopsLoadWhenTheCoordinatorFallsSilent) {
    target_.Start();
    StartAgent();
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    coordinator_->SetAckMetrics(false);  // a dead coordinator acks nothing either
    AssignAndStart("r1", ShopPlan("r1", Tokens(2), 20, 60 * kNsPerSec));
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return TargetRequests() >= 10; }, 10000)) << "load never ran";
    coordinator_->SetHeartbeatRun("");  // silence from now on
    const auto silent_since = Clock::now();
    // Within 15 s + slack the agent stops and goes back to announcing itself.
    const size_t registers = Count(".register");
    ASSERT_TRUE(WaitCount(".register", registers + 1, 19000)) << "agent did not go idle";
    const auto idle_after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - silent_since).count();
    EXPECT_GE(idle_after, 14000);
    const std::uint64_t stopped_at = TargetRequests();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(TargetRequests(), stopped_at) << "load continued after the dead-man switch";

    // Nothing was acked, so interval metrics were resent (same seq more than once).
    std::multiset<std::uint64_t> seqs;
    for (const auto& m : MetricsOf("r1")) seqs.insert(m.seq);
    ASSERT_FALSE(seqs.empty());
    EXPECT_GE(seqs.count(1), 2u) << "unacked seq 1 was never resent";
}

TEST_F(AgentProcessTest, OnceExitsAfterTheRun) {
    target_.Start();
    StartAgent(broker_.ClientUrl(), broker_.Token(), {"--once"});
    ASSERT_TRUE(WaitCount(".register", 1, 5000));
    AssignAndStart("r1", ShopPlan("r1", Tokens(1), 5, kNsPerSec));
    const auto rc = agent_.Wait(10000);
    ASSERT_TRUE(rc.has_value()) << "agent --once still running after its run";
    EXPECT_EQ(*rc, 0);
    EXPECT_TRUE(HasFinal("r1"));
    EXPECT_EQ(TargetRequests(), 5u);
}

}  // namespace
}  // namespace lse::agent
