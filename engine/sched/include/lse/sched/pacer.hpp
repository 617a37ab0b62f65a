#pragma once
/// @file
/// The coordinated-omission-aware gate between the arrival schedule and the event loop.
///
/// Contract with the driver (the runtime's libuv timer):
///   * Arm a timer for NextDueNs(); when it fires call TakeDue(now, slack, ...).
///   * Every arrival TakeDue returns carries its ORIGINAL intended absolute time, however late the
///     call is. After a stall (GC pause, blocked loop, slow agent) all overdue arrivals come back at
///     once; none is skipped or shifted.
///   * For each returned arrival the driver either starts it now, measuring latency from the
///     intended time (so queueing delay shows up in the percentiles instead of being omitted), or,
///     when no connection / virtual user is free, counts it as DROPPED. It never delays an arrival
///     silently, and it may not push one back into the pacer.
///   * An arrival is never returned more than slack_ns before its intended time; slack lets one
///     timer wake-up take a burst of near-simultaneous arrivals at high rates.
///   * The driver may pass an earlier now_ns than the clock's to take less: the runtime passes
///     CatchUpGate's horizon, so after a stall the backlog is taken paced, not at once.
/// No clock is read here: the caller passes now_ns, so tests use computed times.

#include <cstddef>
#include <cstdint>

#include "lse/sched/arrival_schedule.hpp"

namespace lse::sched {

class Pacer {
public:
    /// start_ns: absolute monotonic time of offset 0 of the run. schedule must outlive the Pacer;
    /// the pacer keeps no copy of it, so Reshard on the schedule takes effect immediately.
    Pacer(ArrivalSchedule* schedule, std::int64_t start_ns) noexcept;

    /// Writes up to max arrivals whose intended absolute time is <= now_ns + slack_ns into out
    /// (intended absolute ns, in order) and returns how many. A negative slack counts as 0.
    std::size_t TakeDue(std::int64_t now_ns, std::int64_t slack_ns, std::int64_t* out, std::size_t max) noexcept;

    /// Absolute ns of the next arrival, or -1 when done (to arm a timer precisely).
    std::int64_t NextDueNs() const noexcept;

    bool Done() const noexcept;

    std::int64_t start_ns() const noexcept { return start_ns_; }

private:
    ArrivalSchedule* schedule_;
    std::int64_t start_ns_;
};

}  // namespace lse::sched
