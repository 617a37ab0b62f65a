#include "lse/sched/rate_profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"

namespace lse::sched {
namespace {

TEST(RateProfile, ConstantRateIntegralAndInverse) {
    const RateProfile p = RateProfile::Constant(10.0, kNsPerSec);
    EXPECT_EQ(p.TotalDurationNs(), kNsPerSec);
    EXPECT_DOUBLE_EQ(p.TotalArrivals(), 10.0);
    EXPECT_DOUBLE_EQ(p.RateAt(0), 10.0);
    EXPECT_DOUBLE_EQ(p.RateAt(kNsPerSec - 1), 10.0);
    EXPECT_DOUBLE_EQ(p.RateAt(kNsPerSec), 0.0);  // the profile has ended
    EXPECT_DOUBLE_EQ(p.RateAt(-1), 0.0);
    EXPECT_DOUBLE_EQ(p.ArrivalsBy(500 * kNsPerMs), 5.0);
    EXPECT_DOUBLE_EQ(p.ArrivalsBy(5 * kNsPerSec), 10.0);  // clamped
    EXPECT_EQ(p.TimeOfArrival(5.0), 500 * kNsPerMs);
    EXPECT_EQ(p.TimeOfArrival(0.5), 50 * kNsPerMs);
    EXPECT_EQ(p.TimeOfArrival(10.0), kNsPerSec);
    EXPECT_EQ(p.TimeOfArrival(10.01), -1);
    EXPECT_EQ(p.TimeOfArrival(0.0), 0);
    EXPECT_EQ(p.TimeOfArrival(std::nan("")), -1);
}

TEST(RateProfile, LinearRampFromZeroIsQuadratic) {
    const RateProfile p(0.0, {Stage{10 * kNsPerSec, 100.0}});
    EXPECT_DOUBLE_EQ(p.TotalArrivals(), 500.0);
    EXPECT_NEAR(p.RateAt(2500 * kNsPerMs), 25.0, 1e-9);
    EXPECT_NEAR(p.ArrivalsBy(5 * kNsPerSec), 125.0, 1e-9);  // 0.5 * 10/s^2 * 25 s^2
    EXPECT_NEAR(p.TimeOfArrival(125.0), 5 * kNsPerSec, 1);
    // Rate-0 start: the first half arrival is reached at sqrt(0.1) s, not at 0 and not NaN.
    EXPECT_NEAR(p.TimeOfArrival(0.5), std::llround(std::sqrt(0.1) * 1e9), 1);
    EXPECT_EQ(p.TimeOfArrival(500.0), 10 * kNsPerSec);
}

TEST(RateProfile, RampDownInverts) {
    const RateProfile p(100.0, {Stage{10 * kNsPerSec, 0.0}});
    EXPECT_DOUBLE_EQ(p.TotalArrivals(), 500.0);
    EXPECT_NEAR(p.TimeOfArrival(375.0), 5 * kNsPerSec, 1);
    EXPECT_EQ(p.TimeOfArrival(500.0), 10 * kNsPerSec);
}

TEST(RateProfile, MultiStageWithZeroRateGap) {
    // 10 rps for 1 s, ramp to 0 over 1 s, nothing for 1 s, ramp back to 10 over 1 s.
    const RateProfile p(10.0,
                        {Stage{kNsPerSec, 10.0}, Stage{kNsPerSec, 0.0}, Stage{kNsPerSec, 0.0}, Stage{kNsPerSec, 10.0}});
    EXPECT_EQ(p.TotalDurationNs(), 4 * kNsPerSec);
    EXPECT_DOUBLE_EQ(p.TotalArrivals(), 20.0);
    EXPECT_DOUBLE_EQ(p.ArrivalsBy(2500 * kNsPerMs), 15.0);
    EXPECT_DOUBLE_EQ(p.RateAt(2500 * kNsPerMs), 0.0);
    EXPECT_NEAR(p.RateAt(1500 * kNsPerMs), 5.0, 1e-9);
    // Reaching exactly 15 happens at the start of the gap, not inside it.
    EXPECT_EQ(p.TimeOfArrival(15.0), 2 * kNsPerSec);
    EXPECT_GT(p.TimeOfArrival(15.001), 3 * kNsPerSec);
    // Round trip everywhere the rate is positive.
    for (std::int64_t t = 10 * kNsPerMs; t < 4 * kNsPerSec; t += 37 * kNsPerMs) {
        if (t > 2 * kNsPerSec && t <= 3 * kNsPerSec) continue;
        EXPECT_NEAR(p.TimeOfArrival(p.ArrivalsBy(t)), t, 2000) << "t=" << t;  // 2 us: sqrt near rate 0
    }
}

TEST(RateProfile, RampThenHoldDurationIncludesRamp) {
    const RateProfile p = RateProfile::RampThenHold(100.0, 10 * kNsPerSec, 60 * kNsPerSec);
    EXPECT_EQ(p.TotalDurationNs(), 60 * kNsPerSec);
    EXPECT_DOUBLE_EQ(p.TotalArrivals(), 500.0 + 5000.0);
    EXPECT_DOUBLE_EQ(p.RateAt(0), 0.0);
    EXPECT_DOUBLE_EQ(p.RateAt(30 * kNsPerSec), 100.0);
    EXPECT_EQ(RateProfile::RampThenHold(5.0, 0, kNsPerSec).stages().size(), 1u);
    EXPECT_EQ(RateProfile::RampThenHold(5.0, kNsPerSec, kNsPerSec).TotalArrivals(), 2.5);
}

void ExpectUsageError(auto make, const std::string& fragment) {
    try {
        make();
        FAIL() << "expected UsageError containing '" << fragment << "'";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

TEST(RateProfile, ValidationErrorsAreUsageErrors) {
    ExpectUsageError([] { RateProfile(1.0, {}); }, "at least one stage");
    ExpectUsageError([] { RateProfile(-1.0, {Stage{kNsPerSec, 1.0}}); }, "start");
    ExpectUsageError([] { RateProfile(1.0, {Stage{kNsPerSec, -2.0}}); }, "stage 1");
    ExpectUsageError([] { RateProfile(1.0, {Stage{kNsPerSec, 1.0}, Stage{kNsPerSec, std::nan("")}}); }, "stage 2");
    ExpectUsageError([] { RateProfile(1.0, {Stage{kNsPerSec, std::numeric_limits<double>::infinity()}}); },
                     "from 0 to 10M");
    ExpectUsageError([] { RateProfile(1.0, {Stage{kNsPerSec, 1e300}}); }, "from 0 to 10M");
    EXPECT_NO_THROW(RateProfile(1.0, {Stage{kNsPerSec, kMaxRps}}));
    ExpectUsageError([] { RateProfile(1.0, {Stage{0, 1.0}}); }, "duration must be positive");
    ExpectUsageError([] { RateProfile(1.0, {Stage{-5, 1.0}}); }, "duration must be positive");
    ExpectUsageError(
        [] {
            RateProfile(1.0, {Stage{std::numeric_limits<std::int64_t>::max() - 1, 1.0}, Stage{kNsPerSec, 1.0}});
        },
        "overflows");
    ExpectUsageError([] { RateProfile::RampThenHold(10.0, 2 * kNsPerSec, kNsPerSec); }, "longer than the duration");
    ExpectUsageError([] { RateProfile::RampThenHold(10.0, -1, kNsPerSec); }, "negative");
    ExpectUsageError([] { RateProfile::Constant(10.0, 0); }, "duration must be positive");
}

}  // namespace
}  // namespace lse::sched
