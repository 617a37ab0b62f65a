#include "lse/runtime/weighted_picker.hpp"

#include "lse/runtime/idle_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace lse::runtime {
namespace {

constexpr double kBetweenBlocks = WeightedPicker::kBlock / 4.0 + 2.0;

// The class's guarantee: within one of the exact share after every whole block, within
// kBlock / 4 + 2 after any prefix.
void ExpectExactOverTime(const std::vector<double>& weights, std::uint64_t seed, int picks) {
    WeightedPicker picker(weights, seed);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<int> counts(weights.size(), 0);
    for (int n = 1; n <= picks; ++n) {
        ++counts[static_cast<size_t>(picker.Next())];
        for (size_t i = 0; i < weights.size(); ++i) {
            const double exact = n * weights[i] / total;
            const double bound = n % WeightedPicker::kBlock == 0 ? 1.0 + 1e-9 : kBetweenBlocks;
            ASSERT_LE(std::abs(counts[i] - exact), bound) << "seed " << seed << " task " << i << " after " << n;
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


TEST(WeightedPicker, EveryPrefixIsWithinTheStatedBound) {
    for (std::uint64_t seed : {1ULL, 2ULL, 77ULL}) ExpectExactOverTime({3, 1, 0.5}, seed, 1000);
}

TEST(WeightedPicker, ThreeToOneIsExactEveryBlock) {
    WeightedPicker p({3, 1}, 5);
    int browse = 0;
    for (int i = 0; i < 10 * WeightedPicker::kBlock; ++i) browse += p.Next() == 0 ? 1 : 0;
    EXPECT_EQ(browse, 10 * WeightedPicker::kBlock * 3 / 4);
}

// Issue 11 item 2: the open model pops the oldest idle virtual user for each arrival and pushes it
// back when its iteration ends. With 40 users and weights 3:1, plain round robin (period 4) and the
// FIFO (period 40) cycled in step: 10 users only ever ran task 1, the other 30 only task 0.
TEST(WeightedPicker, OpenModelFifoGivesEveryVirtualUserEveryTask) {
    for (std::uint64_t seed : {1ULL, 7ULL, 42ULL}) {
        constexpr int kVus = 40;
        constexpr int kArrivals = 40 * 200;
        WeightedPicker picker({3, 1}, seed);
        IdleQueue idle;
        idle.Reset(kVus);
        for (int i = 0; i < kVus; ++i) idle.Push(i);
        std::vector<std::array<int, 2>> per_vu(kVus, {0, 0});
        std::array<int, 2> totals{0, 0};
        for (int n = 0; n < kArrivals; ++n) {
            const int vu = idle.Pop();
            const int task = picker.Next();
            ++per_vu[static_cast<size_t>(vu)][static_cast<size_t>(task)];
            ++totals[static_cast<size_t>(task)];
            idle.Push(vu);  // the iteration ends before the next arrival
        }
        // Exact totals: kArrivals is a whole number of blocks.
        ASSERT_EQ(kArrivals % WeightedPicker::kBlock, 0);
        EXPECT_EQ(totals[0], kArrivals * 3 / 4) << "seed " << seed;
        EXPECT_EQ(totals[1], kArrivals / 4) << "seed " << seed;
        for (int vu = 0; vu < kVus; ++vu) {
            const auto& c = per_vu[static_cast<size_t>(vu)];
            EXPECT_GT(c[0], 0) << "seed " << seed << " vu " << vu;
            EXPECT_GT(c[1], 0) << "seed " << seed << " vu " << vu;
            // In proportion: 200 iterations each, 50 of task 1 expected; loose bound (binomial sd ~6).
            EXPECT_GT(c[1], 20) << "seed " << seed << " vu " << vu;
            EXPECT_LT(c[1], 85) << "seed " << seed << " vu " << vu;
        }
    }
}

TEST(WeightedPicker, SameSeedSameSequence) {
    WeightedPicker a({3, 1, 2}, 9), b({3, 1, 2}, 9);
    for (int i = 0; i < 500; ++i) ASSERT_EQ(a.Next(), b.Next());
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
