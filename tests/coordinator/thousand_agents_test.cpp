// Issue 16 item 4: the real Coordinator with 1000 agents, each its own connection to a real nats-server. The agents
// are simulated in this process (a raw NATS protocol speaker each, all polled by one thread): they register, ack
// their Assignment, publish an interval a second after Start and their final totals on Stop, as lsengine-agent
// does. The run must end with every agent's final in and the totals exact: what the coordinator merged, interval by
// interval and in the end, equals what the agents sent.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "lse/coordinator/coordinator.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/embedded_broker.hpp"
#include "raw_nats_connection.hpp"

namespace lse::coordinator {
namespace {

namespace subj = protocol::subjects;
using testing::RawNatsConnection;

constexpr int kAgents = 1000;
constexpr std::uint64_t kIntervals = 3;  // each agent's intervals before the test stops the run
constexpr char kCluster[] = "big";
constexpr char kRun[] = "r1000";
using Clock = std::chrono::steady_clock;

std::string AgentId(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "a%04d", i);
    return buf;
}

// Agent i's requests in interval `seq` (1-based): different per agent and second, so a lost or doubled message
// cannot hide in the sum.
std::uint64_t Requests(int agent, std::uint64_t seq) { return 5 + static_cast<std::uint64_t>(agent % 13) + 2 * seq; }

// One interval as an agent records it: every request a response with a latency in one histogram page (the
// coordinator keeps two snapshots per agent: kept small, 1000 agents fit a CI machine).
metrics::Snapshot IntervalSnapshot(int agent, std::uint64_t seq) {
    metrics::Snapshot s;
    s.start_ns = static_cast<std::int64_t>(seq) * kNsPerSec;
    s.end_ns = s.start_ns + kNsPerSec;
    metrics::RequestStats* row = &s.ForName(metrics::MakeStatKey(metrics::StatKind::kRequest, "shop", "", "GET /"));
    for (std::uint64_t k = 0; k < Requests(agent, seq); ++k) {
        const auto us = static_cast<std::int64_t>(1100 + (agent * 7 + k * 31) % 900);
        s.RecordCompletion(row, k % 10 == 9 ? ErrorKind::kStatus : ErrorKind::kNone, k % 10 == 9 ? 503 : 200,
                           k % 10 != 9, us, us + 5, 512, 128);
    }
    return s;
}

struct SimulatedAgent {
    int index = 0;
    std::string id;
    RawNatsConnection conn;
    bool assigned = false;
    bool started = false;
    bool final_sent = false;
    Clock::time_point next_register{};
    Clock::time_point next_interval{};
    std::uint64_t seq = 0;  // last Metrics seq published
    std::uint64_t acks = 0;  // MetricsAcks received
    metrics::Snapshot cumulative;
};

// All the agents, driven by one thread until Stop() or the deadline.
class SimulatedAgents {
public:
    SimulatedAgents(const transport::EmbeddedBroker& broker, int count) {
        for (int i = 0; i < count; ++i) {
            auto a = std::make_unique<SimulatedAgent>();
            a->index = i;
            a->id = AgentId(i);
            std::string error;
            if (!a->conn.Connect(broker.Port(), broker.Token(), "sim " + a->id, &error)) {
                throw std::runtime_error(a->id + ": " + error);
            }
            SimulatedAgent* raw = a.get();
            a->conn.SetOnMessage([this, raw](std::string_view subject, std::string_view payload) {
                OnMessage(*raw, subject, payload);
            });
            a->conn.Subscribe(subj::AgentInbox(kCluster, a->id), 1);
            agents_.push_back(std::move(a));
        }
    }

    void Run(Clock::time_point deadline) {
        std::vector<pollfd> fds(agents_.size());
        while (!stop_ && Clock::now() < deadline) {
            for (std::size_t i = 0; i < agents_.size(); ++i) {
                fds[i] = {agents_[i]->conn.Fd(), static_cast<short>(POLLIN | (agents_[i]->conn.WantsWrite() ? POLLOUT : 0)), 0};
            }
            ::poll(fds.data(), fds.size(), 10);
            const auto now = Clock::now();
            for (std::size_t i = 0; i < agents_.size(); ++i) {
                SimulatedAgent& a = *agents_[i];
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) a.conn.OnReadable();
                if (fds[i].revents & POLLOUT) a.conn.OnWritable();
                if (!a.conn.ok()) {
                    std::lock_guard lock(mu_);
                    failure_ = a.id + ": " + a.conn.Error();
                    return;
                }
                Tick(a, now);
            }
        }
    }
    void Stop() { stop_ = true; }

