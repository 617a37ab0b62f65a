#include "lse/plan/task_picker.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace lse::plan {
namespace {

TEST(WeightedPicker, EveryPrefixIsWithinOneOfItsShare) {
    for (std::uint64_t seed : {1ULL, 2ULL, 77ULL}) {
        const std::vector<double> w = {3, 1, 0.5};
        WeightedPicker p(w, seed);
        std::vector<int> counts(3, 0);
        for (int n = 1; n <= 1000; ++n) {
            ++counts[static_cast<size_t>(p.Next())];
            for (size_t i = 0; i < 3; ++i) {
                ASSERT_LE(std::fabs(counts[i] - n * w[i] / 4.5), 1.0 + 1e-9) << "seed " << seed << " n " << n;
            }
        }
    }
}

TEST(WeightedPicker, ThreeToOneIsExactEveryFourPicks) {
    WeightedPicker p({3, 1}, 5);
    int browse = 0;
    for (int i = 0; i < 40; ++i) browse += p.Next() == 0 ? 1 : 0;
    EXPECT_EQ(browse, 30);
}

TEST(WeightedPicker, SeedsRotateTheStart) {
    std::vector<int> firsts;
    for (std::uint64_t seed = 0; seed < 16; ++seed) firsts.push_back(WeightedPicker({1, 1, 1, 1}, seed).Next());
    EXPECT_NE(std::count(firsts.begin(), firsts.end(), firsts[0]), 16);
}

TEST(WeightedPicker, SingleOrNoTask) {
    WeightedPicker one({2}, 3);
    WeightedPicker none({}, 3);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(one.Next(), 0);
        EXPECT_EQ(none.Next(), 0);
    }
}

}  // namespace
}  // namespace lse::plan
