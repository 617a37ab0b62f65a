// A restarted agent re-joins the run (docs/protocol.md, "Restarted agent"): the Coordinator against a real
// nats-server, the test playing both agents and recording what the coordinator sends.

#include <gtest/gtest.h>
#include <uv.h>

#include <thread>

#include "fake_coordinator.hpp"  // tests/agent: records everything published in the cluster
#include "lse/coordinator/coordinator.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

namespace subj = protocol::subjects;
using agent::testing::FakeCoordinator;

constexpr char kCluster[] = "c1";
constexpr char kRun[] = "r1";

protocol::Register Reg(const std::string& id, std::int64_t pid) {
    protocol::Register r;
    r.cluster_id = kCluster;
    r.agent_id = id;
    r.capacity = 1;
    r.version = "test";
    r.hostname = "h-" + id;
    r.pid = pid;
    r.protocol_version = protocol::kProtocolVersion;
    return r;
}

std::string Interval(std::uint64_t requests) {
    metrics::Snapshot s;
    for (std::uint64_t i = 0; i < requests; ++i) {
        s.RecordCompletion(&s.ForName("GET /"), ErrorKind::kNone, 200, true, 1000, 1000, 10, 10);
    }
    std::string out;
    s.AppendTo(&out);
    return out;
}

class CoordinatorRejoinTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.Start(transport::BrokerOptions{});
        // "The bus": the agents' side of the conversation (the test publishes as the agents through it).
        bus_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
        bus_->SetAckMetrics(false);
    }

    void Publish(const std::string& subject, const std::string& data) { bus_->Publish(subject, data); }

    /// Decoded Assignments the coordinator sent to `agent`, in order.
    std::vector<protocol::Assignment> Assignments(const std::string& agent) const {
        std::vector<protocol::Assignment> out;
        for (const auto& r : bus_->With(".agent." + agent + ".plan")) {
            protocol::Assignment a;
            if (protocol::DecodeAssignment(r.data, &a, nullptr)) out.push_back(a);
        }
        return out;
    }
    template <typename T, typename Decode>
    std::vector<T> Sent(const std::string& suffix, Decode decode) const {
        std::vector<T> out;
        for (const auto& r : bus_->With(suffix)) {
            T m;
            if (decode(r.data, &m, nullptr)) out.push_back(m);
        }
        return out;
    }
    void Ack(const std::string& agent, std::uint64_t checksum, std::uint32_t attempt) {
        Publish(subj::Ack(kCluster, kRun, agent),
                protocol::EncodeAssignmentAck({kRun, agent, checksum, attempt}));
    }
    void SendMetrics(const std::string& agent, std::uint64_t seq, bool final, std::uint64_t requests,
                     std::uint32_t attempt) {
        protocol::Metrics m{kRun, agent, seq, final, 1, Interval(requests)};
        m.attempt = attempt;
        Publish(subj::Metrics(kCluster, kRun, agent), protocol::EncodeMetrics(m));
    }
    void Announce(const protocol::Register& r) { Publish(subj::Register(kCluster), protocol::EncodeRegister(r)); }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> bus_;
};

