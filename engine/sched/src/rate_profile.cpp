#include "lse/sched/rate_profile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"

namespace lse::sched {
namespace {

constexpr double kNsPerSecD = static_cast<double>(kNsPerSec);

void CheckRate(double rps, const std::string& what) {
    if (!std::isfinite(rps) || rps < 0.0 || rps > kMaxRps) {
        throw UsageError(what + ": rate must be a number from 0 to 10M per second (got " + std::to_string(rps) + ")");
    }
}

// Arrivals within a linear segment during its first dt_ns.
double SegmentArrivals(double r0, double r1, std::int64_t length_ns, std::int64_t dt_ns) {
    const double dt_s = static_cast<double>(dt_ns) / kNsPerSecD;
    const double slope = (r1 - r0) / (static_cast<double>(length_ns) / kNsPerSecD);  // rps per second
    return dt_s * (r0 + 0.5 * slope * dt_s);
}

}  // namespace

RateProfile::RateProfile(double start_rps, std::vector<Stage> stages)
    : start_rps_(start_rps), stages_(std::move(stages)) {
    CheckRate(start_rps_, "load profile start");
    if (stages_.empty()) {
        throw UsageError("load profile: at least one stage is required");
    }
    segments_.reserve(stages_.size());
    double rate = start_rps_;
    double arrivals = 0.0;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const Stage& stage = stages_[i];
        const std::string what = "load profile stage " + std::to_string(i + 1);
        CheckRate(stage.target_rps, what);
        if (stage.duration_ns <= 0) {
            throw UsageError(what + ": duration must be positive (got " + std::to_string(stage.duration_ns) + "ns)");
        }
        if (stage.duration_ns > std::numeric_limits<std::int64_t>::max() - total_ns_) {
            throw UsageError(what + ": total duration overflows");
        }
        Segment seg;
        seg.begin_ns = total_ns_;
        seg.end_ns = total_ns_ + stage.duration_ns;
        seg.begin_rps = rate;
        seg.end_rps = stage.target_rps;
        seg.arrivals_before = arrivals;
        arrivals += SegmentArrivals(rate, stage.target_rps, stage.duration_ns, stage.duration_ns);
        seg.arrivals_after = arrivals;
        segments_.push_back(seg);
        total_ns_ = seg.end_ns;
        rate = stage.target_rps;
    }
    total_arrivals_ = arrivals;
}

RateProfile RateProfile::Constant(double rps, std::int64_t duration_ns) {
    return RateProfile(rps, {Stage{duration_ns, rps}});
}

RateProfile RateProfile::RampThenHold(double rps, std::int64_t ramp_ns, std::int64_t duration_ns) {
    if (ramp_ns < 0) {
        throw UsageError("load profile: ramp-up must not be negative");
    }
    if (ramp_ns > duration_ns) {
        throw UsageError("load profile: ramp-up (" + std::to_string(ramp_ns) + "ns) is longer than the duration (" +
                         std::to_string(duration_ns) + "ns), which includes it");
    }
    if (ramp_ns == 0) {
        return Constant(rps, duration_ns);
    }
    if (ramp_ns == duration_ns) {
        return RateProfile(0.0, {Stage{ramp_ns, rps}});
    }
    return RateProfile(0.0, {Stage{ramp_ns, rps}, Stage{duration_ns - ramp_ns, rps}});
}

std::size_t RateProfile::SegmentAt(std::int64_t t_ns) const noexcept {
    // First segment whose end is after t.
    auto it = std::upper_bound(segments_.begin(), segments_.end(), t_ns,
                               [](std::int64_t t, const Segment& s) { return t < s.end_ns; });
    if (it == segments_.end()) {
        return segments_.size() - 1;
    }
    return static_cast<std::size_t>(it - segments_.begin());
}

double RateProfile::RateAt(std::int64_t t_ns) const noexcept {
    if (t_ns < 0 || t_ns >= total_ns_) {
        return 0.0;
    }
    const Segment& s = segments_[SegmentAt(t_ns)];
    const double frac = static_cast<double>(t_ns - s.begin_ns) / static_cast<double>(s.end_ns - s.begin_ns);
    return s.begin_rps + (s.end_rps - s.begin_rps) * frac;
}

double RateProfile::ArrivalsBy(std::int64_t t_ns) const noexcept {
    if (t_ns <= 0) {
        return 0.0;
    }
    if (t_ns >= total_ns_) {
        return total_arrivals_;
    }
    const Segment& s = segments_[SegmentAt(t_ns)];
    return s.arrivals_before + SegmentArrivals(s.begin_rps, s.end_rps, s.end_ns - s.begin_ns, t_ns - s.begin_ns);
}

std::int64_t RateProfile::TimeOfArrival(double n) const noexcept {
    if (std::isnan(n) || n > total_arrivals_) {
        return -1;
    }
    if (n <= 0.0) {
        return 0;
    }
    // First segment that reaches n; zero-rate segments have arrivals_after == arrivals_before and
    // are passed over unless n is exactly at their start, where the earlier segment matches first.
    auto it = std::lower_bound(segments_.begin(), segments_.end(), n,
                               [](const Segment& s, double v) { return s.arrivals_after < v; });
    if (it == segments_.end()) {
        it = segments_.end() - 1;  // n == total up to rounding
    }
    const Segment& s = *it;
    const double length_s = static_cast<double>(s.end_ns - s.begin_ns) / kNsPerSecD;
    const double slope = (s.end_rps - s.begin_rps) / length_s;
    const double m = std::max(0.0, n - s.arrivals_before);
    // Solve 0.5*slope*x^2 + r0*x = m for x >= 0. The form 2m / (r0 + sqrt(r0^2 + 2*slope*m)) avoids
    // cancellation and needs no special case for slope == 0 or r0 == 0 (unless both, then m == 0).
    const double disc = std::max(0.0, s.begin_rps * s.begin_rps + 2.0 * slope * m);
    const double denom = s.begin_rps + std::sqrt(disc);
    double x_s = denom > 0.0 ? (2.0 * m) / denom : 0.0;
    x_s = std::clamp(x_s, 0.0, length_s);
    const std::int64_t t = s.begin_ns + std::llround(x_s * kNsPerSecD);
    return std::min(t, s.end_ns);
}

}  // namespace lse::sched
