// Regions (issue 16): agents announce --region; --region-weights splits the arrivals between regions first and by
// capacity within a region; every interval and total is also kept per region. The Coordinator against a real
// nats-server, the test playing the agents.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "fake_coordinator.hpp"  // tests/agent: records everything published in the cluster
#include "lse/coordinator/coordinator.hpp"
#include "lse/core/errors.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

namespace subj = protocol::subjects;
using agent::testing::FakeCoordinator;

constexpr char kCluster[] = "c1";
constexpr char kRun[] = "r1";

protocol::Register Reg(const std::string& id, const std::string& region, std::uint32_t capacity) {
    protocol::Register r;
    r.cluster_id = kCluster;
    r.agent_id = id;
    r.region = region;
    r.capacity = capacity;
    r.version = "test";
    r.hostname = "h-" + id;
    r.pid = 1;
    r.protocol_version = protocol::kProtocolVersion;
    return r;
}

std::string Interval(std::uint64_t requests, std::uint32_t latency_us) {
    metrics::Snapshot s;
    for (std::uint64_t i = 0; i < requests; ++i) {
        s.RecordCompletion(&s.ForName("GET /"), ErrorKind::kNone, 200, true, latency_us, latency_us, 10, 10);
    }
    std::string out;
    s.AppendTo(&out);
    return out;
}

class CoordinatorRegionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.Start(transport::BrokerOptions{});
        bus_ = std::make_unique<FakeCoordinator>(broker_.ClientUrl(), broker_.Token(), kCluster);
        bus_->SetAckMetrics(false);
    }
    CoordinatorOptions Options(int agents, const std::string& weights) {
        CoordinatorOptions o;
        o.nats.urls = {broker_.ClientUrl()};
        o.nats.token = broker_.Token();
        o.cluster_id = kCluster;
        o.run_id = kRun;
        o.agents = agents;
        o.agent_timeout_ns = 60 * kNsPerSec;
        if (!weights.empty()) o.region_weights = ParseRegionWeights(weights);
        return o;
    }
    std::vector<protocol::Assignment> Assignments(const std::string& agent) const {
        std::vector<protocol::Assignment> out;
        for (const auto& r : bus_->With(".agent." + agent + ".plan")) {
            protocol::Assignment a;
            if (protocol::DecodeAssignment(r.data, &a, nullptr)) out.push_back(a);
        }
        return out;
    }
    void AnnounceLater(std::vector<protocol::Register> regs) {
        announcer_ = std::thread([this, regs = std::move(regs)] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            for (const auto& r : regs) bus_->Publish(subj::Register(kCluster), protocol::EncodeRegister(r));
        });
    }
    void TearDown() override {
        if (announcer_.joinable()) announcer_.join();
    }
    void AckAll(const std::vector<std::string>& agents) {
        ASSERT_TRUE(FakeCoordinator::WaitFor(
            [&] {
                for (const auto& a : agents) {
                    if (Assignments(a).empty()) return false;
                }
                return true;
            },
            10000));
        for (const auto& a : agents) {
            bus_->Publish(subj::Ack(kCluster, kRun, a),
                          protocol::EncodeAssignmentAck({kRun, a, Assignments(a)[0].plan_checksum, 0}));
        }
    }
    void SendMetrics(const std::string& agent, std::uint64_t seq, bool final, std::uint64_t requests,
                     std::uint32_t latency_us) {
        protocol::Metrics m{kRun, agent, seq, final, 1, Interval(requests, latency_us)};
        bus_->Publish(subj::Metrics(kCluster, kRun, agent), protocol::EncodeMetrics(m));
    }

    transport::EmbeddedBroker broker_;
    std::unique_ptr<FakeCoordinator> bus_;
    std::thread announcer_;
};

