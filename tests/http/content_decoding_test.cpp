#include "lse/http/content_decoding.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "lse/testing/compress.hpp"

namespace lse::http {
namespace {

using lse::testing::Brotli;
using lse::testing::Deflate;
using lse::testing::Gzip;

// Text that compresses but is not trivial, larger than the decoder's first output buffer.
std::string Sample(std::size_t n) {
    std::mt19937 rng(7);
    std::string s;
    while (s.size() < n) s += "{\"id\":" + std::to_string(rng() % 100000) + ",\"name\":\"user\"},";
    s.resize(n);
    return s;
}

TEST(ContentCoding, ParsesTokensCaseInsensitively) {
    EXPECT_EQ(ParseContentCoding("gzip"), ContentCoding::kGzip);
    EXPECT_EQ(ParseContentCoding(" X-GZip "), ContentCoding::kGzip);
    EXPECT_EQ(ParseContentCoding("Deflate"), ContentCoding::kDeflate);
    EXPECT_EQ(ParseContentCoding("br"), ContentCoding::kBrotli);
    EXPECT_EQ(ParseContentCoding("identity"), ContentCoding::kIdentity);
    EXPECT_EQ(ParseContentCoding("zstd"), ContentCoding::kUnknown);
}

TEST(ContentCoding, NeedsDecodingOnlyForKnownCodings) {
    EXPECT_TRUE(NeedsDecoding("gzip"));
    EXPECT_TRUE(NeedsDecoding("gzip, br"));
    EXPECT_FALSE(NeedsDecoding(""));
    EXPECT_FALSE(NeedsDecoding("identity"));
    EXPECT_FALSE(NeedsDecoding("zstd"));
    EXPECT_FALSE(NeedsDecoding("gzip, zstd"));  // cannot undo zstd: hand the body over as it came
}

TEST(ContentCoding, ListIsInAppliedOrderAndBounded) {
    std::vector<ContentCoding> c;
    ASSERT_TRUE(ParseContentEncoding("gzip, identity, br", &c));
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0], ContentCoding::kGzip);
    EXPECT_EQ(c[1], ContentCoding::kBrotli);
    EXPECT_FALSE(ParseContentEncoding("gzip,gzip,gzip", &c, 2));
}

TEST(ContentDecoder, DecodesGzipDeflateAndBrotli) {
    const std::string text = Sample(100 * 1024);
    ContentDecoder d;
    std::string_view out;
    ASSERT_TRUE(d.Decode("gzip", Gzip(text), &out)) << d.Error();
    EXPECT_EQ(out, text);
    ASSERT_TRUE(d.Decode("deflate", Deflate(text, MAX_WBITS), &out)) << d.Error();
    EXPECT_EQ(out, text);
    ASSERT_TRUE(d.Decode("deflate", Deflate(text, -MAX_WBITS), &out)) << d.Error();  // raw deflate, as some servers
    EXPECT_EQ(out, text);
    ASSERT_TRUE(d.Decode("br", Brotli(text), &out)) << d.Error();
    EXPECT_EQ(out, text);
}

TEST(ContentDecoder, UndoesStackedCodingsFromTheLast) {
    const std::string text = Sample(5000);
    ContentDecoder d;
    std::string_view out;
    ASSERT_TRUE(d.Decode("gzip, br", Brotli(Gzip(text)), &out)) << d.Error();
    EXPECT_EQ(out, text);
}

TEST(ContentDecoder, ConcatenatedGzipMembers) {
    ContentDecoder d;
    std::string_view out;
    ASSERT_TRUE(d.Decode("gzip", Gzip("hello ") + Gzip("world"), &out)) << d.Error();
    EXPECT_EQ(out, "hello world");
}

TEST(ContentDecoder, IdentityAndUnknownBodiesPassThrough) {
    ContentDecoder d;
    std::string_view out;
    const std::string body = "plain";
    ASSERT_TRUE(d.Decode("", body, &out));
    EXPECT_EQ(out.data(), body.data());
    ASSERT_TRUE(d.Decode("zstd", body, &out));
    EXPECT_EQ(out, "plain");
}

TEST(ContentDecoder, EmptyGzipBody) {
    ContentDecoder d;
    std::string_view out = "x";
    ASSERT_TRUE(d.Decode("gzip", Gzip(""), &out)) << d.Error();
    EXPECT_EQ(out, "");
}

TEST(ContentDecoder, TruncatedAndCorruptStreamsNameTheCoding) {
    const std::string gz = Gzip(Sample(20000));
    ContentDecoder d;
    std::string_view out;
    EXPECT_FALSE(d.Decode("gzip", std::string_view(gz).substr(0, gz.size() / 2), &out));
    EXPECT_EQ(d.Error(), "gzip: the stream is truncated");
    EXPECT_FALSE(d.Decode("gzip", "not gzip at all", &out));
    EXPECT_EQ(d.Error().rfind("gzip: ", 0), 0u) << d.Error();
    const std::string br = Brotli(Sample(20000));
    EXPECT_FALSE(d.Decode("br", std::string_view(br).substr(0, br.size() / 2), &out));
    EXPECT_EQ(d.Error(), "br: the stream is truncated");
    EXPECT_FALSE(d.Decode("br", "\xff\xff\xff\xff garbage", &out));
    EXPECT_EQ(d.Error().rfind("br: ", 0), 0u) << d.Error();
    // A decoder that failed works again for the next body.
    ASSERT_TRUE(d.Decode("gzip", Gzip("again"), &out)) << d.Error();
    EXPECT_EQ(out, "again");
}

TEST(ContentDecoder, RefusesBodiesOverTheLimit) {
    const std::string big(1 << 20, 'a');  // 1 MiB of one byte: a few KiB compressed
    ContentDecoder d(64 * 1024);
    std::string_view out;
    EXPECT_FALSE(d.Decode("gzip", Gzip(big), &out));
    EXPECT_EQ(d.Error(), "gzip: the decoded body exceeds 65536 bytes");
    EXPECT_FALSE(d.Decode("br", Brotli(big), &out));
    EXPECT_EQ(d.Error(), "br: the decoded body exceeds 65536 bytes");
    ContentDecoder exact(big.size());
    ASSERT_TRUE(exact.Decode("gzip", Gzip(big), &out)) << exact.Error();
    EXPECT_EQ(out.size(), big.size());
}

}  // namespace
}  // namespace lse::http
