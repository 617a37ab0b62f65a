#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "lse/data/feeder.hpp"

namespace lse::data {
namespace {

std::shared_ptr<const DataTable> Rows(int n) {
    auto t = std::make_shared<DataTable>(std::vector<std::string>{"id"});
    for (int i = 0; i < n; ++i) t->AddRow({std::to_string(i)});
    return t;
}

Feeder Make(int rows, AccessMode mode, OnExhausted on = OnExhausted::kStop, std::uint64_t seed = 0) {
    return Feeder(Rows(rows), FeederOptions{mode, on, seed});
}

TEST(Feeder, PerVuIsTheVirtualUsersRowWrapping) {
    Feeder f = Make(3, AccessMode::kPerVu);
    EXPECT_EQ(f.Next(1), 0);
    EXPECT_EQ(f.Next(1), 0);
    EXPECT_EQ(f.Next(3), 2);
    EXPECT_EQ(f.Next(4), 0);
    EXPECT_EQ(f.Next(0), 0);  // file level
}

TEST(Feeder, SequentialCyclesThroughTheRows) {
    Feeder f = Make(3, AccessMode::kSequential);
    std::vector<std::int64_t> got;
    for (int i = 0; i < 7; ++i) got.push_back(f.Next(1));
    EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Feeder, UniqueStopsAfterEveryRowWasUsedOnceAcrossThreads) {
    Feeder f = Make(1000, AccessMode::kUnique);
    std::vector<std::vector<std::int64_t>> per_thread(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&f, &per_thread, t] {
            for (int i = 0; i < 400; ++i) per_thread[t].push_back(f.Next(t + 1));
        });
    }
    for (auto& th : threads) th.join();
    std::multiset<std::int64_t> rows;
    int none = 0;
    for (const auto& v : per_thread) {
        for (auto r : v) r == Feeder::kNoRow ? ++none : (rows.insert(r), 0);
    }
    EXPECT_EQ(none, 600);
    ASSERT_EQ(rows.size(), 1000u);
    EXPECT_EQ(std::set<std::int64_t>(rows.begin(), rows.end()).size(), 1000u);  // each exactly once
    EXPECT_FALSE(f.TakeWrapWarning());
}

TEST(Feeder, UniqueWrapStartsOverAndWarnsOnce) {
    Feeder f = Make(2, AccessMode::kUnique, OnExhausted::kWrap);
    EXPECT_EQ(f.Next(1), 0);
    EXPECT_EQ(f.Next(1), 1);
    EXPECT_FALSE(f.TakeWrapWarning());
    EXPECT_EQ(f.Next(1), 0);
    EXPECT_TRUE(f.TakeWrapWarning());
    EXPECT_EQ(f.Next(1), 1);
    EXPECT_FALSE(f.TakeWrapWarning());
}

TEST(Feeder, RandomIsReproducibleForASeedAndCoversTheRows) {
    Feeder a = Make(10, AccessMode::kRandom, OnExhausted::kStop, 42);
    Feeder b = Make(10, AccessMode::kRandom, OnExhausted::kStop, 42);
    Feeder c = Make(10, AccessMode::kRandom, OnExhausted::kStop, 43);
    std::vector<std::int64_t> ra, rb, rc;
    std::set<std::int64_t> seen;
    for (int i = 0; i < 200; ++i) {
        ra.push_back(a.Next(1));
        rb.push_back(b.Next(1));
        rc.push_back(c.Next(1));
        seen.insert(ra.back());
    }
    EXPECT_EQ(ra, rb);
    EXPECT_NE(ra, rc);
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_GE(*seen.begin(), 0);
    EXPECT_LE(*seen.rbegin(), 9);
}

TEST(Feeder, EmptyTableHasNoRow) {
    Feeder f = Make(0, AccessMode::kSequential);
    EXPECT_EQ(f.Next(1), Feeder::kNoRow);
}

TEST(Feeder, ModeNamesRoundTrip) {
    for (int i = 0; i < static_cast<int>(AccessMode::kCount); ++i) {
        auto m = static_cast<AccessMode>(i);
        EXPECT_EQ(ParseAccessMode(AccessModeName(m)), m);
    }
    EXPECT_FALSE(ParseAccessMode("queue").has_value());
    EXPECT_EQ(ParseOnExhausted("wrap"), OnExhausted::kWrap);
    EXPECT_FALSE(ParseOnExhausted("loop").has_value());
}

}  // namespace
}  // namespace lse::data
