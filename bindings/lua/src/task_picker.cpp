#include "task_picker.hpp"

#include <random>

namespace lse::lua {

TaskPicker::TaskPicker(std::vector<double> weights, std::uint64_t seed)
    : weights_(std::move(weights)), current_(weights_.size(), 0.0) {
    for (double w : weights_) total_ += w;
    // Advance by a seeded number of picks (less than one cycle's worth when weights are small
    // integers): the sequence is the same round robin, started at a seed-dependent point, so the
    // exactness bound still holds from the first pick on.
    if (weights_.size() > 1) {
        std::mt19937_64 rng(seed);
        const int skip = static_cast<int>(rng() % 64);
        for (int i = 0; i < skip; ++i) Next();
    }
}

int TaskPicker::Next() noexcept {
    if (weights_.size() <= 1) return 0;
    size_t best = 0;
    for (size_t i = 0; i < weights_.size(); ++i) {
        current_[i] += weights_[i];
        if (current_[i] > current_[best]) best = i;
    }
    current_[best] -= total_;
    return static_cast<int>(best);
}

}  // namespace lse::lua
