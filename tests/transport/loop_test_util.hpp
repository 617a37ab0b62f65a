#pragma once
/// @file
/// Test helpers: drive a libuv loop until a condition holds, with a bound instead of a fixed sleep.

#include <uv.h>

#include <chrono>
#include <functional>

#include "lse/uv/close.hpp"

namespace lse::transport::testing {

/// Runs `loop` until `done()` is true or `timeout_ms` passes; returns done(). A 5 ms ticker keeps
/// UV_RUN_ONCE from blocking forever while the interesting work happens on nats.c threads.
inline bool RunUntil(uv_loop_t* loop, const std::function<bool()>& done, int timeout_ms = 5000) {
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 5, 5);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool ok = done();
    while (!ok && std::chrono::steady_clock::now() < deadline) {
        uv_run(loop, UV_RUN_ONCE);
        ok = done();
    }
    uv::Close(&tick);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}

/// A loop that checks on destruction that every handle was released.
class TestLoop {
public:
    TestLoop() { uv_loop_init(&loop_); }
    ~TestLoop() {
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }
    uv_loop_t* get() { return &loop_; }
    /// Runs what is left and closes the loop; 0 means no handle was leaked.
    int RunAndClose() {
        uv_run(&loop_, UV_RUN_DEFAULT);
        return uv_loop_close(&loop_);
    }

private:
    uv_loop_t loop_;
};

}  // namespace lse::transport::testing
