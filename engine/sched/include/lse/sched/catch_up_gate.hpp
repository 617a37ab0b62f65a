#pragma once
/// @file
/// Paces the catch-up of an open-model schedule after a stall, so overdue arrivals never go out as one burst.
///
/// Why: a worker whose loop stalled (a frozen process, a SIGSTOP'd agent, a blocked callback, an agent holding
/// until its send lease is renewed) wakes up with every arrival of the stall overdue. Pacer hands them all back
/// at once; started at once, a 5 s freeze at 100/s would hit the target with 500 requests in one instant, load
/// the plan never asked for (issue 12 item 2). Instead the gate replays the overdue part of the schedule faster
/// than real time, but only `factor` times faster, until it meets the present.
///
/// The model, all in absolute intended time ("schedule time") so it holds for any profile shape (ramps, stages):
///   * On time: the oldest arrival not taken yet is at most after_ns late (ordinary timer jitter or a busy
///     loop): everything due may be taken now, as Pacer's contract says.
///   * Catching up: entered when the oldest arrival not taken is more than after_ns late. A virtual schedule
///     position starts at that arrival's intended time and advances `factor` times as fast as the real clock;
///     only arrivals at or before it may be taken. The backlog thus drains at (factor - 1) x the planned rate on
///     top of it, and the arrivals are started at most at factor x the planned rate. When the position reaches
///     now (or nothing is overdue any more), back on time.
///   * Never older than overdue_limit: the position never falls more than overdue_limit behind now (the
///     driver's max_wait: how late an arrival may still start). When it would, it jumps to now - overdue_limit;
///     the arrivals before that are the driver's to drop and count at once. So a stall shorter than the limit
///     loses nothing and drains at factor x; a longer one drops its oldest part at once and paces the rest.
///   * A stall while catching up adds lag, not progress: the position advances only for the time the driver
///     was responsive, i.e. up to the wake-up it planned (WakeAtNs) plus a timer's latency (kWakeLatencyNs).
/// Intended times are never shifted: the driver still measures latency from each arrival's original time.
/// No clock is read here: the caller passes now_ns, so tests use computed times.

#include <cstdint>

namespace lse::sched {

class CatchUpGate {
public:
    /// Overdue arrivals are started at most at this multiple of the planned rate.
    static constexpr std::int64_t kDefaultFactor = 2;
    /// Lateness up to this much is timer jitter, not a stall: arrivals are taken as they come.
    static constexpr std::int64_t kDefaultAfterNs = 50'000'000;
    /// While catching up, a wake-up up to this much later than planned still counts as progress (a timer's
    /// latency, so the drain keeps its speed); later than that it was a stall.
    static constexpr std::int64_t kWakeLatencyNs = 1'000'000;

    /// factor: how many times faster than real time the overdue schedule is replayed (at least 2; less is
    /// taken as 2, since 1 would never catch up). after_ns: lateness that does not start a catch-up.
    explicit CatchUpGate(std::int64_t factor = kDefaultFactor, std::int64_t after_ns = kDefaultAfterNs) noexcept;

    /// How far the schedule may be taken at now_ns: arrivals whose intended time is <= the result (on time it
    /// is now_ns; the driver may add its usual slack then, see CatchingUp()). next_due_ns: intended time of the
    /// oldest arrival not taken yet (-1: none left). overdue_limit_ns: how late an arrival may start (> 0);
    /// the result is never below now_ns - overdue_limit_ns, and what lies before that is to be dropped.
    std::int64_t Horizon(std::int64_t now_ns, std::int64_t next_due_ns, std::int64_t overdue_limit_ns) noexcept;

    /// The real time at which next_due_ns (the oldest arrival not taken, after a Horizon) may be taken: when
    /// catching up, when the position will reach it (never before its intended time); on time, next_due_ns.
    /// Remembered as the planned wake-up: a later look than that (+ kWakeLatencyNs) was a stall.
    std::int64_t WakeAtNs(std::int64_t next_due_ns) noexcept;

    /// The driver took nothing for a while on purpose (held: its send lease ran out): forget the catch-up.
    /// When it takes again, catching up starts afresh from the oldest due arrival.
    void Reset() noexcept;

    /// True after a Horizon that found the schedule behind: no slack then.
    bool CatchingUp() const noexcept { return catching_up_; }
    /// The virtual schedule position (absolute intended ns); meaningful while CatchingUp().
    std::int64_t PositionNs() const noexcept { return pos_; }
    std::int64_t factor() const noexcept { return factor_; }

private:
    std::int64_t factor_;
    std::int64_t after_ns_;
    bool catching_up_ = false;
    std::int64_t pos_ = 0;           // schedule position: arrivals at or before it may be taken
    std::int64_t wall_ = 0;          // real time pos_ was last advanced to
    std::int64_t planned_wake_ = 0;  // real time of the wake-up last handed out by WakeAtNs
};

}  // namespace lse::sched
