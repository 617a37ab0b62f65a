#include "task_picker.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace lse::lua {
namespace {

// After every prefix of n picks, each task's count is within one of its exact share.
void ExpectExactOverTime(const std::vector<double>& weights, std::uint64_t seed, int picks) {
    TaskPicker picker(weights, seed);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<int> counts(weights.size(), 0);
    for (int n = 1; n <= picks; ++n) {
        ++counts[static_cast<size_t>(picker.Next())];
        for (size_t i = 0; i < weights.size(); ++i) {
            const double exact = n * weights[i] / total;
            ASSERT_LE(std::abs(counts[i] - exact), 1.0) << "seed " << seed << " task " << i << " after " << n;
        }
    }
}

TEST(TaskPicker, ThreeToOneIsExactAfterEveryPick) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) ExpectExactOverTime({3, 1}, seed, 400);
}

TEST(TaskPicker, FractionalAndManyWeightsStayExact) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        ExpectExactOverTime({0.5, 1.5, 2}, seed, 1000);
        ExpectExactOverTime({1, 1, 1, 1, 1}, seed, 500);
    }
}

TEST(TaskPicker, CountsOverFullCyclesAreExact) {
    TaskPicker picker({3, 1}, 42);
    int a = 0;
    for (int i = 0; i < 4000; ++i) a += picker.Next() == 0 ? 1 : 0;
    EXPECT_EQ(a, 3000);
}

TEST(TaskPicker, SeedChangesTheStartingPointAndIsReproducible) {
    auto sequence = [](std::uint64_t seed) {
        TaskPicker p({1, 1, 1, 1, 1, 1, 1}, seed);
        std::vector<int> out;
        for (int i = 0; i < 7; ++i) out.push_back(p.Next());
        return out;
    };
    EXPECT_EQ(sequence(7), sequence(7));
    bool differs = false;
    for (std::uint64_t s = 2; s < 10 && !differs; ++s) differs = sequence(1) != sequence(s);
    EXPECT_TRUE(differs);
}

TEST(TaskPicker, SingleTaskAlwaysZero) {
    TaskPicker p({5}, 3);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(p.Next(), 0);
}

}  // namespace
}  // namespace lse::lua
