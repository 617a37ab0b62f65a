#pragma once
/// @file
/// A one-shot timer with nanosecond resolution on a libuv loop.
///
/// uv_timer_t has millisecond resolution, which turns an even 20 µs arrival
/// spacing into 1 ms bursts. PreciseTimer arms a Linux timerfd at an absolute
/// CLOCK_MONOTONIC deadline and watches it with uv_poll_t, so the kernel's
/// high-resolution timers wake the loop when the next arrival is due.

#include <uv.h>

#include <cstdint>

namespace lse::runtime {

class PreciseTimer {
public:
    using Callback = void (*)(void* user);

    /// Throws lse::SetupError if the timerfd cannot be created.
    PreciseTimer(uv_loop_t* loop, Callback cb, void* user);
    PreciseTimer(const PreciseTimer&) = delete;
    PreciseTimer& operator=(const PreciseTimer&) = delete;

    /// Fires once at the absolute CLOCK_MONOTONIC time deadline_ns (immediately if it is past).
    void ArmAt(std::int64_t deadline_ns) noexcept;
    void Disarm() noexcept;

    /// Closes the handle; `on_closed(user)` runs from the loop once it is safe to free this object.
    void Close(void (*on_closed)(void*), void* user) noexcept;

private:
    static void OnPoll(uv_poll_t* handle, int status, int events);
    static void OnClosed(uv_handle_t* handle);

    uv_poll_t poll_;
    int fd_ = -1;
    Callback cb_;
    void* user_;
    void (*on_closed_)(void*) = nullptr;
    void* on_closed_user_ = nullptr;
};

}  // namespace lse::runtime
