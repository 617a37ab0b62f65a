#pragma once
/// @file
/// Exact division of one global arrival stream among shards (threads or agents).
///
/// A shard owns a slice [begin, end) of a fixed grid of kShardUnits = 2^20 positions (fractions of
/// the whole, like k6's execution segments). Global arrival k (k = 1, 2, 3, ...) gets the grid
/// position P(k) = bit-reverse of ((k - 1) mod 2^20), and belongs to the one shard whose slice
/// holds P(k). Consequences:
///   * Any set of slices that tile [0, kShardUnits) owns every arrival exactly once, for ever:
///     no loss, no duplicate, no floating point in the decision. Ownership depends only on k and
///     the shard's own slice, so agents need not know each other's slices.
///   * In every block of 2^20 consecutive arrivals a shard owns exactly (end - begin).
///   * Bit reversal is the base-2 van der Corput sequence, so the owned arrivals are spread evenly:
///     a slice that is one aligned power-of-two block owns exactly one arrival in every 2^j (pure
///     striping: 2 equal shards alternate). For any slice, |owned(k) - k * share| stays below
///     kShardMaxDeviation: full 2^20 blocks are exact and the star discrepancy of van der Corput
///     is N*D*_N <= log2(N)/3 + 1 (Bejian & Faure), twice that for a slice not starting at 0.
///     Typical deviations are 1 to 5 arrivals (tests/sched/shard_test.cpp).
/// Why not floor(k*end) - floor(k*begin) "increments": that count is not monotone in k (it can go
/// down by one), so two shards would both claim an arrival. A local rule can only be exact if it is
/// a point sequence like this one; no point sequence can keep every interval within +-1 of its share.

#include <array>
#include <cstdint>
#include <vector>

namespace lse::sched {

inline constexpr int kShardBits = 20;
inline constexpr std::int64_t kShardUnits = std::int64_t{1} << kShardBits;
/// Upper bound on |owned(k) - k * share| for any slice and any k: 2 * (kShardBits / 3 + 1) rounded up.
inline constexpr int kShardMaxDeviation = 16;

/// A slice [begin, end) of the grid [0, kShardUnits), as integers so it is exact and easy to send
/// over the wire. An empty slice (begin == end) owns nothing.
struct ShardSegment {
    std::int64_t begin = 0;
    std::int64_t end = kShardUnits;

    static ShardSegment Whole() noexcept { return ShardSegment{0, kShardUnits}; }

    /// Rounds fractions of the whole (0 <= begin <= end <= 1) to the grid. Throws lse::UsageError
    /// for values outside [0, 1], NaN, or begin > end.
    static ShardSegment FromFractions(double begin, double end);

    /// Splits the whole into consecutive slices proportional to weights (agent capacities, or 1 per
    /// thread for an equal split); the last slice ends exactly at kShardUnits so the slices always
    /// tile the whole. A zero weight gets an empty slice. Throws lse::UsageError for an empty list,
    /// a negative or non-finite weight, or all weights zero.
    static std::vector<ShardSegment> SplitByWeights(const std::vector<double>& weights);

    /// Throws lse::UsageError unless 0 <= begin <= end <= kShardUnits.
    void Validate() const;

    double BeginFraction() const noexcept { return static_cast<double>(begin) / kShardUnits; }
    double EndFraction() const noexcept { return static_cast<double>(end) / kShardUnits; }
    double Share() const noexcept { return static_cast<double>(end - begin) / kShardUnits; }

    friend bool operator==(const ShardSegment&, const ShardSegment&) = default;
};

/// The grid position of global arrival k (k >= 1): bit-reversed (k - 1) mod kShardUnits.
std::int64_t ShardPosition(std::int64_t k) noexcept;

/// A ShardSegment compiled into residue classes of (k - 1) so ownership queries are O(kShardBits)
/// integer operations, with no iteration over other shards' arrivals.
class ShardPattern {
public:
    explicit ShardPattern(ShardSegment segment);

    /// Whether global arrival k (k >= 1) belongs to this shard.
    bool Owns(std::int64_t k) const noexcept;

    /// Number of owned arrivals among global arrivals 1..k (0 for k <= 0).
    std::int64_t CountUpTo(std::int64_t k) const noexcept;

    /// Smallest owned global index >= k (k >= 1), or -1 when the slice is empty.
    std::int64_t NextOwned(std::int64_t k) const noexcept;

    const ShardSegment& segment() const noexcept { return segment_; }

private:
    // (k - 1) & (modulus - 1) == residue, with modulus a power of two.
    struct ResidueClass {
        std::int64_t modulus;
        std::int64_t residue;
    };

    ShardSegment segment_;
    std::array<ResidueClass, 2 * kShardBits> classes_{};
    int class_count_ = 0;
};

}  // namespace lse::sched
