#include "lse/coordinator/rebalance_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace lse::coordinator {
namespace {

constexpr std::int64_t kSec = kNsPerSec;

// One interval of a generator with 2 worker threads: loop lag samples at lag_us, CPU per thread cpu_per_thread.
metrics::GeneratorHealth Health(std::int64_t lag_us, double cpu_per_thread, std::uint64_t late = 0) {
    metrics::GeneratorHealth h;
    h.threads = 2;
    h.intervals = 1;
    h.loop_lag_us.RecordN(lag_us, 100);
    h.process_cpu = cpu_per_thread * 2;
    h.host_cpu = cpu_per_thread / 2;
    h.arrivals = 1000;
    h.late_arrivals = late;
    return h;
}
const metrics::GeneratorHealth kHealthy = Health(300, 0.3);
const metrics::GeneratorHealth kLagging = Health(23'000, 0.5);     // lag p99 23 ms
const metrics::GeneratorHealth kCpuBound = Health(2'000, 0.96, 41);  // CPU and late arrivals
const metrics::GeneratorHealth kBusyButFine = Health(300, 0.8);     // not saturated, but no headroom either

TEST(RebalancePolicy, StepsDownGraduallyToTheFloorWhileAPeerHasHeadroom) {
    RebalancePolicy policy(2);
    const std::vector<bool> both{true, true};
    std::vector<std::int64_t> step_at;
    std::vector<double> factors;
    for (int t = 1; t <= 30; ++t) {
        policy.Observe(0, &kLagging);
        policy.Observe(1, &kHealthy);
        for (const FactorChange& c : policy.Decide(t * kSec, both)) {
            EXPECT_EQ(c.agent, 0u);
            EXPECT_EQ(c.why, "saturated: lag p99 23 ms");
            EXPECT_DOUBLE_EQ(c.before, factors.empty() ? 1.0 : factors.back());
            step_at.push_back(t);
            factors.push_back(c.after);
        }
    }
    // Two saturated intervals for the first step; then a fresh streak of two and 3 s since the last step each.
    std::vector<std::int64_t> want_at;
    std::vector<double> want_factor;
    double f = 1.0;
    for (int t = 2; f > 0.25; t += 3) {
        f = std::max(0.25, f * 0.8);
        want_at.push_back(t);
        want_factor.push_back(f);
    }
    EXPECT_EQ(step_at, want_at);
    ASSERT_EQ(factors.size(), want_factor.size());
    for (size_t i = 0; i < factors.size(); ++i) EXPECT_DOUBLE_EQ(factors[i], want_factor[i]) << i;
    EXPECT_DOUBLE_EQ(policy.Factors()[0], 0.25);
    EXPECT_DOUBLE_EQ(policy.Factors()[1], 1.0);
}

TEST(RebalancePolicy, OneSaturatedIntervalIsNotEnough) {
    RebalancePolicy policy(2);
    for (int t = 1; t <= 10; ++t) {
        policy.Observe(0, t % 2 == 0 ? &kLagging : &kHealthy);  // saturated every other second
        policy.Observe(1, &kHealthy);
        EXPECT_TRUE(policy.Decide(t * kSec, {true, true}).empty()) << t;
    }
}

TEST(RebalancePolicy, NoStepWithoutAPeerWithHeadroomInTheSameRegion) {
    // The peer is saturated too, or busy (CPU per thread 80% >= 70%), or it takes no load, or it is elsewhere.
    struct Case {
        const metrics::GeneratorHealth* peer;
        std::vector<bool> takes;
        std::vector<std::string> regions;
    };
    const std::vector<Case> cases = {{&kCpuBound, {true, true}, {}},
                                     {&kBusyButFine, {true, true}, {}},
                                     {&kHealthy, {true, false}, {}},
                                     {&kHealthy, {true, true}, {"us", "eu"}},
                                     {nullptr, {true, true}, {}}};
    for (size_t k = 0; k < cases.size(); ++k) {
        RebalancePolicy policy(2, cases[k].regions);
        for (int t = 1; t <= 10; ++t) {
            policy.Observe(0, &kLagging);
            policy.Observe(1, cases[k].peer);
            EXPECT_TRUE(policy.Decide(t * kSec, cases[k].takes).empty()) << "case " << k << " at " << t;
        }
    }
    // A peer of the same region is enough, whatever the others do.
    RebalancePolicy policy(3, {"us", "eu", "us"});
    policy.Observe(0, &kCpuBound);
    policy.Observe(0, &kCpuBound);
    policy.Observe(1, &kHealthy);
    policy.Observe(2, &kHealthy);
    const auto changes = policy.Decide(kSec, {true, true, true});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].why, "saturated: CPU per thread 96% with 41 late arrivals");
}

TEST(RebalancePolicy, RecoversAfterFiveHealthyIntervalsOneStepAtATime) {
    RebalancePolicy policy(2);
    int t = 0;
    auto second = [&](const metrics::GeneratorHealth& first) {
        ++t;
        policy.Observe(0, &first);
        policy.Observe(1, &kHealthy);
        return policy.Decide(t * kSec, {true, true});
    };
    second(kLagging);
    ASSERT_EQ(second(kLagging).size(), 1u);  // t = 2: 0.8
    for (int i = 0; i < 3; ++i) second(kLagging);
    ASSERT_DOUBLE_EQ(policy.Factors()[0], 0.64);  // t = 5
    std::vector<std::pair<int, double>> ups;
    for (int i = 0; i < 20; ++i) {
        for (const FactorChange& c : second(kHealthy)) {
            EXPECT_EQ(c.why, "recovered");
            ups.emplace_back(t, c.after);
        }
    }
    // Five healthy intervals each (t 6..10, 11..15); the second step lands on exactly 1 and stays there.
    ASSERT_EQ(ups.size(), 2u);
    EXPECT_EQ(ups[0].first, 10);
    EXPECT_DOUBLE_EQ(ups[0].second, 0.64 * 1.25);
    EXPECT_EQ(ups[1].first, 15);
    EXPECT_EQ(ups[1].second, 1.0);
}

TEST(RebalancePolicy, AnIntervalWithoutHealthBreaksTheStreaks) {
    RebalancePolicy policy(2);
    policy.Observe(1, &kHealthy);
    policy.Observe(0, &kLagging);
    policy.Observe(0, nullptr);
    policy.Observe(0, &kLagging);
    EXPECT_TRUE(policy.Decide(kSec, {true, true}).empty());
    policy.Observe(0, &kLagging);
    EXPECT_EQ(policy.Decide(2 * kSec, {true, true}).size(), 1u);
}

TEST(RebalancePolicy, AnAgentThatTakesNoLoadKeepsItsFactor) {
    RebalancePolicy policy(3);
    for (int t = 1; t <= 6; ++t) {
        policy.Observe(0, &kLagging);
        policy.Observe(1, &kHealthy);
        policy.Observe(2, &kHealthy);
        for (const FactorChange& c : policy.Decide(t * kSec, {false, true, true})) ADD_FAILURE() << c.agent;
    }
    EXPECT_DOUBLE_EQ(policy.Factors()[0], 1.0);
}

TEST(EffectiveWeights, ScalesByFactorAndKeepsEachRegionsTotal) {
    const std::vector<double> base{2, 2, 1, 3};
    const std::vector<double> factors{0.5, 1, 1, 0.25};
    // One region: proportional to base x factor, same total.
    const auto one = EffectiveWeights(base, factors);
    const double sum = std::accumulate(one.begin(), one.end(), 0.0);
    EXPECT_DOUBLE_EQ(sum, 8.0);
    const std::vector<double> scaled{1, 2, 1, 0.75};
    for (size_t i = 0; i < base.size(); ++i) EXPECT_NEAR(one[i], scaled[i] * 8.0 / 4.75, 1e-12) << i;
    // Regions: {0, 2} "us" keeps 3, {1, 3} "eu" keeps 5.
    const auto two = EffectiveWeights(base, factors, {"us", "eu", "us", "eu"});
    EXPECT_NEAR(two[0] + two[2], 3.0, 1e-12);
    EXPECT_NEAR(two[1] + two[3], 5.0, 1e-12);
    EXPECT_NEAR(two[0] / two[2], 1.0, 1e-12);   // 2 x 0.5 vs 1 x 1
    EXPECT_NEAR(two[1] / two[3], 8.0 / 3, 1e-12);  // 2 x 1 vs 3 x 0.25
    // Factors of 1 change nothing; an agent without load (base 0) stays at 0.
    EXPECT_EQ(EffectiveWeights({4, 0, 2}, {1, 1, 1}), (std::vector<double>{4, 0, 2}));
    const auto idle = EffectiveWeights({4, 0, 2}, {0.5, 1, 1});
    EXPECT_EQ(idle[1], 0.0);
    EXPECT_NEAR(idle[0] + idle[2], 6.0, 1e-12);
}

TEST(SaturationReason, NamesWhatDecidedIt) {
    EXPECT_EQ(SaturationReason(kLagging), "lag p99 23 ms");
    EXPECT_EQ(SaturationReason(kCpuBound), "CPU per thread 96% with 41 late arrivals");
    metrics::GeneratorHealth host_bound = Health(2'000, 0.5, 1);  // the host is full, not this process
    host_bound.host_cpu = 0.97;
    EXPECT_EQ(SaturationReason(host_bound), "host CPU 97% with 1 late arrival");
}

}  // namespace
}  // namespace lse::coordinator
