#include "lse/core/units.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse {
namespace {

TEST(ParseDuration, AcceptsEveryUnit) {
    EXPECT_EQ(ParseDurationNs("250ns", "x"), 250);
    EXPECT_EQ(ParseDurationNs("5us", "x"), 5'000);
    EXPECT_EQ(ParseDurationNs("200ms", "x"), 200'000'000);
    EXPECT_EQ(ParseDurationNs("1.5s", "x"), 1'500'000'000);
    EXPECT_EQ(ParseDurationNs("2m", "x"), 120'000'000'000);
    EXPECT_EQ(ParseDurationNs("1h", "x"), 3'600'000'000'000);
}

TEST(ParseDuration, AcceptsCompounds) {
    EXPECT_EQ(ParseDurationNs("1m30s", "x"), 90'000'000'000);
    EXPECT_EQ(ParseDurationNs("1h2m3s", "x"), 3'723'000'000'000);
}

TEST(ParseDuration, BareNumberNeedsDefaultUnit) {
    EXPECT_THROW(ParseDurationNs("30", "--duration"), UsageError);
    EXPECT_EQ(ParseDurationNs("30", "x", 1'000'000'000), 30'000'000'000);
    // Except zero, which is zero in every unit.
    EXPECT_EQ(ParseDurationNs("0", "--max-wait"), 0);
    EXPECT_EQ(ParseDurationNs("0.0", "--max-wait"), 0);
    EXPECT_THROW(ParseDurationNs("0 5", "x"), UsageError);
    EXPECT_THROW(ParseDurationNs("1s0", "x"), UsageError);
}

TEST(ParseDuration, BareNumberSuggestsSecondsAsWrkUsersMeanIt) {
    try {
        ParseDurationNs(" 30 ", "--duration");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()), "--duration: missing unit in '30': did you mean 30s? (units: ns, us, ms, s, m, h)");
    }
    try {
        ParseDurationNs("1s0", "--duration");  // not a bare number: no suggestion
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
    }
}

TEST(ParseDuration, RejectsGarbageNamingTheFlag) {
    try {
        ParseDurationNs("10 parsecs", "--duration");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--duration"), std::string::npos);
        EXPECT_EQ(e.code(), ExitCode::kUsage);
    }
    EXPECT_THROW(ParseDurationNs("", "x"), UsageError);
    EXPECT_THROW(ParseDurationNs("s", "x"), UsageError);
    EXPECT_THROW(ParseDurationNs("-5s", "x"), UsageError);
    EXPECT_THROW(ParseDurationNs("5x", "x"), UsageError);
    EXPECT_THROW(ParseDurationNs("99999999999h", "x"), UsageError);
}

TEST(ParseCount, Suffixes) {
    EXPECT_DOUBLE_EQ(ParseCount("100", "x"), 100);
    EXPECT_DOUBLE_EQ(ParseCount("2.5k", "x"), 2500);
    EXPECT_DOUBLE_EQ(ParseCount("1M", "x"), 1e6);
    EXPECT_DOUBLE_EQ(ParseCount("0.5", "x"), 0.5);
    EXPECT_THROW(ParseCount("ten", "--rps"), UsageError);
    EXPECT_THROW(ParseCount("10q", "--rps"), UsageError);
}

TEST(ParseByteSize, BinaryUnits) {
    EXPECT_EQ(ParseByteSize("65536", "x"), 65536u);
    EXPECT_EQ(ParseByteSize("100B", "x"), 100u);
    EXPECT_EQ(ParseByteSize("64KiB", "x"), 65536u);
    EXPECT_EQ(ParseByteSize("64k", "x"), 65536u);
    EXPECT_EQ(ParseByteSize("1MiB", "x"), 1u << 20);
    EXPECT_EQ(ParseByteSize("2MB", "x"), 2u << 20);
    EXPECT_EQ(ParseByteSize("1GiB", "x"), 1u << 30);
    try {
        ParseByteSize("64 KiB", "--max-header-size");
        ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--max-header-size"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ParseByteSize("", "x"), UsageError);
    EXPECT_THROW(ParseByteSize("KiB", "x"), UsageError);
    EXPECT_THROW(ParseByteSize("-1", "x"), UsageError);
    EXPECT_THROW(ParseByteSize("1.5MiB", "x"), UsageError);
    EXPECT_THROW(ParseByteSize("99999999999999999999", "x"), UsageError);
    EXPECT_THROW(ParseByteSize("17179869184GiB", "x"), UsageError);
}

TEST(FormatDuration, PicksReadableUnits) {
    EXPECT_EQ(FormatDurationNs(850), "850ns");
    EXPECT_EQ(FormatDurationNs(1'500), "1.50us");
    EXPECT_EQ(FormatDurationNs(12'300'000), "12.3ms");
    EXPECT_EQ(FormatDurationNs(1'500'000'000), "1.50s");
    EXPECT_EQ(FormatDurationNs(125'000'000'000), "2m05s");
}

}  // namespace
}  // namespace lse
