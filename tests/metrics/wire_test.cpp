#include "lse/metrics/wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace lse::metrics::wire {
namespace {

TEST(Varint, RoundTripsBoundaries) {
    const std::uint64_t values[] = {0, 1, 127, 128, 16383, 16384, std::uint64_t{1} << 35,
                                    std::numeric_limits<std::uint64_t>::max()};
    for (std::uint64_t v : values) {
        std::string buf;
        AppendVarint(&buf, v);
        std::string_view in = buf;
        std::uint64_t got = 0;
        ASSERT_TRUE(ReadVarint(&in, &got)) << v;
        EXPECT_EQ(got, v);
        EXPECT_TRUE(in.empty());
    }
}

TEST(Varint, SmallValuesTakeOneByte) {
    std::string buf;
    AppendVarint(&buf, 127);
    EXPECT_EQ(buf.size(), 1u);
    AppendVarint(&buf, 128);
    EXPECT_EQ(buf.size(), 3u);
}

TEST(Varint, RejectsTruncationAndOverlong) {
    std::string buf;
    AppendVarint(&buf, std::numeric_limits<std::uint64_t>::max());
    ASSERT_EQ(buf.size(), kMaxVarintBytes);
    for (std::size_t len = 0; len < buf.size(); ++len) {
        std::string_view in(buf.data(), len);
        std::uint64_t v = 0;
        EXPECT_FALSE(ReadVarint(&in, &v)) << len;
    }
    // A 10th byte above 1 would carry bits beyond 64.
    std::string too_big(9, '\xff');
    too_big.push_back('\x02');
    std::string_view in = too_big;
    std::uint64_t v = 0;
    EXPECT_FALSE(ReadVarint(&in, &v));
    // Eleven continuation bytes.
    std::string eleven(11, '\x80');
    in = eleven;
    EXPECT_FALSE(ReadVarint(&in, &v));
}

TEST(Varint, ZigZagRoundTripsSignedValues) {
    const std::int64_t values[] = {0, -1, 1, -64, 64, std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max()};
    for (std::int64_t v : values) {
        std::string buf;
        AppendSignedVarint(&buf, v);
        std::string_view in = buf;
        std::int64_t got = 0;
        ASSERT_TRUE(ReadSignedVarint(&in, &got));
        EXPECT_EQ(got, v);
    }
    EXPECT_EQ(ZigZagEncode(-1), 1u);
    EXPECT_EQ(ZigZagEncode(1), 2u);
}

TEST(Header, ChecksTagAndVersion) {
    std::string buf;
    AppendHeader(&buf, 'H', 1);
    std::string_view in = buf;
    std::string error;
    EXPECT_TRUE(ReadHeader(&in, 'H', 1, "x", &error));
    in = buf;
    EXPECT_FALSE(ReadHeader(&in, 'S', 1, "x", &error));
    EXPECT_NE(error.find("magic"), std::string::npos);
    in = buf;
    EXPECT_FALSE(ReadHeader(&in, 'H', 2, "x", &error));
    EXPECT_NE(error.find("version"), std::string::npos);
    in = std::string_view(buf.data(), 1);
    EXPECT_FALSE(ReadHeader(&in, 'H', 1, "x", nullptr));
}

}  // namespace
}  // namespace lse::metrics::wire
