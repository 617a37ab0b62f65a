#include "lse/sched/catch_up_gate.hpp"

#include <algorithm>

namespace lse::sched {

CatchUpGate::CatchUpGate(std::int64_t factor, std::int64_t after_ns) noexcept
    : factor_(std::max<std::int64_t>(factor, 2)), after_ns_(std::max<std::int64_t>(after_ns, 0)) {}

std::int64_t CatchUpGate::Horizon(std::int64_t now_ns, std::int64_t next_due_ns,
                                  std::int64_t overdue_limit_ns) noexcept {
    if (!catching_up_) {
        if (next_due_ns < 0 || now_ns - next_due_ns <= after_ns_) return now_ns;  // on time, or only jitter late
        // Behind: replay the overdue schedule from its oldest arrival on, factor times as fast as real time.
        catching_up_ = true;
        pos_ = next_due_ns;
        wall_ = now_ns;
        planned_wake_ = now_ns;
    } else {
        if (next_due_ns < 0 || next_due_ns >= now_ns) {  // nothing overdue any more (the rest is in the future)
            catching_up_ = false;
            return now_ns;
        }
        // Progress only for the time the driver was responsive: a look later than the wake-up it planned (+ a
        // timer's latency) means it stalled again, and a stall adds lag; counting it as progress would let out
        // factor x its length of arrivals at once.
        const std::int64_t responsive_until = std::max(planned_wake_, wall_) + kWakeLatencyNs;
        const std::int64_t dt = std::min(now_ns, responsive_until) - wall_;
        if (dt > 0) pos_ += factor_ * dt;
        wall_ = std::max(wall_, now_ns);
    }
    // Never older than the limit: what lies before now - limit is too late to start (the driver drops it).
    const std::int64_t oldest = now_ns - std::max<std::int64_t>(overdue_limit_ns, 0);
    if (pos_ < oldest) pos_ = oldest;
    if (pos_ >= now_ns) {  // caught up
        catching_up_ = false;
        return now_ns;
    }
    return pos_;
}

std::int64_t CatchUpGate::WakeAtNs(std::int64_t next_due_ns) noexcept {
    if (!catching_up_ || next_due_ns < 0) return next_due_ns;
    if (next_due_ns >= wall_) {
        // Not overdue (a gap in the schedule, or a reshard took the rest): nothing is left to catch up, so it is
        // taken at its intended time (Horizon then ends the catch-up), not when the replay would reach it.
        planned_wake_ = next_due_ns;
        return planned_wake_;
    }
    // Rounded up, so the position has reached the arrival when the timer fires.
    const std::int64_t ahead = next_due_ns - pos_;
    planned_wake_ = wall_ + (ahead > 0 ? (ahead + factor_ - 1) / factor_ : 0);
    return planned_wake_;
}

void CatchUpGate::Reset() noexcept { catching_up_ = false; }

}  // namespace lse::sched
