#include "lse/metrics/wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lse::metrics::wire {
namespace {

// Varints and zigzag are the byte codec's (tests/core/byte_codec_test.cpp); the header is metrics' own.
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
