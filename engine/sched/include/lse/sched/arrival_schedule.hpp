#pragma once
/// @file
/// One shard's arrivals of an open-model run, in order, as intended start times.
///
/// Placement: global arrival k (k = 1, 2, ...) is intended at TimeOfArrival(k - 0.5), i.e. in the
/// middle of its 1/rate slot, and exists only if k - 0.5 < TotalArrivals(). So a constant 10 rps
/// for 1 s gives exactly 10 arrivals at 50, 150, ..., 950 ms, and the count for any profile is the
/// integral rounded half-down. Mid-slot placement keeps integer totals away from the end boundary,
/// where floating-point noise would otherwise add or drop the last arrival.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "lse/sched/rate_profile.hpp"
#include "lse/sched/shard.hpp"

namespace lse::sched {

class ArrivalSchedule {
public:
    /// Throws lse::UsageError for an invalid segment.
    explicit ArrivalSchedule(const RateProfile& profile, ShardSegment segment = ShardSegment::Whole());

    /// Pops the shard's next arrival: its intended start in ns from the run start. False when the
    /// profile is exhausted. O(kShardBits + log(stages)), whatever the shard's share.
    bool Next(std::int64_t* intended_ns) noexcept;

    /// Like Next but does not consume it.
    bool Peek(std::int64_t* intended_ns) const noexcept;

    /// Total arrivals this shard produces over the run: those already returned by Next plus those
    /// still to come (after a Reshard, under the new segment).
    std::int64_t PlannedCount() const noexcept;

    /// Arrivals returned by Next so far.
    std::int64_t EmittedCount() const noexcept { return emitted_; }

    /// Switches to new_segment for every global arrival intended at or after from_ns (ns from run
    /// start). If all shards reshard at the same from_ns to slices that tile the whole, arrivals
    /// before from_ns keep their old owners and those after get their new ones: none is lost or
    /// duplicated (a dead agent's unstarted arrivals before from_ns are the only loss, by design).
    /// Pick from_ns ahead of anything the shard has already taken (e.g. now + max slack + margin).
    /// Throws lse::UsageError if this shard already returned an arrival at or after from_ns, or if
    /// the segment is invalid.
    void Reshard(ShardSegment new_segment, std::int64_t from_ns);

    /// Global index of the first arrival intended at or after from_ns (N + 1 if none), where N is
    /// the run's global arrival count. Deterministic, so every shard computes the same index.
    std::int64_t FirstGlobalIndexAtOrAfter(std::int64_t from_ns) const noexcept;

    /// Number of global arrivals in the whole run (all shards together).
    std::int64_t GlobalCount() const noexcept { return global_count_; }

    const RateProfile& profile() const noexcept { return profile_; }
    /// The latest slice asked for (it owns the arrivals after the last pending switch).
    const ShardSegment& segment() const noexcept {
        return pending_.empty() ? pattern_.segment() : pending_.back().second.segment();
    }

private:
    std::int64_t IntendedNs(std::int64_t k) const noexcept;
    void SeekFrom(std::int64_t k) noexcept;           // sets next_k_ / next_ns_ to the first owned >= k
    std::int64_t RemainingFromNext() const noexcept;  // owned arrivals from next_k_ to the end

    RateProfile profile_;
    ShardPattern pattern_;
    std::int64_t global_count_;
    std::int64_t next_k_ = -1;   // next owned global index, or -1 when done
    std::int64_t next_ns_ = -1;  // its intended time
    std::int64_t last_k_ = 0;    // global index of the last arrival returned by Next (0 = none)
    std::int64_t emitted_ = 0;
    std::int64_t planned_rest_ = 0;  // owned arrivals from next_k_ on
    // Reshards not yet reached, by the global index they take effect at (increasing). pattern_ owns
    // every arrival after last_k_ up to the first of them; each then owns up to the next. A switch is
    // retired into pattern_ only once an arrival at or past it was returned, so a later Reshard always
    // knows exactly which arrivals are still the old slice's, however many are pending.
    std::vector<std::pair<std::int64_t, ShardPattern>> pending_;
};

}  // namespace lse::sched
