#include "lse/core/stop_signals.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace lse {
namespace {

TEST(StopSignalsTest, NothingArrivedIsNotInterrupted) {
    StopSignals s;
    EXPECT_FALSE(s.Interrupted());
    EXPECT_EQ(s.Count(), 0);
}

TEST(StopSignalsTest, FirstSigintDrainsSecondAborts) {
    StopSignals s;
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kDrain);
    EXPECT_TRUE(s.Interrupted());
    EXPECT_EQ(s.Action(), StopAction::kDrain);
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kAbort);
    EXPECT_EQ(s.Count(), 2);
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kAbort);  // stays aborted
}

TEST(StopSignalsTest, SigtermAbortsAtOnceByDefault) {
    StopSignals s;
    EXPECT_EQ(s.Arrive(SIGTERM), StopAction::kAbort);
    EXPECT_EQ(s.Count(), 1);
}

TEST(StopSignalsTest, SigtermAfterSigintAborts) {
    StopSignals s;
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kDrain);
    EXPECT_EQ(s.Arrive(SIGTERM), StopAction::kAbort);
}

TEST(StopSignalsTest, SigtermDrainsUnderTheDrainRule) {
    StopSignals s(SigtermRule::kDrains);
    EXPECT_EQ(s.Arrive(SIGTERM), StopAction::kDrain);
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kAbort);
}

TEST(StopSignalsTest, ResetForgetsArrivals) {
    StopSignals s;
    s.Arrive(SIGTERM);
    s.Reset();
    EXPECT_FALSE(s.Interrupted());
    EXPECT_EQ(s.Arrive(SIGINT), StopAction::kDrain);
}

}  // namespace
}  // namespace lse
