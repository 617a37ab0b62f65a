#include "lse/runtime/weighted_picker.hpp"

#include <cstddef>
#include <utility>

namespace lse::runtime {

WeightedPicker::WeightedPicker(std::vector<double> weights, std::uint64_t seed)
    : weights_(std::move(weights)), current_(weights_.size(), 0.0), rng_(seed) {
    for (double w : weights_) total_ += w;
    if (weights_.size() > 1) {
        const int skip = static_cast<int>(NextRandom() % 64);
        for (int i = 0; i < skip; ++i) NextRoundRobin();
    }
}

/// splitmix64: a few instructions, no table, any seed (0 included) is fine.
std::uint64_t WeightedPicker::NextRandom() noexcept {
    std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int WeightedPicker::NextRoundRobin() noexcept {
    std::size_t best = 0;
    for (std::size_t i = 0; i < weights_.size(); ++i) {
        current_[i] += weights_[i];
        if (current_[i] > current_[best]) best = i;
    }
    current_[best] -= total_;
    return static_cast<int>(best);
}

int WeightedPicker::Next() noexcept {
    if (weights_.size() <= 1) return 0;
    if (position_ == kBlock) {
        for (int& pick : block_) pick = NextRoundRobin();
        // Fisher-Yates; the modulo bias of a 64-bit draw over at most 32 slots is negligible.
        for (int i = kBlock - 1; i > 0; --i) {
            const int j = static_cast<int>(NextRandom() % static_cast<std::uint64_t>(i + 1));
            std::swap(block_[static_cast<std::size_t>(i)], block_[static_cast<std::size_t>(j)]);
        }
        position_ = 0;
    }
    return block_[static_cast<std::size_t>(position_++)];
}

}  // namespace lse::runtime
