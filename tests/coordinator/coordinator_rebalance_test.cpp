// Health rebalancing in the Coordinator (issue 16 item 2, docs/protocol.md "Health rebalancing"): a real
// nats-server, the test playing two agents whose intervals carry their load generator's health, and recording the
// Rebalances the coordinator sends. Also: an agent whose heartbeat shows it missed Rebalances gets every missed
// one again, in order.

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "fake_coordinator.hpp"  // tests/agent: records everything published in the cluster
#include "lse/coordinator/coordinator.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/sched/shard.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

namespace subj = protocol::subjects;
using agent::testing::FakeCoordinator;

constexpr char kCluster[] = "c2";
constexpr char kRun[] = "r2";

protocol::Register Reg(const std::string& id) {
    protocol::Register r;
    r.cluster_id = kCluster;
    r.agent_id = id;
    r.capacity = 1;
    r.version = "test";
    r.hostname = "h-" + id;
    r.pid = 1;
    r.protocol_version = protocol::kProtocolVersion;
    return r;
}

// One interval of `agent`: 10 requests, and its generator's health (loop lag p99 23 ms when saturated).
metrics::Snapshot Interval(const std::string& agent, bool saturated) {
    metrics::Snapshot s;
    for (int i = 0; i < 10; ++i) s.RecordCompletion(&s.ForName("GET /"), ErrorKind::kNone, 200, true, 1000, 1000, 10, 10);
    metrics::GeneratorHealth& h = s.generators[agent];
    h.threads = 2;
    h.intervals = 1;
    h.loop_lag_us.RecordN(saturated ? 23'000 : 300, 100);
    h.process_cpu = 0.6;
    h.host_cpu = 0.3;
    h.arrivals = 10;
    return s;
}

class CoordinatorRebalanceTest : public ::testing::Test {
protected:
    void SetUp() override {
        // The generators section crosses the wire from snapshot version 5 (the health helper's part of issue 16).
        std::string bytes;
        Interval("a", true).AppendTo(&bytes);
        metrics::Snapshot back;
        if (!metrics::Snapshot::Decode(bytes, &back, nullptr) || back.generators.empty()) {
            GTEST_SKIP() << "Snapshot::generators does not cross the wire in this build yet";
        }
        broker_.Start(transport::BrokerOptions{});
        bus_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
        bus_->SetAckMetrics(false);
    }

    std::vector<protocol::Rebalance> Rebalances(const std::string& agent) const {
        std::vector<protocol::Rebalance> out;
        for (const auto& r : bus_->With(".agent." + agent + ".rebalance")) {
            protocol::Rebalance m;
            if (protocol::DecodeRebalance(r.data, &m, nullptr)) out.push_back(m);
        }
        return out;
    }
    void SendInterval(const std::string& agent, std::uint64_t seq, bool saturated) {
        std::string bytes;
        Interval(agent, saturated).AppendTo(&bytes);
        bus_->Publish(subj::Metrics(kCluster, kRun, agent),
                      protocol::EncodeMetrics(protocol::Metrics{kRun, agent, seq, false, 1, bytes}));
    }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> bus_;
};

TEST_F(CoordinatorRebalanceTest, SaturatedAgentGivesShareGraduallyAndMissedRebalancesAreResentInOrder) {
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
        bus_->Publish(subj::Register(kCluster), protocol::EncodeRegister(Reg("a")));
        bus_->Publish(subj::Register(kCluster), protocol::EncodeRegister(Reg("b")));
    });
    c.WaitForAgents(10 * kNsPerSec, {});
    announce.join();
    std::thread acks([&] {
        auto plan = [&](const std::string& id) { return bus_->With(".agent." + id + ".plan"); };
        ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return !plan("a").empty() && !plan("b").empty(); }, 10000));
        for (const std::string id : {"a", "b"}) {
            protocol::Assignment as;
            ASSERT_TRUE(protocol::DecodeAssignment(plan(id)[0].data, &as, nullptr));
            bus_->Publish(subj::Ack(kCluster, kRun, id),
                          protocol::EncodeAssignmentAck({kRun, id, as.plan_checksum, 0}));
        }
    });
    c.Assign("the plan", {AgentScenario{"s", true, {1, 2, 3, 4}}}, {});
    acks.join();
    c.Start();

    // One saturated interval is not enough; the second is, since b has headroom (not saturated, CPU 30%/thread).
    SendInterval("a", 1, true);
    SendInterval("b", 1, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(Rebalances("a").empty());
    SendInterval("a", 2, true);
    SendInterval("b", 2, false);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return !Rebalances("a").empty() && !Rebalances("b").empty(); }, 5000));
    const protocol::Rebalance a1 = Rebalances("a")[0], b1 = Rebalances("b")[0];
    EXPECT_EQ(a1.epoch, 1u);
    EXPECT_EQ(a1.from_coordinator_ns, b1.from_coordinator_ns);
    // Capacity 1 each, a's weight x 0.8: a gets 0.8 / 1.8 of the grid, b the rest; the slices tile it.
    EXPECT_NEAR(a1.scenarios[0].shard.Share(), 0.8 / 1.8, 1e-5);
    EXPECT_EQ(a1.scenarios[0].shard.begin, 0);
    EXPECT_EQ(a1.scenarios[0].shard.end, b1.scenarios[0].shard.begin);
    EXPECT_EQ(b1.scenarios[0].shard.end, sched::kShardUnits);
    EXPECT_TRUE(logged("agent a saturated: lag p99 23 ms: share 50.0% -> 44.4%"));
    EXPECT_TRUE(logged("moved to b"));

    // Still saturated: the next step waits for a fresh streak of two and 3 s since the first.
    SendInterval("a", 3, true);
    SendInterval("b", 3, false);
    SendInterval("a", 4, true);
    SendInterval("b", 4, false);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return Rebalances("a").size() >= 2; }, 6000));
    const protocol::Rebalance a2 = Rebalances("a")[1];
    EXPECT_EQ(a2.epoch, 2u);
    EXPECT_GE(a2.from_coordinator_ns - a1.from_coordinator_ns, 3 * kNsPerSec);
    EXPECT_NEAR(a2.scenarios[0].shard.Share(), 0.64 / 1.64, 1e-5);

    const auto reports = c.Reports(false);
    ASSERT_EQ(reports.size(), 2u);
    ASSERT_EQ(reports[0].rebalances.size(), 2u);
    const RebalanceEvent& e = reports[0].rebalances[0];
    EXPECT_EQ(e.agent, "a");
    EXPECT_EQ(e.from, std::vector<std::string>{"a"});
    EXPECT_EQ(e.to, std::vector<std::string>{"b"});
    EXPECT_DOUBLE_EQ(e.share_before, 0.5);
    EXPECT_NEAR(e.share_after, 0.8 / 1.8, 1e-5);
    EXPECT_EQ(e.why, "saturated: lag p99 23 ms");
    EXPECT_TRUE(reports[1].rebalances.empty());
    EXPECT_NEAR(reports[0].share_now, 0.64 / 1.64, 1e-5);

    // a says it is still at epoch 0 (both Rebalances lost): it gets epoch 1 and then epoch 2 again, each with its
    // own `from` and slice (2 s after the latest Rebalance, as any resend).
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    protocol::Heartbeat hb;
    hb.run_id = kRun;
    hb.agent_id = "a";
    hb.state = protocol::AgentState::kRunning;
    hb.epoch = 0;
    bus_->Publish(subj::Heartbeat(kCluster, kRun, "a"), protocol::EncodeHeartbeat(hb));
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return Rebalances("a").size() >= 4; }, 5000));
    const auto all = Rebalances("a");
    EXPECT_EQ(all[2], a1);
    EXPECT_EQ(all[3], a2);
}

}  // namespace
}  // namespace lse::coordinator