TEST_F(CoordinatorRegionsTest, SharesGoToRegionsFirstAndResultsAreKeptPerRegion) {
    Coordinator c(Options(3, "near=70,far=30"));
    c.Connect();
    AnnounceLater({Reg("far1", "far", 1), Reg("far2", "far", 3), Reg("near1", "near", 4)});
    c.WaitForAgents(10 * kNsPerSec, {});
    EXPECT_TRUE(c.HasRegions());
    std::thread acks([&] { AckAll({"far1", "far2", "near1"}); });
    c.Assign("the plan", {AgentScenario{"s", true, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}}, {});
    acks.join();
    // Agents are in id order (far1, far2, near1): far's 30% split 1:3 by capacity, near's 70% to its one agent.
    auto share = [&](const std::string& a) { return Assignments(a)[0].scenarios[0].shard; };
    const auto f1 = share("far1"), f2 = share("far2"), n1 = share("near1");
    EXPECT_EQ(f1.end, f2.begin);
    EXPECT_EQ(f2.end, n1.begin);
    EXPECT_EQ(n1.end, sched::kShardUnits);  // they tile the grid: exact totals
    EXPECT_NEAR(n1.Share(), 0.70, 2.0 / sched::kShardUnits);
    EXPECT_NEAR(f1.Share(), 0.075, 2.0 / sched::kShardUnits);
    EXPECT_NEAR(f2.Share(), 0.225, 2.0 / sched::kShardUnits);
    EXPECT_EQ(Assignments("near1")[0].scenarios[0].vusers.ids.size(), 7u);  // VUs follow the same weights

    c.Start();
    SendMetrics("far1", 1, false, 2, 40000);
    SendMetrics("far2", 1, false, 3, 40000);
    SendMetrics("near1", 1, false, 6, 1000);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return c.Total().total.requests == 11; }, 5000));
    std::map<std::string, metrics::Snapshot> regions;
    const metrics::Snapshot interval = c.TakeInterval(&regions);
    EXPECT_EQ(interval.total.requests, 11u);
    ASSERT_EQ(regions.size(), 2u);
    EXPECT_EQ(regions.at("far").total.requests, 5u);
    EXPECT_EQ(regions.at("near").total.requests, 6u);
    // Each region's latencies are its own agents' only.
    EXPECT_GE(regions.at("far").total.response_time_us.ValueAtPercentile(50), 39000);
    EXPECT_LE(regions.at("near").total.response_time_us.ValueAtPercentile(99), 1100);
    EXPECT_EQ(c.TakeInterval(&regions).total.requests, 0u);
    EXPECT_TRUE(regions.empty());

    SendMetrics("far1", 2, true, 2, 40000);
    SendMetrics("far2", 2, true, 3, 40000);
    SendMetrics("near1", 2, true, 6, 1000);
    ASSERT_TRUE(c.WaitForFinals(5 * kNsPerSec, {}));
    const auto totals = TotalsByRegion(c.Reports());
    ASSERT_EQ(totals.size(), 2u);
    EXPECT_EQ(totals.at("far").total.requests, 5u);
    EXPECT_EQ(totals.at("near").total.requests, 6u);
    EXPECT_EQ(c.Reports()[2].region, "near");
}

