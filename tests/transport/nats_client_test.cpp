#include "lse/transport/nats_client.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "loop_test_util.hpp"
#include "lse/core/errors.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::transport {
namespace {

using testing::RunUntil;
using testing::TestLoop;

NatsOptions OptionsFor(const EmbeddedBroker& broker) {
    NatsOptions options;
    options.urls = {"127.0.0.1:" + std::to_string(broker.Port())};  // host:port form on purpose
    options.token = broker.Token();
    options.name = "transport-test";
    options.reconnect_wait_ns = 100 * kNsPerMs;
    return options;
}

void CloseClient(NatsClient& client, uv_loop_t* loop) {
    bool closed = false;
    client.Close([&] { closed = true; });
    ASSERT_TRUE(RunUntil(loop, [&] { return closed; }));
}

class NatsClientTest : public ::testing::Test {
protected:
    void SetUp() override { broker_.Start({}); }
    EmbeddedBroker broker_;
    TestLoop loop_;
};

TEST_F(NatsClientTest, PublishSubscribeRoundTripRunsOnTheLoopThread) {
    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    EXPECT_TRUE(client.Connected());
    EXPECT_EQ(client.ConnectedUrl(), "nats://127.0.0.1:" + std::to_string(broker_.Port()));

    std::vector<Message> got;
    std::thread::id handler_thread;
    client.Subscribe("lse.test.>", [&](const Message& m) {
        handler_thread = std::this_thread::get_id();
        got.push_back(m);
    });
    // Published from another thread: Publish is thread-safe.
    std::thread publisher([&] { EXPECT_TRUE(client.Publish("lse.test.a", std::string("hello\0world", 11))); });
    publisher.join();
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return got.size() == 1; }));
    EXPECT_EQ(got[0].subject, "lse.test.a");
    EXPECT_EQ(got[0].data, std::string("hello\0world", 11));
    EXPECT_TRUE(got[0].reply.empty());
    EXPECT_EQ(handler_thread, std::this_thread::get_id());
    EXPECT_EQ(client.PublishFailures(), 0u);
    CloseClient(client, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, UnsubscribeStopsDelivery) {
    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    int a = 0, b = 0;
    const int id_a = client.Subscribe("lse.unsub", [&](const Message&) { ++a; });
    client.Subscribe("lse.unsub", [&](const Message&) { ++b; });
    client.Unsubscribe(id_a);
    client.Unsubscribe(12345);  // unknown ids are ignored
    client.Publish("lse.unsub", "x");
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return b == 1; }));
    ASSERT_TRUE(client.Flush(2 * kNsPerSec));
    RunUntil(loop_.get(), [] { return false; }, 100);
    EXPECT_EQ(a, 0);
    CloseClient(client, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, RequestReplyWithAResponder) {
    NatsClient responder(loop_.get(), OptionsFor(broker_));
    responder.Connect();
    responder.Subscribe("lse.svc.echo", [&](const Message& m) { responder.Publish(m.reply, "re:" + m.data); });
    ASSERT_TRUE(responder.Flush(2 * kNsPerSec));  // SUB registered before the other client asks

    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    int calls = 0;
    bool ok = false;
    Message reply;
    client.Request("lse.svc.echo", "ping", 5 * kNsPerSec, [&](bool success, const Message& m) {
        ++calls;
        ok = success;
        reply = m;
    });
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return calls > 0; }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(reply.data, "re:ping");
    // A second request reuses the inbox subscription.
    client.Request("lse.svc.echo", "again", 5 * kNsPerSec, [&](bool success, const Message& m) {
        ++calls;
        ok = success;
        reply = m;
    });
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return calls > 1; }));
    EXPECT_TRUE(ok);
    EXPECT_EQ(reply.data, "re:again");
    RunUntil(loop_.get(), [] { return false; }, 50);
    EXPECT_EQ(calls, 2);
    CloseClient(client, loop_.get());
    CloseClient(responder, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, RequestTimesOutWhenTheResponderIsSilent) {
    NatsClient silent(loop_.get(), OptionsFor(broker_));
    silent.Connect();
    silent.Subscribe("lse.svc.silent", [](const Message&) {});
    ASSERT_TRUE(silent.Flush(2 * kNsPerSec));

    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    int calls = 0;
    bool ok = true;
    const auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    client.Request("lse.svc.silent", "ping", 300 * kNsPerMs, [&](bool success, const Message&) {
        ++calls;
        ok = success;
        took = std::chrono::steady_clock::now() - start;
    });
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return calls > 0; }));
    EXPECT_FALSE(ok);
    EXPECT_GE(took, std::chrono::milliseconds(250));  // a timer never fires early: this was the timeout
    CloseClient(client, loop_.get());
    CloseClient(silent, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, RequestWithoutRespondersFailsFast) {
    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    int calls = 0;
    bool ok = true;
    client.Request("lse.svc.nobody", "ping", 60 * kNsPerSec, [&](bool success, const Message&) {
        ++calls;
        ok = success;
    });
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return calls > 0; }, 10000));
    EXPECT_FALSE(ok);
    CloseClient(client, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, WrongTokenIsAnAuthorizationError) {
    NatsOptions options = OptionsFor(broker_);
    options.token = "not-the-token";
    NatsClient client(loop_.get(), options);
    try {
        client.Connect();
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("cannot connect to NATS at nats://127.0.0.1:", 0), 0u) << what;
        EXPECT_NE(what.find("authorization"), std::string::npos) << what;
        EXPECT_EQ(what.find("not-the-token"), std::string::npos) << what;
    }
    EXPECT_FALSE(client.Connected());
}

