#pragma once
/// @file
/// Picks a virtual user's next task by weight, exactly over time. One algorithm for every runner
/// (Lua tasks and native plan replay): smooth weighted round robin (nginx upstream). After n picks
/// every task has been picked within one of n * weight / total_weight times, and picks of
/// different tasks are interleaved. The seed only rotates the starting point (fewer than 64
/// picks skipped), so workers and agents do not all begin with the same task.

#include <cstdint>
#include <vector>

namespace lse::runtime {

class WeightedPicker {
public:
    /// weights: one per task, each > 0 and finite (checked by the scenario loader and CheckScenarioPlan). Empty: Next() returns 0.
    WeightedPicker(std::vector<double> weights, std::uint64_t seed);

    /// Index of the next task. No allocation.
    int Next() noexcept;
    int Count() const noexcept { return static_cast<int>(weights_.size()); }

private:
    std::vector<double> weights_;
    std::vector<double> current_;
    double total_ = 0;
};

}  // namespace lse::runtime
