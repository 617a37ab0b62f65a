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
    bool shut_down_ = false;
    uv_timer_t wake_{};
};

}  // namespace lse::lua
