#pragma once
/// @file
/// The open-model load curve: arrivals per second as a piecewise-linear function of time.
/// Everything here is a pure function of a time offset from the start of the run, so the
/// scheduler can be tested with computed times instead of sleeping.

#include <cstdint>
#include <vector>

namespace lse::sched {

/// The highest arrival rate lsengine accepts, per scenario. Far beyond what one machine (or a large cluster)
/// sends, and low enough that arrival counts and times stay exact in double and int64 arithmetic. Inputs above
/// it are refused where they are read (naming the flag or file:line); RateProfile refuses them as a backstop.
inline constexpr double kMaxRps = 10'000'000.0;

/// One stage of a profile: the rate moves LINEARLY from the previous stage's end rate (or the
/// profile's start rate) to target_rps over duration_ns. A constant stage repeats the previous target.
struct Stage {
    std::int64_t duration_ns = 0;
    double target_rps = 0.0;
    bool operator==(const Stage&) const = default;
};

class RateProfile {
public:
    /// Throws lse::UsageError for an empty stage list, a non-positive duration, a negative,
    /// non-finite or above-kMaxRps rate, or a total duration that overflows int64 nanoseconds.
    RateProfile(double start_rps, std::vector<Stage> stages);

    /// `rps` for `duration_ns`.
    static RateProfile Constant(double rps, std::int64_t duration_ns);

    /// Ramp linearly from 0 to `rps` over `ramp_ns`, then hold `rps`. Like k6/Locust "duration",
    /// `duration_ns` is the WHOLE run and includes the ramp (so the hold lasts duration - ramp).
    /// ramp_ns == 0 means no ramp; ramp_ns > duration_ns is a UsageError.
    static RateProfile RampThenHold(double rps, std::int64_t ramp_ns, std::int64_t duration_ns);

    /// Instantaneous rate at offset t; 0 outside [0, TotalDurationNs()).
    double RateAt(std::int64_t t_ns) const noexcept;

    /// Expected number of arrivals in [0, t]: the exact integral of the rate (piecewise
    /// quadratic). Clamped to [0, TotalArrivals()].
    double ArrivalsBy(std::int64_t t_ns) const noexcept;

    /// Inverse of ArrivalsBy: the earliest offset at which the cumulative count reaches n
    /// (rounded to the nearest ns). Returns 0 for n <= 0 and -1 when n > TotalArrivals().
    /// Zero-rate stages are skipped (the earliest time is returned, never a time inside a gap).
    std::int64_t TimeOfArrival(double n) const noexcept;

    std::int64_t TotalDurationNs() const noexcept { return total_ns_; }
    double TotalArrivals() const noexcept { return total_arrivals_; }
    double start_rps() const noexcept { return start_rps_; }
    const std::vector<Stage>& stages() const noexcept { return stages_; }

private:
    // Precomputed per stage so queries need no summation.
    struct Segment {
        std::int64_t begin_ns;
        std::int64_t end_ns;
        double begin_rps;
        double end_rps;
        double arrivals_before;  // ArrivalsBy(begin_ns)
        double arrivals_after;   // ArrivalsBy(end_ns)
    };

    // Index of the segment containing offset t (0 <= t < total_ns_).
    std::size_t SegmentAt(std::int64_t t_ns) const noexcept;

    double start_rps_;
    std::vector<Stage> stages_;
    std::vector<Segment> segments_;
    std::int64_t total_ns_ = 0;
    double total_arrivals_ = 0.0;
};

}  // namespace lse::sched
