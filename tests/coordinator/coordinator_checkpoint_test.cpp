// Issue 16 item 4: the coordinator merges each agent interval once (into the pending interval) and keeps, in case an
// agent's final never comes, its latest checkpoint plus the intervals after it as bytes (docs/protocol.md,
// "Checkpoints"). The Coordinator against a real nats-server, the test playing the agents.

#include <gtest/gtest.h>

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

constexpr char kCluster[] = "cp";
constexpr char kRun[] = "r1";

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

// `requests` responses of `latency_us` each, with the agent's own generator health (and others' when given).
metrics::Snapshot Interval(std::uint64_t requests, std::int64_t latency_us, const std::vector<std::string>& generators) {
    metrics::Snapshot s;
    for (std::uint64_t i = 0; i < requests; ++i) {
        s.RecordCompletion(&s.ForName("GET /"), ErrorKind::kNone, 200, true, latency_us, latency_us, 10, 10);
    }
    for (const auto& g : generators) {
        metrics::GeneratorHealth& h = s.generators[g];
        h.threads = 1;
        h.intervals = 1;
        h.loop_lag_us.Record(100);
    }
    return s;
}

class CoordinatorCheckpointTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.Start(transport::BrokerOptions{});
        bus_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
        bus_->SetAckMetrics(false);
    }
    CoordinatorOptions Options(int agents) {
        CoordinatorOptions o;
        o.nats.urls = {broker_.ClientUrl()};
        o.nats.token = broker_.Token();
        o.cluster_id = kCluster;
        o.run_id = kRun;
        o.agents = agents;
        o.agent_timeout_ns = 60 * kNsPerSec;
        o.rebalance = false;
        return o;
    }
    void StartRun(Coordinator& c, const std::vector<std::string>& agents) {
        c.Connect();
        std::thread announce([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            for (const auto& a : agents) bus_->Publish(subj::Register(kCluster), protocol::EncodeRegister(Reg(a)));
        });
        c.WaitForAgents(10 * kNsPerSec, {});
        announce.join();
        std::thread acks([&] {
            for (const auto& a : agents) {
                ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return !bus_->With(".agent." + a + ".plan").empty(); },
                                                     10000));
                protocol::Assignment as;
                ASSERT_TRUE(protocol::DecodeAssignment(bus_->With(".agent." + a + ".plan")[0].data, &as, nullptr));
                bus_->Publish(subj::Ack(kCluster, kRun, a), protocol::EncodeAssignmentAck({kRun, a, as.plan_checksum, 0}));
            }
        });
        c.Assign("the plan", {AgentScenario{"s", true, {1, 2, 3, 4}}}, {});
        acks.join();
        c.Start();
    }
    void Send(const std::string& agent, std::uint64_t seq, const metrics::Snapshot& s, bool final = false,
              bool checkpoint = false) {
        protocol::Metrics m{kRun, agent, seq, final, 1, {}};
        s.AppendTo(&m.snapshot);
        m.is_checkpoint = checkpoint;
        bus_->Publish(subj::Metrics(kCluster, kRun, agent), protocol::EncodeMetrics(m));
    }
    // Waits until `n` MetricsAcks went to `agent` (each message is acked once it is handled).
    void WaitAcks(const std::string& agent, std::size_t n) {
        ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return bus_->With(".agent." + agent + ".metrics-ack").size() >= n; },
                                             5000))
            << agent << " acks: " << bus_->With(".agent." + agent + ".metrics-ack").size();
    }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> bus_;
};

TEST_F(CoordinatorCheckpointTest, ALostFinalIsCoveredByTheCheckpointAndTheIntervalsAfterIt) {
    Coordinator c(Options(2));
    StartRun(c, {"a1", "a2"});
    // a1: interval 1 arrives, interval 2 is late, checkpoint 3 (intervals 1 and 2), intervals 4 and 5; no final.
    const metrics::Snapshot i1 = Interval(2, 1000, {"a1"});
    const metrics::Snapshot i2 = Interval(3, 2000, {"a1"});
    const metrics::Snapshot i4 = Interval(4, 3000, {"a1"});
    const metrics::Snapshot i5 = Interval(7, 4000, {"a1"});
    metrics::Snapshot cp = i1;
    cp += i2;
    Send("a1", 1, i1);
    Send("a1", 3, cp, false, true);
    Send("a1", 4, i4);
    Send("a1", 5, i5);
    WaitAcks("a1", 4);
    Send("a1", 2, i2);  // a resend after the checkpoint: the live view gets it, the total has it already
    Send("a1", 3, cp, false, true);  // a duplicate checkpoint: acked, nothing else
    WaitAcks("a1", 6);
    // a2 delivers its final.
    const metrics::Snapshot f2 = Interval(10, 500, {"a2"});
    Send("a2", 1, f2, true);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return c.MissingFinals() == std::vector<std::string>{"a1"}; }, 5000));

    // The live view: every interval once, the checkpoint never.
    const metrics::Snapshot live = c.TakeInterval();
    EXPECT_EQ(live.total.requests, 2u + 3u + 4u + 7u);
    EXPECT_EQ(live.generators.at("a1").intervals, 4u);

    // The totals: a1's is the checkpoint plus intervals 4 and 5, exactly (latencies too).
    metrics::Snapshot expected = cp;
    expected += i4;
    expected += i5;
    const auto reports = c.Reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_FALSE(reports[0].final_received);
    EXPECT_EQ(reports[0].total, expected);
    EXPECT_TRUE(reports[1].final_received);
    EXPECT_EQ(reports[1].total, f2);
    EXPECT_EQ(c.Total().total.requests, 2u + 3u + 4u + 7u + 10u);
    EXPECT_EQ(c.ForeignGeneratorsDropped(), 0u);
}

TEST_F(CoordinatorCheckpointTest, WithoutACheckpointEveryIntervalIsKeptAndAnOtherAgentsHealthIsDropped) {
    Coordinator c(Options(1));
    StartRun(c, {"a1"});
    const metrics::Snapshot i1 = Interval(2, 1000, {"a1"});
    const metrics::Snapshot i2 = Interval(5, 1000, {"a1", "a9"});  // speaks for a9 too: dropped, counted
    Send("a1", 1, i1);
    Send("a1", 2, i2);
    Send("a1", 2, i2);  // duplicate
    WaitAcks("a1", 3);
    EXPECT_EQ(c.ForeignGeneratorsDropped(), 1u);
    const metrics::Snapshot live = c.TakeInterval();
    EXPECT_EQ(live.total.requests, 7u);
    EXPECT_EQ(live.generators.count("a9"), 0u);
    const auto reports = c.Reports();
    EXPECT_EQ(reports[0].total.total.requests, 7u);
    EXPECT_EQ(reports[0].total.generators.count("a9"), 0u);
    EXPECT_EQ(reports[0].total.generators.at("a1").intervals, 2u);

    // A final that carries another generator: that entry is dropped as well.
    metrics::Snapshot f = i1;
    f += i2;
    Send("a1", 3, f, true);
    ASSERT_TRUE(c.WaitForFinals(5 * kNsPerSec, {}));
    EXPECT_EQ(c.ForeignGeneratorsDropped(), 2u);
    f.generators.erase("a9");
    EXPECT_EQ(c.Reports()[0].total, f);
}

}  // namespace
}  // namespace lse::coordinator
