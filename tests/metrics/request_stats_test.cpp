#include "lse/metrics/request_stats.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "lse/core/byte_codec.hpp"

namespace lse::metrics {
namespace {

std::string Encode(const RequestStats& s) {
    std::string out;
    s.AppendTo(&out);
    return out;
}

// A deterministic mix of outcomes, so merges and round trips have something to compare.
void RecordMix(RequestStats* s, int n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> outcome(0, 9);
    std::uniform_int_distribution<std::int64_t> latency(100, 2'000'000);
    for (int i = 0; i < n; ++i) {
        const std::int64_t service = latency(rng);
        const std::int64_t response = service + latency(rng) / 10;
        switch (outcome(rng)) {
            case 0: s->RecordError(ErrorKind::kTimeout, 0, 120); break;
            case 1: s->RecordError(ErrorKind::kConnect); break;
            case 2: s->RecordCompletion(ErrorKind::kStatus, 503, false, service, response, 80, 120); break;
            case 3: s->RecordDropped(); break;
            default: s->RecordResponse(200, true, service, response, 1000, 120); break;
        }
    }
}

TEST(RequestStats, OkResponseIsCountedAndTimed) {
    RequestStats s;
    s.RecordCompletion(ErrorKind::kNone, 200, true, 1500, 2500, 900, 100);
    EXPECT_EQ(s.requests, 1u);
    EXPECT_EQ(s.ok, 1u);
    EXPECT_EQ(s.ErrorCount(), 0u);
    EXPECT_EQ(s.statuses.Count(200), 1u);
    EXPECT_EQ(s.service_time_us.Max(), 1500);
    EXPECT_EQ(s.response_time_us.Max(), 2500);
    EXPECT_EQ(s.bytes_received, 900u);
    EXPECT_EQ(s.bytes_sent, 100u);
}

TEST(RequestStats, UnacceptedStatusIsAnErrorButTimed) {
    RequestStats s;
    s.RecordCompletion(ErrorKind::kNone, 500, false, 10, 20, 1, 1);   // caller did not classify
    s.RecordCompletion(ErrorKind::kStatus, 404, false, 30, 40, 1, 1);  // caller classified
    s.RecordCompletion(ErrorKind::kStatus, 200, true, 50, 60, 1, 1);   // kStatus wins over accepted
    EXPECT_EQ(s.requests, 3u);
    EXPECT_EQ(s.ok, 0u);
    EXPECT_EQ(s.ErrorsOf(ErrorKind::kStatus), 3u);
    EXPECT_EQ(s.statuses.Count(500), 1u);
    EXPECT_EQ(s.statuses.Count(404), 1u);
    EXPECT_EQ(s.response_time_us.Count(), 3u);
    EXPECT_DOUBLE_EQ(s.ErrorRate(), 1.0);
}

TEST(RequestStats, TransportErrorsAreCountedNotTimed) {
    RequestStats s;
    s.RecordError(ErrorKind::kTimeout, 10, 20);
    s.RecordCompletion(ErrorKind::kReset, 200, true, 5, 5, 0, 0);  // status ignored on transport errors
    s.RecordResponse(200, true, 100, 100, 0, 0);
    EXPECT_EQ(s.requests, 3u);
    EXPECT_EQ(s.ok, 1u);
    EXPECT_EQ(s.ErrorsOf(ErrorKind::kTimeout), 1u);
    EXPECT_EQ(s.ErrorsOf(ErrorKind::kReset), 1u);
    EXPECT_EQ(s.ErrorsOf(ErrorKind::kNone), 0u);
    EXPECT_EQ(s.ErrorCount(), 2u);
    EXPECT_EQ(s.statuses.Total(), 1u);
    EXPECT_EQ(s.service_time_us.Count(), 1u);
    EXPECT_EQ(s.bytes_received, 10u);
    EXPECT_NEAR(s.ErrorRate(), 2.0 / 3.0, 1e-12);
}

TEST(RequestStats, InvalidKindDoesNotWriteOutOfBounds) {
    RequestStats s;
    s.RecordError(static_cast<ErrorKind>(200));
    EXPECT_EQ(s.ErrorsOf(ErrorKind::kParse), 1u);
    EXPECT_EQ(s.ErrorsOf(static_cast<ErrorKind>(200)), 0u);
}

TEST(RequestStats, DroppedIsSeparateFromRequests) {
    RequestStats s;
    s.RecordDropped(3);
    EXPECT_EQ(s.dropped, 3u);
    EXPECT_EQ(s.requests, 0u);
    EXPECT_EQ(s.ErrorRate(), 0.0);
}

TEST(RequestStats, MergeEqualsRecordingEverything) {
    RequestStats a, b, all;
    RecordMix(&a, 3000, 1);
    RecordMix(&b, 2000, 2);
    RecordMix(&all, 3000, 1);
    RecordMix(&all, 2000, 2);
    a += b;
    EXPECT_EQ(a, all);
    EXPECT_EQ(a.requests + a.dropped, 5000u);
    EXPECT_EQ(a.ok + a.ErrorCount(), a.requests);
}

TEST(RequestStats, ResetZeroesEverything) {
    RequestStats s;
    RecordMix(&s, 500, 3);
    s.Reset();
    EXPECT_EQ(s, RequestStats());
}

TEST(RequestStats, RoundTripsAndRejectsPrefixes) {
    RequestStats s;
    RecordMix(&s, 1000, 4);
    const std::string bytes = Encode(s);
    RequestStats out;
    std::string error;
    ASSERT_TRUE(RequestStats::Decode(bytes, &out, &error)) << error;
    EXPECT_EQ(out, s);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        ASSERT_FALSE(RequestStats::Decode(std::string_view(bytes.data(), len), &out, &error)) << len;
        ASSERT_EQ(out, RequestStats());
    }
    EXPECT_FALSE(RequestStats::Decode(bytes + '\0', &out, &error));
    EXPECT_LT(Encode(RequestStats()).size(), 32u);
}

// Version 2 (issue 15) adds bytes_decoded: it round-trips and merges; version 1 (an older agent's) still decodes,
// with bytes_decoded 0; other versions are refused.
TEST(RequestStats, BytesDecodedRoundTripsAndVersion1StillDecodes) {
    RequestStats s;
    RecordMix(&s, 100, 5);
    s.RecordDecoded(4096);
    s.RecordDecoded(100);
    EXPECT_EQ(s.bytes_decoded, 4196u);
    RequestStats out;
    std::string error;
    ASSERT_TRUE(RequestStats::Decode(Encode(s), &out, &error)) << error;
    EXPECT_EQ(out.bytes_decoded, 4196u);
    EXPECT_EQ(out, s);
    RequestStats merged = s;
    merged += s;
    EXPECT_EQ(merged.bytes_decoded, 2 * 4196u);
    merged.Reset();
    EXPECT_EQ(merged.bytes_decoded, 0u);

    // A version 1 encoding, written field by field as the old layout had it.
    std::string v1 = {'R', '\x01'};
    ByteWriter w(&v1);
    w.U64(3);  // requests
    w.U64(2);  // ok
    w.U64(0);  // error kinds
    w.U64(1);  // dropped
    w.U64(700);  // bytes_received
    w.U64(90);   // bytes_sent
    StatusCounts().AppendTo(&v1);
    Histogram().AppendTo(&v1);
    Histogram().AppendTo(&v1);
    ASSERT_TRUE(RequestStats::Decode(v1, &out, &error)) << error;
    EXPECT_EQ(out.requests, 3u);
    EXPECT_EQ(out.bytes_received, 700u);
    EXPECT_EQ(out.bytes_sent, 90u);
    EXPECT_EQ(out.bytes_decoded, 0u);
    std::string v3 = Encode(s);
    v3[1] = 3;
    EXPECT_FALSE(RequestStats::Decode(v3, &out, &error));
    EXPECT_NE(error.find("unsupported version"), std::string::npos) << error;
}

TEST(RequestStats, RandomGarbageNeverCrashes) {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 64);
    RequestStats out;
    for (int i = 0; i < 5000; ++i) {
        std::string buf(length(rng), '\0');
        for (auto& c : buf) c = static_cast<char>(byte(rng));
        if (i % 2 == 0 && buf.size() >= 2) {
            buf[0] = 'R';
            buf[1] = 1;
        }
        if (!RequestStats::Decode(buf, &out, nullptr)) {
            ASSERT_EQ(out, RequestStats());
        }
    }
    // Mutations of a valid encoding reach the nested decoders.
    RequestStats s;
    RecordMix(&s, 200, 12);
    const std::string valid = Encode(s);
    std::uniform_int_distribution<std::size_t> pos(0, valid.size() - 1);
    for (int i = 0; i < 3000; ++i) {
        std::string buf = valid;
        buf[pos(rng)] = static_cast<char>(byte(rng));
        if (RequestStats::Decode(buf, &out, nullptr)) {
            RequestStats again;
            ASSERT_TRUE(RequestStats::Decode(Encode(out), &again, nullptr));
            EXPECT_EQ(again, out);
        }
    }
}

}  // namespace
}  // namespace lse::metrics
