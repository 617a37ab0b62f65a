// The Coordinator against a real nats-server, with the test acting as agents (NatsClient + codecs).

#include "lse/coordinator/coordinator.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <thread>

#include "lse/core/errors.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/embedded_broker.hpp"
#include "lse/transport/nats_client.hpp"

namespace lse::coordinator {
namespace {

// Publishes registrations from a throwaway connection (its own loop, run just long enough to flush).
void Announce(const transport::EmbeddedBroker& broker, const std::vector<protocol::Register>& regs) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        transport::NatsOptions o;
        o.urls = {broker.ClientUrl()};
        o.token = broker.Token();
        transport::NatsClient c(&loop, o);
        c.Connect();
        for (const auto& r : regs) c.Publish(protocol::subjects::Register(r.cluster_id), protocol::EncodeRegister(r));
        c.Flush(2 * kNsPerSec);
        c.Close();
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&loop);
}

protocol::Register Reg(const std::string& cluster, const std::string& id, const std::string& group = "",
                       std::uint32_t version = protocol::kProtocolVersion) {
    protocol::Register r;
    r.cluster_id = cluster;
    r.agent_id = id;
    r.group = group;
    r.capacity = 2;
    r.version = "test";
    r.hostname = "h-" + id;
    r.pid = 1;
    r.protocol_version = version;
    return r;
}

class CoordinatorTest : public ::testing::Test {
protected:
    void SetUp() override { broker_.Start(transport::BrokerOptions{}); }
    CoordinatorOptions Options(int agents) {
        CoordinatorOptions o;
        o.nats.urls = {broker_.ClientUrl()};
        o.nats.token = broker_.Token();
        o.cluster_id = "c1";
        o.run_id = "r1";
        o.agents = agents;
        return o;
    }
    transport::EmbeddedBroker broker_;
};

TEST_F(CoordinatorTest, WaitsForAgentsOfItsClusterAndGroupOnly) {
    CoordinatorOptions o = Options(2);
    o.group = "g";
    Coordinator c(o);
    c.Connect();
    std::thread agents([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        Announce(broker_, {Reg("other", "x", "g"), Reg("c1", "wrong-group", "h"), Reg("c1", "old", "g", 99),
                           Reg("c1", "b", "g"), Reg("c1", "a", "g")});
    });
    const auto regs = c.WaitForAgents(10 * kNsPerSec, {});
    agents.join();
    ASSERT_EQ(regs.size(), 2u);
    EXPECT_EQ(regs[0].agent_id, "a");
    EXPECT_EQ(regs[1].agent_id, "b");
}

TEST_F(CoordinatorTest, TimeoutNamesWhoRegistered) {
    Coordinator c(Options(3));
    c.Connect();
    Announce(broker_, {Reg("c1", "lonely")});
    try {
        c.WaitForAgents(1 * kNsPerSec, {});
        FAIL() << "expected a timeout";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find("1 registered: lonely (h-lonely, capacity 2)"), std::string::npos)
            << e.what();
    }
}

TEST_F(CoordinatorTest, ConnectFailureIsASetupError) {
    CoordinatorOptions o = Options(1);
    o.nats.token = "wrong-token";
    Coordinator c(o);
    EXPECT_THROW(c.Connect(), SetupError);
}

}  // namespace
}  // namespace lse::coordinator
