#pragma once
/// @file
/// The one interface through which a worker runs virtual users, whatever they
/// execute: a native request (wrk-like URL mode), a replayed plan (agents), or a
/// Lua task (scenarios). Pacing (open model) and looping (closed model) live once,
/// in Worker; a runner only knows how to run one iteration on one virtual user.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lse::http {
class Client;
}

namespace lse::runtime {

class MetricsRecorder;

/// Told when a virtual user finishes an iteration (successfully or not).
class IterationListener {
public:
    virtual ~IterationListener() = default;
    virtual void OnIterationDone(int vu) noexcept = 0;
};

class IterationRunner {
public:
    virtual ~IterationRunner() = default;

    /// Virtual users this runner owns on this worker.
    virtual int VuserCount() const noexcept = 0;

    /// Starts one iteration. vu >= 0 runs it on that virtual user (closed model); vu < 0 picks any idle
    /// one (open model). intended_ns is the absolute monotonic time the iteration should have started:
    /// response times are measured from it, so a late start shows up in the latency, never hides.
    /// Returns false, with no side effects, when no suitable virtual user is idle: the caller keeps the
    /// arrival waiting (or counts it dropped, see LoadSpec::max_wait_ns). Never throws, never calls the
    /// listener re-entrantly.
    virtual bool TryStart(int vu, std::int64_t intended_ns) noexcept = 0;

    /// Iterations in flight.
    virtual int Busy() const noexcept = 0;

    /// Cancels what is in flight; each cancelled iteration still reports to the listener.
    virtual void Abort() noexcept = 0;

    /// Releases loop resources; `done` runs once everything is closed.
    virtual void Close(std::function<void()> done) = 0;

    /// Outcome of the per-virtual-user lifecycle hooks.
    struct PhaseResult {
        bool ok = true;     ///< false: the run cannot go on (e.g. on_start failed for every virtual user)
        std::string error;  ///< why, for the user: file:line and traceback for script errors
    };
    using PhaseDone = std::function<void(PhaseResult)>;

    /// Before load starts: get virtual users ready (Lua: run on_start for each, with bounded
    /// concurrency). `done` runs on the loop thread. Abort() cuts it short.
    virtual void Prepare(PhaseDone done) { done(PhaseResult{}); }

    /// After load has drained (Busy() == 0): wind virtual users down (Lua: on_stop for each
    /// prepared one). `done` runs on the loop thread. Abort() cuts it short.
    virtual void Finish(PhaseDone done) { done(PhaseResult{}); }
};

/// What a runner gets from the worker that hosts it. Everything is loop-thread only.
struct WorkerContext {
    uv_loop_t* loop = nullptr;
    http::Client* client = nullptr;
    MetricsRecorder* recorder = nullptr;
    IterationListener* listener = nullptr;
    int worker_index = 0;
    int worker_count = 1;
    int vusers = 0;  ///< virtual users this worker must host
    bool open_model = false;  ///< open model: iterations start on idle virtual users (TryStart(-1, ...))
};

using RunnerFactory = std::function<std::unique_ptr<IterationRunner>(const WorkerContext&)>;

}  // namespace lse::runtime
