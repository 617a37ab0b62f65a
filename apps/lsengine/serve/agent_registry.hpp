#pragma once
/// @file
/// The agents the service's broker has seen, for `GET /agents`: it listens to what agents already publish
/// (Register every 3 s while idle, Heartbeat every second while in a run; docs/protocol.md), so it needs nothing
/// new on the wire and never interferes with a run's coordinator. Its NATS connection lives on its own libuv
/// loop thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lse/transport/nats_options.hpp"

namespace lse::service {

struct AgentEntry {
    std::string id;
    std::string host;
    std::string group;
    std::string version;
    std::int64_t pid = 0;
    std::uint32_t capacity = 0;
    std::string state;           ///< "idle" (registering), or the heartbeat's state: "preparing", "running"...
    std::string run_id;          ///< the run of its latest heartbeat
    std::int64_t last_seen_ns = 0;  ///< monotonic
};

class AgentRegistry {
public:
    /// An agent not heard from for this long is "gone" (idle agents register every 3 s).
    static constexpr std::int64_t kGoneAfterNs = 10'000'000'000;
    /// ... and forgotten after this long.
    static constexpr std::int64_t kForgetAfterNs = 600'000'000'000;

    /// Connects (retrying in the background when the broker is not up yet) and subscribes.
    AgentRegistry(transport::NatsOptions nats, std::string cluster_id);
    ~AgentRegistry();  ///< Stop().
    AgentRegistry(const AgentRegistry&) = delete;
    AgentRegistry& operator=(const AgentRegistry&) = delete;

    /// Known agents by id; `state` is "gone" for those silent longer than kGoneAfterNs.
    std::vector<AgentEntry> Agents(std::int64_t now_ns) const;
    void Stop() noexcept;

private:
    struct Loop;
    void OnRegister(const std::string& data);
    void OnHeartbeat(const std::string& data);

    std::string cluster_id_;
    mutable std::mutex mutex_;
    std::map<std::string, AgentEntry> agents_;  // guarded by mutex_
    std::unique_ptr<Loop> loop_;
    std::thread thread_;
};

/// Monotonic nanoseconds (the registry's clock).
std::int64_t MonotonicNs();

}  // namespace lse::service