    std::string Failure() const {
        std::lock_guard lock(mu_);
        return failure_;
    }
    int IntervalsSent() const { return intervals_sent_.load(); }
    /// Agents that got a MetricsAck for each of their kIntervals intervals and their final.
    int FullyAcked() const { return fully_acked_.load(); }

private:
    void Tick(SimulatedAgent& a, Clock::time_point now) {
        // An idle agent announces itself every 3 s (registrations go stale after 10 s), as lsengine-agent does.
        if (!a.assigned && now >= a.next_register) {
            protocol::Register r;
            r.cluster_id = kCluster;
            r.agent_id = a.id;
            r.capacity = 1 + static_cast<std::uint32_t>(a.index % 3);
            r.version = "sim";
            r.hostname = "sim-host";
            r.pid = 1000 + a.index;
            r.protocol_version = protocol::kProtocolVersion;
            a.conn.Publish(subj::Register(kCluster), protocol::EncodeRegister(r));
            a.next_register = now + std::chrono::seconds(3);
        }
        if (a.started && !a.final_sent && a.seq < kIntervals && now >= a.next_interval) {
            ++a.seq;
            const metrics::Snapshot interval = IntervalSnapshot(a.index, a.seq);
            a.cumulative += interval;
            protocol::Metrics m;
            m.run_id = kRun;
            m.agent_id = a.id;
            m.seq = a.seq;
            m.active_vusers = 1;
            interval.AppendTo(&m.snapshot);
            a.conn.Publish(subj::Metrics(kCluster, kRun, a.id), protocol::EncodeMetrics(m));
            protocol::Heartbeat hb;
            hb.run_id = kRun;
            hb.agent_id = a.id;
            hb.state = protocol::AgentState::kRunning;
            hb.last_seq = a.seq;
            hb.now_agent_ns = MonotonicClock().NowNs();
            a.conn.Publish(subj::Heartbeat(kCluster, kRun, a.id), protocol::EncodeHeartbeat(hb));
            a.next_interval = now + std::chrono::seconds(1);
            ++intervals_sent_;
        }
    }

    void OnMessage(SimulatedAgent& a, std::string_view subject, std::string_view payload) {
        const std::string_view channel = subj::LastToken(subject);
        if (channel == protocol::AgentChannelName(protocol::AgentChannel::kPlan)) {
            protocol::Assignment as;
            if (!protocol::DecodeAssignment(payload, &as, nullptr)) return;  // the plan is small: no chunks
            a.assigned = true;
            a.conn.Publish(subj::Ack(kCluster, kRun, a.id),
                           protocol::EncodeAssignmentAck({kRun, a.id, as.plan_checksum, as.attempt}));
        } else if (channel == protocol::AgentChannelName(protocol::AgentChannel::kStart)) {
            a.started = true;
            a.next_interval = Clock::now() + std::chrono::seconds(1);
        } else if (channel == protocol::AgentChannelName(protocol::AgentChannel::kStop)) {
            if (a.final_sent) return;
            protocol::Metrics m;
            m.run_id = kRun;
            m.agent_id = a.id;
            m.seq = a.seq + 1;
            m.is_final = true;
            a.cumulative.AppendTo(&m.snapshot);
            a.conn.Publish(subj::Metrics(kCluster, kRun, a.id), protocol::EncodeMetrics(m));
            a.final_sent = true;
        } else if (channel == protocol::AgentChannelName(protocol::AgentChannel::kMetricsAck)) {
            if (++a.acks == kIntervals + 1) ++fully_acked_;
        }
    }

    std::vector<std::unique_ptr<SimulatedAgent>> agents_;
    std::atomic<bool> stop_{false};
    std::atomic<int> intervals_sent_{0};
    std::atomic<int> fully_acked_{0};
    mutable std::mutex mu_;
    std::string failure_;
};

