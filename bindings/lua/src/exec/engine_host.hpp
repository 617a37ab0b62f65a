#pragma once
/// @file
/// A ScenarioEngine hosted outside a load run, on the calling thread: a private uv loop, http::Client and
/// engine, running one phase at a time, and the one shutdown order that leaves nothing on the loop. Shared by
/// lifecycle.cpp (setup/teardown hooks, --dry-run) and plan_capture.cpp (a distributed run's on_start,
/// capture and on_stop).

#include <uv.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {

class EngineHost {
public:
    /// `config` as the engine should see it (capture sink included); `recorder` must outlive the host;
    /// `listener` receives the engine's events and must call RunDone() from its OnRunDone. The engine prints
    /// no errors (callers return them). Throws what ScenarioEngine throws, with everything released.
    EngineHost(const LuaRunConfig& config, runtime::MetricsRecorder* recorder, EngineListener* listener);
    ~EngineHost();  ///< Shutdown(), then releases the engine, client and loop.
    EngineHost(const EngineHost&) = delete;
    EngineHost& operator=(const EngineHost&) = delete;

    ScenarioEngine& Engine() { return *engine_; }

    /// The listener's OnRunDone calls this: one started run is over.
    void RunDone() noexcept { --running_; }
    /// The same, naming the virtual user: RunStream hands it back to its `finished`.
    void RunDone(Vu& vu) noexcept {
        --running_;
        if (streaming_) finished_.push_back(&vu);  // reserved: at most one entry per slot
    }

    /// Starts `phase` (task index `task` for Phase::kTask, else -1) on `vu`; turns the loop until it is done.
    void RunOne(Vu& vu, Phase phase, int task);

    /// Runs `phase` for every virtual user accepted by `eligible`, `concurrency` (at least 1) at a time.
    /// With `cancelled`, it is polled at least every kWakeMs (a Ctrl-C flag): once it says true no user starts,
    /// the running ones are aborted (each ends cancelled, so it is not prepared) and false is returned at once,
    /// instead of after every user's hook. The engine takes new runs again afterwards (on_stop).
    template <typename Eligible>
    bool RunAll(Phase phase, int concurrency, Eligible eligible, const std::function<bool()>& cancelled = {}) {
        if (cancelled) StartWake();
        int next = 0;
        const int n = engine_->VuCount();
        bool stopped = false;
        while (next < n || running_ > 0) {
            if (!stopped && cancelled && cancelled()) {
                stopped = true;
                next = n;
                engine_->Abort();
                continue;
            }
            while (running_ < std::max(1, concurrency) && next < n) {
                Vu& vu = engine_->VuAt(next++);
                if (!eligible(vu)) continue;
                ++running_;
                engine_->Start(vu, phase, -1, 0);
            }
            if (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
        }
        if (cancelled) StopWake();
        if (stopped) engine_->Resume();
        return !stopped;
    }

    /// Streams `users` virtual users through at most `concurrency` (at least 1) engine slots, so the engine holds
    /// a few Vus and not one per user: `assign(Vu&)` hands a free slot its next user (ScenarioEngine::ReassignVu) and
    /// says false when there is none left; `phase` runs on it; `finished(Vu&)` gets the slot back once that run
    /// is over, outside the engine's callbacks, so it may run more on it at once (RunSync) and release what the
    /// user no longer needs, before the slot takes the next user. The listener must call RunDone(vu).
    /// `cancelled` as in RunAll: the running users are aborted, still go through `finished` (not prepared), and
    /// false is returned.
    template <typename Assign, typename Finished>
    bool RunStream(Phase phase, int concurrency, int users, Assign assign, Finished finished,
                   const std::function<bool()>& cancelled = {}) {
        const int slots = std::max(1, std::min(concurrency, users));
        while (engine_->VuCount() < slots) engine_->AddVu(0);  // a self table ReassignVu replaces
        std::vector<Vu*> free;
        free.reserve(static_cast<std::size_t>(engine_->VuCount()));
        for (int i = engine_->VuCount() - 1; i >= 0; --i) free.push_back(&engine_->VuAt(i));
        finished_.clear();
        finished_.reserve(free.size());
        streaming_ = true;
        if (cancelled) StartWake();
        bool more = true;
        bool stopped = false;
        while (true) {
            if (!stopped && cancelled && cancelled()) {
                stopped = true;
                more = false;
                engine_->Abort();
            }
            while (!finished_.empty()) {
                Vu* vu = finished_.back();
                finished_.pop_back();
                finished(*vu);
                free.push_back(vu);
            }
            while (more && !free.empty()) {
                if (!assign(*free.back())) {
                    more = false;
                    break;
                }
                Vu* vu = free.back();
                free.pop_back();
                ++running_;
                engine_->Start(*vu, phase, -1, 0);  // may end at once: then it is in finished_ already
            }
            if (!finished_.empty()) continue;
            if (running_ == 0) break;
            uv_run(&loop_, UV_RUN_ONCE);
        }
        streaming_ = false;
        if (cancelled) StopWake();
        if (stopped) engine_->Resume();
        return !stopped;
    }

    /// Inside RunStream's `finished`: runs `phase` (task index `task`) on `vu` when it never yields (a
    /// capture-mode task); false if it did not end at once (it is still running: a caller's internal error).
    bool RunSync(Vu& vu, Phase phase, int task) {
        const bool streaming = streaming_;
        streaming_ = false;
        ++running_;
        engine_->Start(vu, phase, task, 0);
        streaming_ = streaming;
        return !vu.busy;
    }

    /// Gives the engine a new client and closes the old one: after the loop sat idle (a whole distributed
    /// run), the server may have closed the pooled keep-alive connections, and a POST must not meet one.
    void FreshClient();

    /// Aborts what runs, closes the engine and the client and turns the loop until both are closed. The
    /// engine object lives on until destruction, so what refers to it can be released in between. Idempotent.
    void Shutdown() noexcept;

private:
    static constexpr int kWakeMs = 20;
    void StartWake();  // a repeating no-op timer: uv_run(ONCE) returns often enough to poll `cancelled`
    void StopWake() noexcept;
    std::unique_ptr<http::Client> NewClient();
    void Release() noexcept;

    http::ClientOptions client_options_;  // LuaRunConfig::client with its request_timeout_ns
    uv_loop_t loop_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<ScenarioEngine> engine_;
    int running_ = 0;
    bool streaming_ = false;     // RunStream: RunDone(vu) queues the slot in finished_
    std::vector<Vu*> finished_;  // slots whose run ended, for RunStream's `finished`
    bool shut_down_ = false;
    uv_timer_t wake_{};
};

}  // namespace lse::lua
