#include "agent_registry.hpp"

#include <uv.h>

#include <chrono>
#include <future>
#include <iostream>

#include "lse/core/errors.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/messages.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/nats_client.hpp"

namespace lse::service {

std::int64_t MonotonicNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct AgentRegistry::Loop {
    uv_loop_t loop{};
    uv_async_t stop{};
    std::unique_ptr<transport::NatsClient> client;
};

AgentRegistry::AgentRegistry(transport::NatsOptions nats, std::string cluster_id)
    : cluster_id_(std::move(cluster_id)), loop_(std::make_unique<Loop>()) {
    nats.name = "lsengine serve (agent registry)";
    nats.retry_on_failed_connect = true;
    std::promise<std::string> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, nats = std::move(nats), &ready]() mutable {
        Loop& l = *loop_;
        uv_loop_init(&l.loop);
        l.stop.data = this;
        uv_async_init(&l.loop, &l.stop, [](uv_async_t* h) {
            auto* self = static_cast<AgentRegistry*>(h->data);
            self->loop_->client->Close([self] { uv_close(reinterpret_cast<uv_handle_t*>(&self->loop_->stop), nullptr); });
        });
        try {
            l.client = std::make_unique<transport::NatsClient>(&l.loop, std::move(nats));
            l.client->Connect();
            auto subscribe = [this, &l] {
                l.client->Subscribe(protocol::subjects::Register(cluster_id_),
                                    [this](const transport::Message& m) { OnRegister(m.data); });
                // Every run's heartbeats: lse.<cluster>.<run>.heartbeat.<agent>.
                l.client->Subscribe("lse." + cluster_id_ + ".*.heartbeat.*",
                                    [this](const transport::Message& m) { OnHeartbeat(m.data); });
            };
            if (l.client->Connected()) {
                subscribe();
            } else {
                l.client->OnEvent([subscribe, done = false](transport::ConnectionEvent e) mutable {
                    if (e == transport::ConnectionEvent::kConnected && !done) {
                        done = true;
                        subscribe();
                    }
                });
            }
            ready.set_value("");
        } catch (const std::exception& e) {
            ready.set_value(e.what());
            uv_close(reinterpret_cast<uv_handle_t*>(&l.stop), nullptr);
            uv_run(&l.loop, UV_RUN_DEFAULT);
            uv_loop_close(&l.loop);
            return;
        }
        uv_run(&l.loop, UV_RUN_DEFAULT);
        l.client.reset();
        uv_run(&l.loop, UV_RUN_DEFAULT);  // the client's own handles close here
        uv_loop_close(&l.loop);
    });
    const std::string error = started.get();
    if (!error.empty()) {
        thread_.join();
        throw SetupError("the agent registry cannot use the broker: " + error);
    }
}

AgentRegistry::~AgentRegistry() { Stop(); }

void AgentRegistry::Stop() noexcept {
    if (!thread_.joinable()) return;
    uv_async_send(&loop_->stop);
    thread_.join();
}

void AgentRegistry::OnRegister(const std::string& data) {
    protocol::Register r;
    std::string error;
    if (!protocol::DecodeRegister(data, &r, &error) || r.cluster_id != cluster_id_) return;
    std::lock_guard lock(mutex_);
    AgentEntry& a = agents_[r.agent_id];
    a.id = r.agent_id;
    a.host = r.hostname;
    a.group = r.group;
    a.version = r.version;
    a.pid = r.pid;
    a.capacity = r.capacity;
    a.state = "idle";  // an agent registers only while it has no assignment
    a.run_id.clear();
    a.last_seen_ns = MonotonicNs();
}

void AgentRegistry::OnHeartbeat(const std::string& data) {
    protocol::Heartbeat h;
    std::string error;
    if (!protocol::DecodeHeartbeat(data, &h, &error)) return;
    std::lock_guard lock(mutex_);
    AgentEntry& a = agents_[h.agent_id];
    a.id = h.agent_id;
    a.state = std::string(protocol::AgentStateName(h.state));
    a.run_id = h.run_id;
    a.last_seen_ns = MonotonicNs();
}

std::vector<AgentEntry> AgentRegistry::Agents(std::int64_t now_ns) const {
    std::lock_guard lock(mutex_);
    std::vector<AgentEntry> out;
    for (const auto& [id, a] : agents_) {
        if (now_ns - a.last_seen_ns > kForgetAfterNs) continue;
        out.push_back(a);
        if (now_ns - a.last_seen_ns > kGoneAfterNs) out.back().state = "gone";
    }
    return out;
}

}  // namespace lse::service
