#include "lse/process/exit_status.hpp"

#include <gtest/gtest.h>

namespace lse::process {
namespace {

// waitpid status words as Linux encodes them: exit code in bits 8-15, a terminating signal in bits 0-6.
constexpr int ExitedWith(int code) { return code << 8; }
constexpr int KilledBy(int sig) { return sig; }

TEST(ExitStatusTest, ExitCode) {
    const ExitStatus s = ExitStatus::FromWait(ExitedWith(3));
    EXPECT_TRUE(s.Exited());
    EXPECT_FALSE(s.Signaled());
    EXPECT_EQ(s.ExitCode(), 3);
    EXPECT_EQ(s.Code(), 3);
    EXPECT_EQ(s.Describe(), "exited with code 3");
}

TEST(ExitStatusTest, KilledBySignal) {
    const ExitStatus s = ExitStatus::FromWait(KilledBy(9));
    EXPECT_TRUE(s.Signaled());
    EXPECT_EQ(s.TermSignal(), 9);
    EXPECT_EQ(s.Code(), 137);
    EXPECT_EQ(s.Describe(), "was killed by signal 9");
}

TEST(ExitStatusTest, LostIsUnknown) {
    const ExitStatus s = ExitStatus::Lost();
    EXPECT_FALSE(s.Exited());
    EXPECT_FALSE(s.Signaled());
    EXPECT_EQ(s.Code(), -1);
}

}  // namespace
}  // namespace lse::process
