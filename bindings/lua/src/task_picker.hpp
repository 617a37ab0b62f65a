#pragma once
/// @file
/// Picks the next task by weight, exactly over time: smooth weighted round robin
/// (the nginx upstream algorithm). After n picks every task has been picked within
/// one of n * weight / total_weight times, whatever the weights (fractional too), and
/// picks of different tasks are spread out rather than bunched. The seed only rotates
/// the starting point so that workers (and runs with different --seed) do not all start
/// with the same task.

#include <cstdint>
#include <vector>

namespace lse::lua {

class TaskPicker {
public:
    /// weights: one per task, > 0 (validated by the scenario loader).
    TaskPicker(std::vector<double> weights, std::uint64_t seed);

    /// Index of the next task. No allocation.
    int Next() noexcept;
    int Count() const noexcept { return static_cast<int>(weights_.size()); }

private:
    std::vector<double> weights_;
    std::vector<double> current_;
    double total_ = 0;
};

}  // namespace lse::lua
