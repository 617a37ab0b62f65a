#pragma once
/// @file
/// Picks the next task by weight, exactly over time. One algorithm for every runner (Lua tasks and
/// native plan replay). Smooth weighted round robin (nginx upstream) fixes how many times each task
/// is picked; its output is then dealt in blocks of kBlock picks, each block shuffled with a seeded
/// RNG. The shuffle is what keeps the choice independent of which virtual user takes it: round robin
/// alone has a short period (4 picks for weights 3:1), and the open model's FIFO of idle virtual
/// users has one too (the pool size), so without it each user always got the same task.
///
/// Guarantee, for every n: after n picks each task's count is within 1 of n * weight / total_weight
/// whenever n is a multiple of kBlock, and within kBlock / 4 + 2 of it in between. The seed fixes
/// the sequence (same seed, same picks) and also rotates the round robin's starting point.

#include <array>
#include <cstdint>
#include <vector>

namespace lse::runtime {

class WeightedPicker {
public:
    /// Picks per shuffled block: long enough to mix any short period, short enough to stay exact.
    static constexpr int kBlock = 32;

    /// weights: one per task, each > 0 and finite (checked by the scenario loader and CheckScenarioPlan). Empty: Next() returns 0.
    WeightedPicker(std::vector<double> weights, std::uint64_t seed);

    /// Index of the next task. No allocation.
    int Next() noexcept;
    int Count() const noexcept { return static_cast<int>(weights_.size()); }

private:
    int NextRoundRobin() noexcept;
    std::uint64_t NextRandom() noexcept;

    std::vector<double> weights_;
    std::vector<double> current_;
    double total_ = 0;
    std::uint64_t rng_ = 0;
    std::array<int, kBlock> block_{};
    int position_ = kBlock;  ///< next index in block_; kBlock: refill first
};

}  // namespace lse::runtime