TEST(ThousandAgentsTest, RealCoordinatorMergesEveryAgentExactly) {
    rlimit files{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
    if (files.rlim_cur < 2 * kAgents + 100) {
        GTEST_SKIP() << "needs " << 2 * kAgents + 100 << " file descriptors (ulimit -n is " << files.rlim_cur << ")";
    }
    transport::EmbeddedBroker broker;
    broker.Start(transport::BrokerOptions{});
    CoordinatorOptions o;
    o.nats.urls = {broker.ClientUrl()};
    o.nats.token = broker.Token();
    o.cluster_id = kCluster;
    o.run_id = kRun;
    o.agents = kAgents;
    Coordinator c(o);
    c.Connect();

    const auto deadline = Clock::now() + std::chrono::seconds(90);  // the whole test
    SimulatedAgents sim(broker, kAgents);
    std::thread agents([&] { sim.Run(deadline); });
    struct Join {
        SimulatedAgents& sim;
        std::thread& t;
        ~Join() {
            sim.Stop();
            if (t.joinable()) t.join();
        }
    } join{sim, agents};

    const auto regs = c.WaitForAgents(60 * kNsPerSec, [&] {
        if (!sim.Failure().empty()) throw std::runtime_error(sim.Failure());
    });
    ASSERT_EQ(regs.size(), static_cast<std::size_t>(kAgents));
    c.Assign("a small plan", {AgentScenario{"shop", true, {}}}, {});
    const std::int64_t start_at = c.Start();
    EXPECT_GT(start_at, 0);

    // The live view's side: every merged interval taken while the agents send theirs.
    std::uint64_t interval_requests = 0;
    std::uint64_t interval_samples = 0;
    auto take = [&] {
        const metrics::Snapshot s = c.TakeInterval();
        interval_requests += s.total.requests;
        interval_samples += s.total.response_time_us.Count();
    };
    while (sim.IntervalsSent() < kAgents * static_cast<int>(kIntervals) && Clock::now() < deadline &&
           sim.Failure().empty()) {
        take();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(sim.Failure(), "");
    ASSERT_EQ(sim.IntervalsSent(), kAgents * static_cast<int>(kIntervals)) << "the agents did not all send in time";
    c.Stop(protocol::StopReason::kCompleted, false, "test over");
    ASSERT_TRUE(c.WaitForFinals(30 * kNsPerSec, {})) << c.MissingFinals().size() << " finals missing";
    take();  // an agent's intervals arrive before its final (one connection, in order): all are merged now

    std::uint64_t sent = 0;
    for (int i = 0; i < kAgents; ++i) {
        for (std::uint64_t seq = 1; seq <= kIntervals; ++seq) sent += Requests(i, seq);
    }
    EXPECT_EQ(interval_requests, sent);
    EXPECT_EQ(c.MissingFinals(), std::vector<std::string>{});
    const std::vector<AgentReport> reports = c.Reports();
    ASSERT_EQ(reports.size(), static_cast<std::size_t>(kAgents));
    for (const AgentReport& r : reports) {
        const int index = std::stoi(r.id.substr(1));
        std::uint64_t expected = 0;
        for (std::uint64_t seq = 1; seq <= kIntervals; ++seq) expected += Requests(index, seq);
        ASSERT_TRUE(r.final_received) << r.id;
        ASSERT_EQ(r.state, AgentState::kActive) << r.id;
        ASSERT_EQ(r.total.total.requests, expected) << r.id;
    }
    const metrics::Snapshot total = c.Total();
    EXPECT_EQ(total.total.requests, sent);
    const std::uint64_t responses = total.total.response_time_us.Count();
    EXPECT_EQ(interval_samples, responses);
    EXPECT_EQ(total.total.ErrorsOf(ErrorKind::kStatus) + total.total.ok, sent);
    EXPECT_EQ(total.by_name.size(), 1u);

    // Every message was acked to its agent: its kIntervals intervals and its final.
    while (sim.FullyAcked() < kAgents && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(sim.FullyAcked(), kAgents);
    EXPECT_EQ(sim.Failure(), "");
}

}  // namespace
}  // namespace lse::coordinator