TEST_F(CoordinatorRejoinTest, RestartedAgentIsReassignedFromAFutureInstantAndCountedOnce) {
    CoordinatorOptions o;
    o.nats.urls = {broker_.ClientUrl()};
    o.nats.token = broker_.Token();
    o.cluster_id = kCluster;
    o.run_id = kRun;
    o.agents = 2;
    o.agent_timeout_ns = 60 * kNsPerSec;  // no timeout by silence in this test
    std::vector<std::string> log;
    std::mutex log_mu;
    o.log = [&](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mu);
        log.push_back(line);
    };
    auto logged = [&](const std::string& text) {
        std::lock_guard<std::mutex> lock(log_mu);
        for (const auto& l : log) {
            if (l.find(text) != std::string::npos) return true;
        }
        return false;
    };
    Coordinator c(o);
    c.Connect();
    std::thread announce([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        Announce(Reg("a", 1));
        Announce(Reg("b", 2));
    });
    c.WaitForAgents(10 * kNsPerSec, {});
    announce.join();
    std::thread acks([&] {
        ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return !Assignments("a").empty() && !Assignments("b").empty(); },
                                             10000));
        Ack("a", Assignments("a")[0].plan_checksum, 0);
        Ack("b", Assignments("b")[0].plan_checksum, 0);
    });
    c.Assign("the plan", {AgentScenario{"s", true, {1, 2}}}, {});
    acks.join();
    EXPECT_EQ(Assignments("b")[0].attempt, 0u);
    EXPECT_EQ(Assignments("b")[0].owns_from_coordinator_ns, 0);
    const std::int64_t start_at = c.Start();

    SendMetrics("a", 1, false, 5, 0);
    SendMetrics("b", 1, false, 7, 0);
    SendMetrics("b", 2, false, 3, 0);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return c.Total().total.requests == 15; }, 5000));

    // b's process dies; a new one registers (idle) while the run goes on.
    const std::int64_t registered_at = MonotonicClock().NowNs();
    Announce(Reg("b", 3));
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return Assignments("b").size() >= 2; }, 5000));
    EXPECT_TRUE(logged("agent b restarted during the run: re-assigning it from +")) << log.back();
    const protocol::Assignment re = Assignments("b").back();
    EXPECT_EQ(re.attempt, 1u);
    EXPECT_GT(re.owns_from_coordinator_ns, registered_at + o.rebalance_lead_ns);
    ASSERT_EQ(re.scenarios.size(), 1u);
    EXPECT_GT(re.scenarios[0].shard.Share(), 0.4);  // its half again, from owns_from on
    // a took b's share at once (the "restarted" Rebalance), before b owns anything again.
    auto rebalances = [&](const std::string& agent) {
        return Sent<protocol::Rebalance>(".agent." + agent + ".rebalance", protocol::DecodeRebalance);
    };
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return !rebalances("a").empty(); }, 5000));
    EXPECT_EQ(rebalances("a")[0].scenarios[0].shard, sched::ShardSegment::Whole());
    EXPECT_LT(rebalances("a")[0].from_coordinator_ns, re.owns_from_coordinator_ns);
    // The same Register again (the agent had not seen its Assignment yet) does not restart the re-assignment.
    Announce(Reg("b", 3));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(Assignments("b").size(), 2u);

    // An ack of the old attempt is not the new incarnation's; the new one's starts it on the ORIGINAL start_at.
    Ack("b", re.plan_checksum, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(Sent<protocol::Start>(".agent.b.start", protocol::DecodeStart).size() == 1u);  // the first Start
    Ack("b", re.plan_checksum, 1);
    ASSERT_TRUE(FakeCoordinator::WaitFor(
        [&] { return Sent<protocol::Start>(".agent.b.start", protocol::DecodeStart).size() == 2u; }, 5000));
    EXPECT_EQ(Sent<protocol::Start>(".agent.b.start", protocol::DecodeStart).back().start_at_coordinator_ns,
              start_at);
    // Everyone switches at owns_from: a back to its half, b's Rebalance repeats its Assignment's epoch (no-op).
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return rebalances("a").size() >= 2; }, 5000));
    const protocol::Rebalance back = rebalances("a").back();
    EXPECT_EQ(back.from_coordinator_ns, re.owns_from_coordinator_ns);
    EXPECT_EQ(back.epoch, re.epoch);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return rebalances("b").size() >= 2; }, 5000));
    EXPECT_EQ(rebalances("b").back().scenarios[0].shard, re.scenarios[0].shard);
    EXPECT_EQ(back.scenarios[0].shard.end, re.scenarios[0].shard.begin);  // they tile the whole again
    EXPECT_TRUE(logged("rebalanced (rejoined"));

    // Late metrics of the dead incarnation (attempt 0, seq 3) are dropped; the new one's seq start at 1 again.
    SendMetrics("b", 3, false, 100, 0);
    SendMetrics("b", 1, false, 4, 1);
    SendMetrics("b", 2, true, 6, 1);  // its final total: 6 (covers its interval of 4)
    SendMetrics("a", 2, true, 20, 0);
    ASSERT_TRUE(c.WaitForFinals(5 * kNsPerSec, {}));
    const auto reports = c.Reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1].id, "b");
    EXPECT_EQ(reports[1].state, AgentState::kRejoined);
    EXPECT_STREQ(AgentStateName(reports[1].state), "rejoined");
    EXPECT_EQ(reports[1].total.total.requests, 10u + 6u);  // old incarnation's intervals + new final
    EXPECT_EQ(reports[0].total.total.requests, 20u);
    EXPECT_EQ(c.Total().total.requests, 36u);

    // After its final, a Register (the agent going idle again) re-assigns nothing.
    Announce(Reg("b", 3));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(Assignments("b").size(), 2u);
}

}  // namespace
}  // namespace lse::coordinator
