#include "lse/sched/arrival_schedule.hpp"

#include <cmath>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::sched {
namespace {

// Largest k with k - 0.5 < total.
std::int64_t GlobalCountFor(double total) noexcept {
    if (!(total > 0.5)) {
        return 0;
    }
    return static_cast<std::int64_t>(std::ceil(total + 0.5)) - 1;
}

}  // namespace

ArrivalSchedule::ArrivalSchedule(const RateProfile& profile, ShardSegment segment)
    : profile_(profile), pattern_(segment), global_count_(GlobalCountFor(profile.TotalArrivals())) {
    SeekFrom(1);
    planned_rest_ = RemainingFromNext();
}

std::int64_t ArrivalSchedule::IntendedNs(std::int64_t k) const noexcept {
    return profile_.TimeOfArrival(static_cast<double>(k) - 0.5);
}

void ArrivalSchedule::SeekFrom(std::int64_t k) noexcept {
    if (next_pattern_) {
        const std::int64_t old_owned = k <= global_count_ ? pattern_.NextOwned(k) : -1;
        if (old_owned >= 0 && old_owned < switch_k_ && old_owned <= global_count_) {
            next_k_ = old_owned;
            next_ns_ = IntendedNs(old_owned);
            return;
        }
        // Past the switch point: the new slice owns from here on.
        pattern_ = *next_pattern_;
        next_pattern_.reset();
        if (k < switch_k_) k = switch_k_;
    }
    const std::int64_t owned = k <= global_count_ ? pattern_.NextOwned(k) : -1;
    if (owned < 0 || owned > global_count_) {
        next_k_ = -1;
        next_ns_ = -1;
        return;
    }
    next_k_ = owned;
    next_ns_ = IntendedNs(owned);
}

std::int64_t ArrivalSchedule::RemainingFromNext() const noexcept {
    if (next_k_ < 0) return 0;
    if (next_pattern_) {
        const std::int64_t before = pattern_.CountUpTo(switch_k_ - 1) - pattern_.CountUpTo(next_k_ - 1);
        const std::int64_t after = next_pattern_->CountUpTo(global_count_) - next_pattern_->CountUpTo(switch_k_ - 1);
        return before + after;
    }
    return pattern_.CountUpTo(global_count_) - pattern_.CountUpTo(next_k_ - 1);
}

bool ArrivalSchedule::Next(std::int64_t* intended_ns) noexcept {
    if (next_k_ < 0) {
        return false;
    }
    *intended_ns = next_ns_;
    last_k_ = next_k_;
    ++emitted_;
    --planned_rest_;
    SeekFrom(next_k_ + 1);
    return true;
}

bool ArrivalSchedule::Peek(std::int64_t* intended_ns) const noexcept {
    if (next_k_ < 0) {
        return false;
    }
    *intended_ns = next_ns_;
    return true;
}

std::int64_t ArrivalSchedule::PlannedCount() const noexcept { return emitted_ + planned_rest_; }

std::int64_t ArrivalSchedule::FirstGlobalIndexAtOrAfter(std::int64_t from_ns) const noexcept {
    // Intended times are non-decreasing in k, so binary search [1, N + 1].
    std::int64_t lo = 1;
    std::int64_t hi = global_count_ + 1;
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (IntendedNs(mid) >= from_ns) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

void ArrivalSchedule::Reshard(ShardSegment new_segment, std::int64_t from_ns) {
    new_segment.Validate();
    const std::int64_t first = FirstGlobalIndexAtOrAfter(from_ns);
    if (last_k_ >= first) {
        throw UsageError("reshard at " + std::to_string(from_ns) +
                         "ns is too late: this shard already started global arrival " + std::to_string(last_k_) +
                         " intended at or after it");
    }
    // Arrivals before `first` keep their current owner (this shard's current slice, or a pending
    // one's), so the switch happens exactly at from_ns on every shard.
    if (next_pattern_) {
        if (first <= switch_k_) {
            next_pattern_.reset();  // the new reshard overrides the pending one entirely
        } else {
            pattern_ = *next_pattern_;  // (approximation) the pending switch is folded in early
            next_pattern_.reset();
        }
    }
    next_pattern_ = ShardPattern(new_segment);
    switch_k_ = first;
    SeekFrom(last_k_ + 1);
    planned_rest_ = RemainingFromNext();
}

}  // namespace lse::sched
