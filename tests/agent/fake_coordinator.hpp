#pragma once
// A minimal coordinator for driving a real lsengine-agent: records everything published under
// lse.<cluster>, answers TimeRequests, optionally acks Metrics and sends CoordinatorHeartbeats.
// Its NatsClient lives on a private loop thread; tests publish through the thread-safe Publish.

#include <uv.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lse/protocol/codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/nats_client.hpp"
#include "lse/uv/close.hpp"

namespace lse::agent::testing {

struct Received {
    std::string subject;
    std::string data;
    std::chrono::steady_clock::time_point at;
};

class FakeCoordinator {
public:
    FakeCoordinator(const std::string& url, const std::string& token, std::string cluster)
        : cluster_(std::move(cluster)) {
        uv_loop_init(&loop_);
        transport::NatsOptions o;
        o.urls = {url};
        o.token = token;
        o.name = "fake coordinator";
        client_ = std::make_unique<transport::NatsClient>(&loop_, o);
        client_->Connect();
        client_->Subscribe("lse." + cluster_ + ".>", [this](const transport::Message& m) { OnMessage(m); });
        client_->Flush(2'000'000'000);
        uv_async_init(&loop_, &stop_, [](uv_async_t* a) { static_cast<FakeCoordinator*>(a->data)->Close(); });
        stop_.data = this;
        uv_timer_init(&loop_, &timer_);
        timer_.data = this;
        uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<FakeCoordinator*>(t->data)->Beat(); }, 1000, 1000);
        thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
    }

    ~FakeCoordinator() {
        uv_async_send(&stop_);
        thread_.join();
        client_.reset();
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }

    void Publish(const std::string& subject, const std::string& data) { client_->Publish(subject, data); }

    /// Heartbeats for this run every second from now on (empty: none).
    void SetHeartbeatRun(std::string run) {
        std::lock_guard<std::mutex> lock(mu_);
        heartbeat_run_ = std::move(run);
    }
    void SetAckMetrics(bool on) { ack_metrics_ = on; }

    /// Messages whose subject ends with `suffix` (e.g. ".register", ".metrics.a1").
    std::vector<Received> With(const std::string& suffix) const {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Received> out;
        for (const auto& r : received_) {
            if (r.subject.size() >= suffix.size() &&
                r.subject.compare(r.subject.size() - suffix.size(), suffix.size(), suffix) == 0) {
                out.push_back(r);
            }
        }
        return out;
    }

    /// Polls until pred() or timeout.
    static bool WaitFor(const std::function<bool()>& pred, int timeout_ms) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return pred();
    }

private:
    static std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

    void OnMessage(const transport::Message& m) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(Received{m.subject, m.data, std::chrono::steady_clock::now()});
        }
        if (m.subject == protocol::subjects::Time(cluster_) && !m.reply.empty()) {
            protocol::TimeRequest req;
            if (protocol::DecodeTimeRequest(m.data, &req, nullptr)) {
                client_->Publish(m.reply, protocol::EncodeTimeReply({req.t0_agent_ns, NowNs()}));
            }
            return;
        }
        protocol::Metrics metrics;
        if (ack_metrics_ && protocol::PeekMessageType(m.data) == protocol::MessageType::kMetrics &&
            protocol::DecodeMetrics(m.data, &metrics, nullptr)) {
            client_->Publish(protocol::subjects::Agent(cluster_, metrics.run_id, metrics.agent_id,
                                                       protocol::AgentChannel::kMetricsAck),
                             protocol::EncodeMetricsAck({metrics.run_id, metrics.seq}));
        }
    }

    void Beat() {
        std::string run;
        {
            std::lock_guard<std::mutex> lock(mu_);
            run = heartbeat_run_;
        }
        if (run.empty()) return;
        client_->Publish(protocol::subjects::CoordinatorHeartbeat(cluster_, run),
                         protocol::EncodeCoordinatorHeartbeat({run, 0, NowNs()}));
    }

    void Close() {
        uv_timer_stop(&timer_);
        uv::Close(&timer_);
        uv::Close(&stop_);
        client_->Close();
    }

    std::string cluster_;
    uv_loop_t loop_;
    uv_async_t stop_;
    uv_timer_t timer_;
    std::unique_ptr<transport::NatsClient> client_;
    std::thread thread_;
    mutable std::mutex mu_;
    std::vector<Received> received_;
    std::string heartbeat_run_;
    std::atomic<bool> ack_metrics_{true};
};

}  // namespace lse::agent::testing
