#include "lse/runtime/weighted_picker.hpp"

#include <random>

namespace lse::runtime {

WeightedPicker::WeightedPicker(std::vector<double> weights, std::uint64_t seed)
    : weights_(std::move(weights)), current_(weights_.size(), 0.0) {
    for (double w : weights_) total_ += w;
    if (weights_.size() > 1) {
        std::mt19937_64 rng(seed);
        const int skip = static_cast<int>(rng() % 64);
        for (int i = 0; i < skip; ++i) Next();
    }
}

int WeightedPicker::Next() noexcept {
    if (weights_.size() <= 1) return 0;
    size_t best = 0;
    for (size_t i = 0; i < weights_.size(); ++i) {
        current_[i] += weights_[i];
        if (current_[i] > current_[best]) best = i;
    }
    current_[best] -= total_;
    return static_cast<int>(best);
}

}  // namespace lse::runtime
