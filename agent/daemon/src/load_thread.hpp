#pragma once
/// @file
/// One run's runtime::LoadRun on its own thread, so the agent's loop keeps talking to the
/// coordinator (heartbeats, stop, rebalance, the dead-man switch) while load runs. The run's
/// per-second intervals and its end are queued and announced through `wake` (uv_async_send on the
/// agent's loop); the loop thread collects them with TakeEvents().
///
/// Beside the main run (the Assignment's virtual users) there may be supplementary runs: virtual users a
/// Rebalance moved here from a lost agent (closed model: they loop here; open model: they serve the part of this
/// agent's arrivals that came with them). Each is its own LoadRun on its own thread;
/// their intervals are queued like the main run's, and the single kDone event comes only once every run
/// has ended, carrying the sum of all their totals, so the agent sends one final total covering all of them.
/// RequestStop, Join and the destructor cover every run: no load of any of them outlives the main run.

#include <atomic>
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
    metrics::Snapshot snapshot;  ///< kInterval: that second (of one run); kDone: every run's cumulative total
    std::string error;           ///< kDone: why the run could not run (empty when it did)
};

class LoadThread {
public:
    explicit LoadThread(std::function<void()> wake) : wake_(std::move(wake)) {}
    ~LoadThread();  ///< Aborts and joins every run still going: no load outlives its owner.
    LoadThread(const LoadThread&) = delete;
    LoadThread& operator=(const LoadThread&) = delete;

    /// Starts the main run; load begins at start_at_ns (local monotonic clock; 0 = at once).
    void Start(std::vector<runtime::Workload> workloads, http::ClientOptions client, std::int64_t start_at_ns);
    /// Stops every run (main and supplementary).
    void RequestStop(bool abort);
    /// Every run starts no arrival or iteration once the monotonic clock is past until_ns, until renewed
    /// (runtime::RunOptions::send_lease_ns). Not called: no lease.
    void SetSendLease(std::int64_t until_ns) noexcept { send_lease_ns_.store(until_ns, std::memory_order_release); }
    /// Moves the main run's arrival slice (open model).
    void Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns);

    /// Starts a supplementary run of `workloads` at start_at_ns beside the main run; the previous supplementary
    /// run, if any, is stopped first (drain: in-flight iterations finish, no new ones start). False, and nothing
    /// starts, when the main run has ended (or was never started) or a stop was requested.
    bool StartSupplementary(std::vector<runtime::Workload> workloads, std::int64_t start_at_ns);
    /// Drains the current supplementary run, if any (its virtual users went back to their agent).
    void StopSupplementary();
    /// Open model: starts a supplementary run of `workloads` beside the main run and returns its id (-1, and nothing
    /// starts, when the main run has ended or a stop was requested). Its workloads own no arrival until given a
    /// slice with ReshardSupplementary (start_at_ns is the main run's start, so its schedule lines up with the
    /// main run's). Unlike StartSupplementary it stops no other run: a superseded one is resharded to an empty
    /// slice from the Rebalance's instant and stopped after it (StopSupplementaryRun), so no arrival falls between.
    int StartOpenSupplementary(std::vector<runtime::Workload> workloads, std::int64_t start_at_ns);
    /// Moves the arrival slice of workload `workload_index` of supplementary run `run` (an id from
    /// StartOpenSupplementary) from from_ns on, like Reshard for the main run.
    void ReshardSupplementary(int run, size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns);
    /// Drains supplementary run `run` (an id from StartOpenSupplementary).
    void StopSupplementaryRun(int run);
    /// Supplementary runs started since Start (for logs and tests).
    int supplementary_started() const;
    /// When the main run's load begins (start_at_ns of Start, or the time Start was called when that was 0).
    std::int64_t main_start_ns() const noexcept { return main_start_ns_; }

    /// True while any run's thread has not been joined.
    bool Active() const noexcept;
    /// Events queued since the last call, oldest first.
    std::vector<LoadEvent> TakeEvents();
    /// Waits for every thread (call after kDone arrived, or after RequestStop(true) to wait it out).
    void Join();

private:
    struct Run {
        std::unique_ptr<runtime::LoadRun> load;
        std::thread thread;
    };

    void Launch(Run* run, std::vector<runtime::Workload> workloads, http::ClientOptions client,
                std::int64_t start_at_ns, bool main);
    void Ended(bool main, metrics::Snapshot total, const std::string& error);
    void Push(LoadEvent event);

    std::function<void()> wake_;
    std::atomic<std::int64_t> send_lease_ns_{INT64_MAX};
    http::ClientOptions client_;
    std::int64_t main_start_ns_ = 0;
    Run main_;
    std::vector<std::unique_ptr<Run>> extra_;  // supplementary runs; the last is the current one unless stopped

    mutable std::mutex mu_;  // guards everything below, and the LoadRuns' lifetimes against RequestStop
    std::vector<LoadEvent> events_;
    int running_ = 0;          // runs whose thread has not reported its end
    bool main_ended_ = true;   // no main run going: supplementary runs may not start
    bool stop_requested_ = false;
    int current_closed_ = -1;  // index in extra_ of the current closed-model supplementary run, -1 none
    int extra_started_ = 0;
    metrics::Snapshot total_;
    std::string error_;
};

}  // namespace lse::agent
