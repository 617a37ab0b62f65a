#pragma once
/// @file
/// One run's runtime::LoadRun on its own thread, so the agent's loop keeps talking to the
/// coordinator (heartbeats, stop, rebalance, the dead-man switch) while load runs. The run's
/// per-second intervals and its end are queued and announced through `wake` (uv_async_send on the
/// agent's loop); the loop thread collects them with TakeEvents().

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/runtime/load_run.hpp"

namespace lse::agent {

struct LoadEvent {
    enum class Kind : std::uint8_t { kInterval, kDone, kCount };
    Kind kind = Kind::kInterval;
    metrics::Snapshot snapshot;  ///< kInterval: that second; kDone: the run's cumulative total
    std::string error;           ///< kDone: why the run could not run (empty when it did)
};

class LoadThread {
public:
    explicit LoadThread(std::function<void()> wake) : wake_(std::move(wake)) {}
    ~LoadThread();  ///< Aborts and joins a run still going: no load outlives its owner.
    LoadThread(const LoadThread&) = delete;
    LoadThread& operator=(const LoadThread&) = delete;

    /// Starts the run; load begins at start_at_ns (local monotonic clock; 0 = at once).
    void Start(std::vector<runtime::Workload> workloads, http::ClientOptions client, std::int64_t start_at_ns);
    void RequestStop(bool abort);
    void Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns);

    bool Active() const noexcept { return thread_.joinable(); }
    /// Events queued since the last call, oldest first.
    std::vector<LoadEvent> TakeEvents();
    /// Waits for the thread (call after kDone arrived, or after RequestStop(true) to wait it out).
    void Join();

private:
    void Push(LoadEvent event);

    std::function<void()> wake_;
    std::unique_ptr<runtime::LoadRun> run_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<LoadEvent> events_;
};

}  // namespace lse::agent