TEST_F(NatsClientTest, MissingTokenIsRejected) {
    NatsOptions options = OptionsFor(broker_);
    options.token.clear();
    NatsClient client(loop_.get(), options);
    try {
        client.Connect();
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find("authorization"), std::string::npos) << e.what();
    }
}

TEST_F(NatsClientTest, ReconnectsAfterBrokerRestartAndFlushesBufferedPublishes) {
    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    std::vector<ConnectionEvent> events;
    client.OnEvent([&](ConnectionEvent e) { events.push_back(e); });
    std::vector<std::string> got;
    client.Subscribe("lse.re", [&](const Message& m) { got.push_back(m.data); });

    const int port = broker_.Port();
    const std::string token = broker_.Token();
    broker_.Stop();
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return !events.empty(); }));
    EXPECT_EQ(events[0], ConnectionEvent::kDisconnected);
    EXPECT_FALSE(client.Connected());
    EXPECT_TRUE(client.Publish("lse.re", "buffered"));  // kept in the reconnect buffer

    BrokerOptions again;
    again.port = port;
    again.token = token;
    broker_.Start(again);
    ASSERT_TRUE(RunUntil(loop_.get(), [&] {
        for (auto e : events) {
            if (e == ConnectionEvent::kReconnected) return true;
        }
        return false;
    }, 10000));
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return !got.empty(); }));
    EXPECT_EQ(got[0], "buffered");
    EXPECT_TRUE(client.Publish("lse.re", "after"));
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return got.size() >= 2; }));
    EXPECT_EQ(got.back(), "after");
    CloseClient(client, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, RetryOnFailedConnectConnectsWhenTheBrokerAppears) {
    const int port = broker_.Port();
    const std::string token = broker_.Token();
    broker_.Stop();
    NatsOptions options;
    options.urls = {"nats://127.0.0.1:" + std::to_string(port)};
    options.token = token;
    options.retry_on_failed_connect = true;
    options.reconnect_wait_ns = 100 * kNsPerMs;
    NatsClient client(loop_.get(), options);
    client.Connect();  // does not throw: the agent may start before the coordinator
    EXPECT_FALSE(client.Connected());
    bool connected = false;
    client.OnEvent([&](ConnectionEvent e) { connected = connected || e == ConnectionEvent::kConnected; });
    BrokerOptions again;
    again.port = port;
    again.token = token;
    broker_.Start(again);
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return connected; }, 10000));
    EXPECT_TRUE(client.Connected());
    CloseClient(client, loop_.get());
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, CloseFailsPendingRequestsAndLeavesNoHandles) {
    NatsClient client(loop_.get(), OptionsFor(broker_));
    client.Connect();
    client.Subscribe("lse.close", [](const Message&) {});
    int calls = 0;
    bool ok = true;
    client.Request("lse.close", "never answered", 60 * kNsPerSec, [&](bool success, const Message&) {
        ++calls;
        ok = success;
    });
    CloseClient(client, loop_.get());
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(ok);
    EXPECT_FALSE(client.Connected());
    EXPECT_FALSE(client.Publish("lse.close", "x"));
    EXPECT_EQ(client.PublishFailures(), 1u);
    EXPECT_THROW(client.Subscribe("lse.close", [](const Message&) {}), SetupError);
    bool second = false;
    client.Close([&] { second = true; });
    EXPECT_TRUE(second);
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

TEST_F(NatsClientTest, HandlerMayCloseTheClient) {
    auto client = std::make_unique<NatsClient>(loop_.get(), OptionsFor(broker_));
    client->Connect();
    bool closed = false;
    client->Subscribe("lse.self", [&](const Message&) { client->Close([&] { closed = true; }); });
    client->Publish("lse.self", "1");
    client->Publish("lse.self", "2");
    ASSERT_TRUE(RunUntil(loop_.get(), [&] { return closed; }));
    client.reset();
    EXPECT_EQ(loop_.RunAndClose(), 0);
}

}  // namespace
}  // namespace lse::transport
