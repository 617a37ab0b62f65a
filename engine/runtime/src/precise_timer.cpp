#include "lse/runtime/precise_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::runtime {

PreciseTimer::PreciseTimer(uv_loop_t* loop, Callback cb, void* user) : cb_(cb), user_(user) {
    fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd_ < 0) throw SetupError(std::string("timerfd_create failed: ") + std::strerror(errno));
    const int rc = uv_poll_init(loop, &poll_, fd_);
    if (rc != 0) {
        ::close(fd_);
        throw SetupError(std::string("uv_poll_init on timerfd failed: ") + uv_strerror(rc));
    }
    poll_.data = this;
    uv_poll_start(&poll_, UV_READABLE, &PreciseTimer::OnPoll);
    // An idle armed-never timerfd never becomes readable, so an unarmed timer does not keep a
    // loop busy; it does keep it alive, which is what the worker wants until Close().
}

void PreciseTimer::ArmAt(std::int64_t deadline_ns) noexcept {
    if (deadline_ns <= 0) deadline_ns = 1;  // 0 would disarm the timerfd
    itimerspec spec{};
    spec.it_value.tv_sec = deadline_ns / 1'000'000'000;
    spec.it_value.tv_nsec = deadline_ns % 1'000'000'000;
    timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void PreciseTimer::Disarm() noexcept {
    itimerspec spec{};
    timerfd_settime(fd_, 0, &spec, nullptr);
}

void PreciseTimer::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<PreciseTimer*>(handle->data);
    std::uint64_t expirations;
    // Drain the expiration count; EAGAIN means a re-arm raced the wake-up, which is harmless.
    while (::read(self->fd_, &expirations, sizeof expirations) > 0) {
    }
    if (status < 0) return;
    self->cb_(self->user_);
}

void PreciseTimer::Close(void (*on_closed)(void*), void* user) noexcept {
    on_closed_ = on_closed;
    on_closed_user_ = user;
    uv_poll_stop(&poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &PreciseTimer::OnClosed);
}

void PreciseTimer::OnClosed(uv_handle_t* handle) {
    auto* self = static_cast<PreciseTimer*>(handle->data);
    ::close(self->fd_);
    self->fd_ = -1;
    if (self->on_closed_) self->on_closed_(self->on_closed_user_);
}

}  // namespace lse::runtime
