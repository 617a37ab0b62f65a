#include "lse/runtime/weighted_picker.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace lse::runtime {
namespace {

// After every prefix of n picks, each task's count is within one of its exact share.
void ExpectExactOverTime(const std::vector<double>& weights, std::uint64_t seed, int picks) {
    WeightedPicker picker(weights, seed);
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

TEST(WeightedPicker, ThreeToOneIsExactAfterEveryPick) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) ExpectExactOverTime({3, 1}, seed, 400);
}

TEST(WeightedPicker, FractionalAndManyWeightsStayExact) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        ExpectExactOverTime({0.5, 1.5, 2}, seed, 1000);
        ExpectExactOverTime({1, 1, 1, 1, 1}, seed, 500);
    }
}

TEST(WeightedPicker, CountsOverFullCyclesAreExact) {
    WeightedPicker picker({3, 1}, 42);
    int a = 0;
    for (int i = 0; i < 4000; ++i) a += picker.Next() == 0 ? 1 : 0;
    EXPECT_EQ(a, 3000);
}

TEST(WeightedPicker, SeedChangesTheStartingPointAndIsReproducible) {
    auto sequence = [](std::uint64_t seed) {
        WeightedPicker p({1, 1, 1, 1, 1, 1, 1}, seed);
        std::vector<int> out;
        for (int i = 0; i < 7; ++i) out.push_back(p.Next());
        return out;
    };
    EXPECT_EQ(sequence(7), sequence(7));
    bool differs = false;
    for (std::uint64_t s = 2; s < 10 && !differs; ++s) differs = sequence(1) != sequence(s);
    EXPECT_TRUE(differs);
}

TEST(WeightedPicker, SingleTaskAlwaysZero) {
    WeightedPicker p({5}, 3);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(p.Next(), 0);
}


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
}  // namespace lse::runtime