// A timed-out agent's virtual users stay in its region while another agent of the region takes load; when a region
// has no agent left, its part goes to the others and the log says the traffic mix is no longer the one asked for.
TEST_F(CoordinatorRegionsTest, TakeoverStaysInTheRegionAndARegionWithoutAgentsIsLogged) {
    CoordinatorOptions o = Options(3, "us=50,eu=50");
    o.agent_timeout_ns = 1500 * kNsPerMs;
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
    AnnounceLater({Reg("eu1", "eu", 1), Reg("us1", "us", 1), Reg("us2", "us", 1)});
    c.WaitForAgents(10 * kNsPerSec, {});
    std::thread acks([&] { AckAll({"eu1", "us1", "us2"}); });
    c.Assign("the plan", {AgentScenario{"s", false, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}}, {});
    acks.join();
    // Agents in id order: eu1 has users 1-6 (eu's half), us1 7-9 and us2 10-12 (us's half by capacity).
    auto ids = [](const protocol::VuSelection& v) {
        std::vector<std::int64_t> out;
        for (std::int64_t id = 1; id <= 12; ++id) {
            if (v.Contains(id)) out.push_back(id);
        }
        return out;
    };
    ASSERT_EQ(ids(Assignments("us2")[0].scenarios[0].vusers), (std::vector<std::int64_t>{10, 11, 12}));
    c.Start();

    // us2 stays silent; eu1 and us1 send heartbeats until `alive` says otherwise.
    std::atomic<bool> eu1_alive{true}, stop{false};
    std::thread beats([&] {
        while (!stop) {
            for (const std::string id : {"eu1", "us1"}) {
                if (id == "eu1" && !eu1_alive) continue;
                protocol::Heartbeat hb;
                hb.run_id = kRun;
                hb.agent_id = id;
                hb.state = protocol::AgentState::kRunning;
                hb.epoch = 0;
                bus_->Publish(subj::Heartbeat(kCluster, kRun, id), protocol::EncodeHeartbeat(hb));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
    auto rebalances = [&](const std::string& agent) {
        std::vector<protocol::Rebalance> out;
        for (const auto& r : bus_->With(".agent." + agent + ".rebalance")) {
            protocol::Rebalance m;
            if (protocol::DecodeRebalance(r.data, &m, nullptr)) out.push_back(m);
        }
        return out;
    };
    const bool moved = FakeCoordinator::WaitFor([&] { return !rebalances("us1").empty(); }, 8000);
    if (moved) {
        // us2's three users went to us1 only, although eu1 weighs as much as us1 and us2 together.
        EXPECT_EQ(ids(rebalances("us1")[0].scenarios[0].vusers),
                  (std::vector<std::int64_t>{7, 8, 9, 10, 11, 12}));
        EXPECT_EQ(ids(rebalances("eu1")[0].scenarios[0].vusers), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
        EXPECT_FALSE(logged("has no agent taking load"));
        // Now eu1 goes silent too: eu has no agent left, so us1 takes everything and the log says so.
        eu1_alive = false;
        EXPECT_TRUE(FakeCoordinator::WaitFor([&] { return logged("region eu has no agent taking load"); }, 8000));
        // ...and the summary will: one open gap of eu (its half of the mix), from the rebalance's instant.
        const std::vector<RegionGap> gaps = c.RegionGaps();
        ASSERT_EQ(gaps.size(), 1u);
        EXPECT_EQ(gaps[0].region, "eu");
        EXPECT_DOUBLE_EQ(gaps[0].weight, 0.5);
        EXPECT_GT(gaps[0].from_ns, 0);
        EXPECT_EQ(gaps[0].to_ns, -1);
        // (Heartbeats say epoch 0, so epoch 1 is resent now and then: look for epoch 2.)
        auto second = [&]() -> std::optional<protocol::Rebalance> {
            for (const auto& r : rebalances("us1")) {
                if (r.epoch == 2) return r;
            }
            return std::nullopt;
        };
        EXPECT_TRUE(FakeCoordinator::WaitFor([&] { return second().has_value(); }, 8000));
        if (const auto r = second()) {
            EXPECT_EQ(ids(r->scenarios[0].vusers).size(), 12u);
            EXPECT_DOUBLE_EQ(r->scenarios[0].shard.Share(), 1.0);
        }
    }
    stop = true;
    beats.join();
    ASSERT_TRUE(moved) << "us2 never timed out";
}

TEST_F(CoordinatorRegionsTest, AnAgentInARegionNotListedIsAUsageErrorNamingIt) {
    Coordinator c(Options(2, "near=70,far=30"));
    c.Connect();
    AnnounceLater({Reg("a", "near", 1), Reg("b", "moon", 1)});
    try {
        c.WaitForAgents(10 * kNsPerSec, {});
        FAIL() << "expected a UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("not listed: b (region 'moon')"), std::string::npos) << e.what();
    }
}

TEST_F(CoordinatorRegionsTest, WithoutRegionsNothingIsBrokenDown) {
    Coordinator c(Options(1, ""));
    c.Connect();
    AnnounceLater({Reg("a", "", 2)});
    c.WaitForAgents(10 * kNsPerSec, {});
    EXPECT_FALSE(c.HasRegions());
    std::thread acks([&] { AckAll({"a"}); });
    c.Assign("the plan", {AgentScenario{"s", true, {1}}}, {});
    acks.join();
    c.Start();
    SendMetrics("a", 1, false, 4, 1000);
    ASSERT_TRUE(FakeCoordinator::WaitFor([&] { return c.Total().total.requests == 4; }, 5000));
    std::map<std::string, metrics::Snapshot> regions;
    EXPECT_EQ(c.TakeInterval(&regions).total.requests, 4u);
    EXPECT_TRUE(regions.empty());
    EXPECT_TRUE(TotalsByRegion(c.Reports()).empty());
}

}  // namespace
}  // namespace lse::coordinator
