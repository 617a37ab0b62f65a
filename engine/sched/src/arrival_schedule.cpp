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
    const ShardPattern* pattern = &pattern_;
    size_t i = 0;
    while (i < pending_.size() && pending_[i].first <= k) pattern = &pending_[i++].second;
    for (;;) {
        // `pattern` owns [k, limit).
        const std::int64_t limit = i < pending_.size() ? pending_[i].first : global_count_ + 1;
        const std::int64_t owned = k <= global_count_ ? pattern->NextOwned(k) : -1;
        if (owned >= 0 && owned < limit && owned <= global_count_) {
            next_k_ = owned;
            next_ns_ = IntendedNs(owned);
            return;
        }
        if (i >= pending_.size()) {
            next_k_ = -1;
            next_ns_ = -1;
            return;
        }
        k = pending_[i].first;
        pattern = &pending_[i++].second;
    }
}

std::int64_t ArrivalSchedule::RemainingFromNext() const noexcept {
    if (next_k_ < 0) return 0;
    std::int64_t total = 0;
    std::int64_t from = next_k_;
    const ShardPattern* pattern = &pattern_;
    size_t i = 0;
    while (i < pending_.size() && pending_[i].first <= from) pattern = &pending_[i++].second;
    for (;;) {
        const std::int64_t to = i < pending_.size() ? pending_[i].first - 1 : global_count_;  // inclusive
        if (to >= from) total += pattern->CountUpTo(to) - pattern->CountUpTo(from - 1);
        if (i >= pending_.size()) return total;
        from = pending_[i].first;
        pattern = &pending_[i++].second;
    }
}

bool ArrivalSchedule::Next(std::int64_t* intended_ns) noexcept {
    if (next_k_ < 0) {
        return false;
    }
    *intended_ns = next_ns_;
    last_k_ = next_k_;
    ++emitted_;
    while (!pending_.empty() && pending_.front().first <= last_k_) {
        pattern_ = pending_.front().second;
        pending_.erase(pending_.begin());
    }
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
    // Arrivals before `first` keep their owner (the current slice or an earlier pending one), so the
    // switch happens exactly at from_ns on every shard; a pending switch at or after `first` is replaced.
    while (!pending_.empty() && pending_.back().first >= first) pending_.pop_back();
    pending_.emplace_back(first, ShardPattern(new_segment));
    SeekFrom(last_k_ + 1);
    planned_rest_ = RemainingFromNext();
}

}  // namespace lse::sched
