#include "lse/sched/shard.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::sched {
namespace {

std::int64_t ReverseBits(std::int64_t value, int bits) noexcept {
    std::int64_t out = 0;
    for (int i = 0; i < bits; ++i) {
        out = (out << 1) | ((value >> i) & 1);
    }
    return out;
}

void CheckFraction(double f, const char* what) {
    if (!(f >= 0.0 && f <= 1.0)) {  // also rejects NaN
        throw UsageError(std::string("shard segment ") + what + " must be within [0, 1] (got " + std::to_string(f) +
                         ")");
    }
}

}  // namespace

ShardSegment ShardSegment::FromFractions(double begin, double end) {
    CheckFraction(begin, "begin");
    CheckFraction(end, "end");
    if (begin > end) {
        throw UsageError("shard segment begin " + std::to_string(begin) + " is after its end " + std::to_string(end));
    }
    ShardSegment s{std::llround(begin * kShardUnits), std::llround(end * kShardUnits)};
    s.Validate();
    return s;
}

std::vector<ShardSegment> ShardSegment::SplitByWeights(const std::vector<double>& weights) {
    if (weights.empty()) {
        throw UsageError("shard split: at least one weight is required");
    }
    long double total = 0.0L;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (!std::isfinite(weights[i]) || weights[i] < 0.0) {
            throw UsageError("shard split: weight " + std::to_string(i + 1) + " must be a finite number >= 0 (got " +
                             std::to_string(weights[i]) + ")");
        }
        total += weights[i];
    }
    if (!(total > 0.0L) || !std::isfinite(static_cast<double>(total))) {
        throw UsageError("shard split: the weights must not all be zero");
    }
    std::vector<ShardSegment> out;
    out.reserve(weights.size());
    long double cumulative = 0.0L;
    std::int64_t begin = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        cumulative += weights[i];
        // Boundaries come from the cumulative sum (not per-weight rounding) so errors never add up,
        // and the last one is pinned to the whole so nothing is lost to rounding.
        std::int64_t end = i + 1 == weights.size() ? kShardUnits : std::llround(cumulative / total * kShardUnits);
        if (end < begin) {
            end = begin;
        }
        if (end > kShardUnits) {
            end = kShardUnits;
        }
        out.push_back(ShardSegment{begin, end});
        begin = end;
    }
    return out;
}

void ShardSegment::Validate() const {
    if (begin < 0 || end > kShardUnits || begin > end) {
        throw UsageError("shard segment [" + std::to_string(begin) + ", " + std::to_string(end) +
                         ") must satisfy 0 <= begin <= end <= " + std::to_string(kShardUnits));
    }
}

std::int64_t ShardPosition(std::int64_t k) noexcept { return ReverseBits((k - 1) & (kShardUnits - 1), kShardBits); }

ShardPattern::ShardPattern(ShardSegment segment) : segment_(segment) {
    segment_.Validate();
    // Decompose [begin, end) into maximal aligned blocks [c*2^j, (c+1)*2^j). Positions in such a
    // block share their top (kShardBits - j) bits, i.e. (k - 1) has fixed low (kShardBits - j) bits.
    std::int64_t b = segment_.begin;
    while (b < segment_.end) {
        int j = 0;
        while (j < kShardBits && (b & ((std::int64_t{1} << (j + 1)) - 1)) == 0 &&
               b + (std::int64_t{1} << (j + 1)) <= segment_.end) {
            ++j;
        }
        const int low_bits = kShardBits - j;
        classes_[class_count_++] = ResidueClass{std::int64_t{1} << low_bits, ReverseBits(b >> j, low_bits)};
        b += std::int64_t{1} << j;
    }
}

bool ShardPattern::Owns(std::int64_t k) const noexcept {
    const std::int64_t r = k - 1;
    for (int i = 0; i < class_count_; ++i) {
        if ((r & (classes_[i].modulus - 1)) == classes_[i].residue) {
            return true;
        }
    }
    return false;
}

std::int64_t ShardPattern::CountUpTo(std::int64_t k) const noexcept {
    if (k <= 0) {
        return 0;
    }
    std::int64_t count = 0;
    for (int i = 0; i < class_count_; ++i) {
        // Members r = residue + j*modulus with r < k.
        if (k > classes_[i].residue) {
            count += (k - classes_[i].residue + classes_[i].modulus - 1) / classes_[i].modulus;
        }
    }
    return count;
}

std::int64_t ShardPattern::NextOwned(std::int64_t k) const noexcept {
    const std::int64_t r0 = k - 1;
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < class_count_; ++i) {
        const std::int64_t r = r0 + ((classes_[i].residue - r0) & (classes_[i].modulus - 1));
        if (r < best) {
            best = r;
        }
    }
    return class_count_ == 0 ? -1 : best + 1;
}

}  // namespace lse::sched
