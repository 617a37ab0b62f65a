#include "lse/core/byte_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace lse {
namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

std::string Varint(std::uint64_t v) {
    std::string out;
    ByteWriter(&out).U64(v);
    return out;
}

TEST(ByteCodec, VarintBytesAreLeb128) {
    // Pinned: the metrics, protocol and plan formats all depend on these exact bytes.
    EXPECT_EQ(Varint(0), std::string(1, '\0'));
    EXPECT_EQ(Varint(127), "\x7f");
    EXPECT_EQ(Varint(128), "\x80\x01");
    EXPECT_EQ(Varint(300), "\xac\x02");
    EXPECT_EQ(Varint(kMaxU64), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
    EXPECT_EQ(Varint(kMaxU64).size(), kMaxVarintBytes);
}

TEST(ByteCodec, VarintsRoundTripBoundaries) {
    const std::uint64_t values[] = {0, 1, 127, 128, 16383, 16384, std::uint64_t{1} << 35, kMaxU64 - 1, kMaxU64};
    for (std::uint64_t v : values) {
        const std::string bytes = Varint(v);
        ByteReader r(bytes);
        EXPECT_EQ(r.U64("v"), v);
        EXPECT_TRUE(r.ok());
        EXPECT_TRUE(r.AtEnd());
    }
}

TEST(ByteCodec, ZigZagKeepsSmallNegativesShort) {
    EXPECT_EQ(ZigZagEncode(0), 0u);
    EXPECT_EQ(ZigZagEncode(-1), 1u);
    EXPECT_EQ(ZigZagEncode(1), 2u);
    EXPECT_EQ(ZigZagEncode(-2), 3u);
    EXPECT_EQ(ZigZagEncode(kMaxI64), kMaxU64 - 1);
    EXPECT_EQ(ZigZagEncode(kMinI64), kMaxU64);
    const std::int64_t values[] = {0, -1, 1, -64, 64, -1'500'000'000, kMinI64, kMaxI64};
    for (std::int64_t v : values) {
        EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
        std::string bytes;
        ByteWriter(&bytes).I64(v);
        ByteReader r(bytes);
        EXPECT_EQ(r.I64("v"), v);
        EXPECT_TRUE(r.ok() && r.AtEnd());
    }
    std::string minus_one;
    ByteWriter(&minus_one).I64(-1);
    EXPECT_EQ(minus_one, "\x01");
}

TEST(ByteCodec, Fnv1a64MatchesPublishedVectors) {
    EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
    static_assert(Fnv1a64("") == 0xcbf29ce484222325ULL);
}

TEST(ByteCodec, FixedWidthAndStringsRoundTrip) {
    std::string bytes;
    ByteWriter w(&bytes);
    w.Byte(0xfe);
    w.Bool(true);
    w.Fixed64(0x0102030405060708ULL);
    w.F64(-2.5);
    w.Str(std::string("a\0b", 3));
    w.Raw("xyz");
    EXPECT_EQ(bytes.substr(2, 8), "\x08\x07\x06\x05\x04\x03\x02\x01");  // little-endian
    ByteReader r(bytes);
    EXPECT_EQ(r.Byte("b"), 0xfe);
    EXPECT_TRUE(r.Bool("bool"));
    EXPECT_EQ(r.Fixed64("f"), 0x0102030405060708ULL);
    EXPECT_EQ(r.F64("d"), -2.5);
    std::string s;
    r.Str("s", 3, &s);
    EXPECT_EQ(s, std::string("a\0b", 3));
    EXPECT_EQ(r.Raw(3, "raw"), "xyz");
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.AtEnd());
}

TEST(ByteCodec, TruncatedInputLatchesTheFirstFailure) {
    const std::string full = Varint(kMaxU64);
    for (std::size_t len = 0; len < full.size(); ++len) {
        ByteReader r(std::string_view(full.data(), len));
        EXPECT_EQ(r.U64("count"), 0u) << len;
        EXPECT_FALSE(r.ok());
        EXPECT_STREQ(r.error(), "count");
    }
    // After a failure nothing else is read or consumed, and the first reason stays.
    std::string bytes = "\x80";  // truncated varint
    bytes += "\x05";
    ByteReader r(std::string_view(bytes.data(), 1));
    r.U64("first");
    EXPECT_EQ(r.Byte("second"), 0);
    EXPECT_EQ(r.Fixed64("third"), 0u);
    EXPECT_STREQ(r.error(), "first");
    EXPECT_EQ(r.remaining(), 1u);

    ByteReader short_fixed("1234567");
    EXPECT_EQ(short_fixed.Fixed64("fixed"), 0u);
    EXPECT_STREQ(short_fixed.error(), "fixed");
    ByteReader short_raw("ab");
    EXPECT_EQ(short_raw.Raw(3, "raw"), "");
    EXPECT_FALSE(short_raw.ok());
}

TEST(ByteCodec, OverlongVarintsAreRefused) {
    // A 10th byte carrying more than bit 63 would wrap.
    std::string too_big(9, '\xff');
    too_big.push_back('\x02');
    ByteReader a(too_big);
    a.U64("big");
    EXPECT_FALSE(a.ok());
    // Eleven bytes, even of zero payload.
    std::string eleven(10, '\x80');
    eleven.push_back('\x00');
    ByteReader b(eleven);
    b.U64("long");
    EXPECT_FALSE(b.ok());
    // U32 refuses what does not fit 32 bits.
    const std::string wide = Varint(std::uint64_t{1} << 32);
    ByteReader c(wide);
    c.U32("u32");
    EXPECT_FALSE(c.ok());
}

TEST(ByteCodec, StringsLongerThanTheLimitOrTheInputAreRefused) {
    std::string bytes;
    ByteWriter(&bytes).Str("hello");
    std::string out;
    ByteReader limited(bytes);
    limited.Str("name", 4, &out);
    EXPECT_FALSE(limited.ok());
    EXPECT_TRUE(out.empty());
    ByteReader truncated(std::string_view(bytes).substr(0, 3));
    truncated.Str("name", 100, &out);
    EXPECT_FALSE(truncated.ok());
    // A length near 2^64 fails without allocating.
    const std::string huge_length = Varint(kMaxU64);
    ByteReader huge(huge_length);
    huge.Str("name", kMaxU64, &out);
    EXPECT_FALSE(huge.ok());
}

TEST(ByteCodec, BoolsAndEnumsAreRangeChecked) {
    enum class Color : std::uint8_t { kRed, kGreen, kCount };
    ByteReader r("\x02");
    r.Bool("flag");
    EXPECT_FALSE(r.ok());
    ByteReader e("\x01\x02");
    EXPECT_EQ(e.EnumValue<Color>("color"), Color::kGreen);
    EXPECT_EQ(e.EnumValue<Color>("color"), Color::kRed);
    EXPECT_FALSE(e.ok());
}

TEST(ByteCodec, ABorrowedViewIsConsumedSoDecodersNest) {
    std::string bytes;
    ByteWriter w(&bytes);
    w.U64(300);
    w.U64(7);
    std::string_view view = bytes;
    {
        ByteReader outer(&view);
        EXPECT_EQ(outer.U64("outer"), 300u);
    }
    EXPECT_EQ(view.size(), 1u);
    ByteReader inner(&view);
    EXPECT_EQ(inner.U64("inner"), 7u);
    EXPECT_TRUE(view.empty());
}

}  // namespace
}  // namespace lse
