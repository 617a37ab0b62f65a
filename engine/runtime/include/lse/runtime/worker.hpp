#pragma once
/// @file
/// One worker thread: a libuv loop, an HTTP client, a runner with this worker's
/// virtual users, and the pacing that drives them. The open model takes this
/// worker's exact share of the global arrival schedule and starts each arrival at
/// its intended time, or as soon as a virtual user is free (measured from the
/// intended time; dropped after max_wait); the closed model loops each virtual
/// user with think time. At the end, new work stops, in-flight iterations get a
/// grace period, then are cancelled: no load continues past the run.

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "lse/sched/shard.hpp"

namespace lse::runtime {

struct WorkerConfig {
    int index = 0;
    int count = 1;
    LoadSpec spec;                    ///< the whole run's spec; the worker derives its share
    sched::ShardSegment segment = sched::ShardSegment::Whole();  ///< this worker's slice of the global arrivals (open model)
    http::ClientOptions client;
    std::string dropped_name;         ///< stats key dropped arrivals are counted under (not in totals)
    std::function<void()> on_prepared;  ///< worker thread: Prepare() finished (check PrepareFailure())
    std::function<void()> on_finished;  ///< worker thread: the loop has ended
    const std::atomic<std::int64_t>* send_lease_ns = nullptr;  ///< RunOptions::send_lease_ns (null: none)
    /// Closed model with spec.iterations > 0: the iterations not started yet, shared by the workload's workers
    /// (each start takes one; null: no count).
    std::atomic<std::int64_t>* iterations_left = nullptr;
};

class Worker {
public:
    Worker(WorkerConfig config, RunnerFactory factory);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Spawns the thread: it sets up, runs the runner's Prepare() (Lua: on_start), then waits for Go.
    void Start();
    /// Thread-safe: load begins at the absolute monotonic time start_at_ns.
    void Go(std::int64_t start_at_ns) noexcept;
    /// Thread-safe: stop starting iterations now and drain (grace period, then cancel).
    void RequestStop() noexcept;
    /// Thread-safe: cancel in-flight iterations at once.
    void RequestAbort() noexcept;
    /// Thread-safe: from absolute monotonic time from_ns on, take the arrivals of `segment` instead
    /// of the current slice (open model; ignored by the closed model).
    void Reshard(sched::ShardSegment segment, std::int64_t from_ns) noexcept;
    void Join();

    bool Prepared() const noexcept { return prepared_.load(); }
    bool Finished() const noexcept { return finished_.load(); }
    /// Set (before on_prepared) when Prepare reported that the run cannot go on.
    const std::string& PrepareFailure() const noexcept { return prepare_failure_; }
    /// What Finish (Lua: on_stop) reported, if it failed; read after Join().
    const std::string& FinishFailure() const noexcept { return finish_failure_; }
    /// Set when setup on the worker thread failed (rethrown by the caller).
    std::exception_ptr Failure() const { return failure_; }
    MetricsRecorder& Recorder() noexcept { return recorder_; }

private:
    class Loop;  // the state that lives on the worker thread
    void ThreadMain();

    WorkerConfig config_;
    RunnerFactory factory_;
    MetricsRecorder recorder_;
    std::thread thread_;
    std::atomic<bool> prepared_{false};
    std::atomic<bool> finished_{false};
    std::atomic<std::int64_t> start_at_ns_{0};  // 0 until Go
    std::string prepare_failure_;
    std::string finish_failure_;
    std::atomic<int> stop_request_{0};  // 0 none, 1 stop (drain), 2 abort
    std::mutex wake_mu_;           // guards wake_ against the loop closing it while another thread sends
    uv_async_t* wake_ = nullptr;
    // Reshards not applied yet, in the order they were asked for (guarded by wake_mu_). A queue, not one
    // slot: two reshards can arrive before the loop wakes (or before load starts), and both matter.
    std::vector<std::pair<sched::ShardSegment, std::int64_t>> reshards_;
    // reshards_ is not empty: the pacing path applies them before it takes arrivals, without waiting for the
    // wake that carries them (a lock-free look on every pacing wake-up).
    std::atomic<bool> reshards_pending_{false};
    std::exception_ptr failure_;
};

}  // namespace lse::runtime
