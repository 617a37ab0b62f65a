#include "lse/runtime/metrics_recorder.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace lse::runtime {
namespace {

TEST(MetricsRecorder, RegisterIsIdempotentPerName) {
    MetricsRecorder r;
    const int a = r.Register("GET /a");
    const int b = r.Register("GET /b");
    EXPECT_NE(a, b);
    EXPECT_EQ(r.Register("GET /a"), a);
}

TEST(MetricsRecorder, PublishMovesIntervalAndResets) {
    MetricsRecorder r;
    const int a = r.Register("a");
    const int b = r.Register("b");
    r.RecordCompletion(a, ErrorKind::kNone, 200, true, 100, 150, 10, 5);
    r.RecordCompletion(b, ErrorKind::kConnect, 0, false, 0, 0, 0, 0);
    r.RecordDropped(a);

    metrics::Snapshot s;
    EXPECT_FALSE(r.TakePublished(&s));
    r.Publish(0, 1000);
    ASSERT_TRUE(r.TakePublished(&s));
    EXPECT_EQ(s.total.requests, 2u);
    EXPECT_EQ(s.total.ok, 1u);
    EXPECT_EQ(s.total.dropped, 1u);
    EXPECT_EQ(s.total.ErrorsOf(ErrorKind::kConnect), 1u);
    EXPECT_EQ(s.by_name.at("a").service_time_us.Count(), 1u);
    EXPECT_EQ(s.by_name.at("a").response_time_us.Max(), 150);
    EXPECT_EQ(s.by_name.at("b").ErrorCount(), 1u);
    EXPECT_FALSE(r.TakePublished(&s)) << "taken twice";

    // The next interval starts empty.
    r.Publish(1000, 2000);
    ASSERT_TRUE(r.TakePublished(&s));
    EXPECT_EQ(s.total.requests, 0u);
    EXPECT_EQ(s.start_ns, 1000);
}

TEST(MetricsRecorder, UnreadIntervalsAccumulate) {
    MetricsRecorder r;
    const int a = r.Register("a");
    r.RecordCompletion(a, ErrorKind::kNone, 200, true, 1, 1, 0, 0);
    r.Publish(0, 1000);
    r.RecordCompletion(a, ErrorKind::kNone, 200, true, 2, 2, 0, 0);
    r.Publish(1000, 2000);
    metrics::Snapshot s;
    ASSERT_TRUE(r.TakePublished(&s));
    EXPECT_EQ(s.total.requests, 2u) << "a slow reader must not lose an interval";
}

TEST(MetricsRecorder, ConcurrentPublishAndTakeLoseNothing) {
    MetricsRecorder r;
    const int a = r.Register("a");
    constexpr int kIntervals = 2000;
    std::thread writer([&] {
        for (int i = 0; i < kIntervals; ++i) {
            r.RecordCompletion(a, ErrorKind::kNone, 200, true, i, i, 0, 0);
            r.Publish(i, i + 1);
        }
    });
    std::uint64_t seen = 0;
    metrics::Snapshot s;
    while (seen < kIntervals) {
        if (r.TakePublished(&s)) seen += s.total.requests;
    }
    writer.join();
    EXPECT_EQ(seen, static_cast<std::uint64_t>(kIntervals));
}

// The coordinated-omission arithmetic, from computed timestamps (no clock). Times in ns; 1 ms = 1'000'000.
constexpr std::int64_t kMs = 1'000'000;

http::Timings Exchange(std::int64_t queued, std::int64_t sent, std::int64_t done) {
    http::Timings t;
    t.queued_ns = queued;
    t.write_start_ns = sent;
    t.done_ns = done;
    return t;
}

TEST(MeasureExchange, OnTimeRequestIsMeasuredFromItsCall) {
    // Iteration intended and started at 100 ms; the http call at 100 ms, written at 101, done at 105.
    const Latency l = MeasureExchange(Exchange(100 * kMs, 101 * kMs, 105 * kMs), 100 * kMs, 100 * kMs);
    EXPECT_EQ(l.service_us, 4'000);
    EXPECT_EQ(l.response_us, 5'000);
}

TEST(MeasureExchange, LateIterationCarriesItsDelayIntoEveryRequest) {
    // Intended at 100 ms, started at 350 ms (it waited for a virtual user); its second request is called at
    // 400 ms, written at 402, done at 410: response = (410 - 400) + (350 - 100) = 260 ms, service = 8 ms.
    const Latency l = MeasureExchange(Exchange(400 * kMs, 402 * kMs, 410 * kMs), 100 * kMs, 350 * kMs);
    EXPECT_EQ(l.service_us, 8'000);
    EXPECT_EQ(l.response_us, 260'000);
}

TEST(MeasureExchange, UrlModeIsFromTheIntendedStartToTheLastByte) {
    // One request per iteration, started by the send call (started = queued): response = done - intended.
    const http::Timings t = Exchange(300 * kMs, 300 * kMs + 5'000, 320 * kMs);
    const Latency l = MeasureExchange(t, 100 * kMs, t.queued_ns);
    EXPECT_EQ(l.response_us, 220'000);
    EXPECT_EQ(l.service_us, 19'995);
}

TEST(MeasureExchange, AnArrivalTakenEarlyIsMeasuredFromWhenItStarted) {
    // The pacer takes arrivals due within a few microseconds: intended may lie after the start. Response time
    // then runs from the start, never below the time actually spent (nor below service time).
    const http::Timings t = Exchange(100 * kMs, 100 * kMs + 2'000, 100 * kMs + 50'000);
    const Latency l = MeasureExchange(t, 100 * kMs + 15'000, t.queued_ns);
    EXPECT_EQ(l.response_us, 50);
    EXPECT_EQ(l.service_us, 48);
    EXPECT_GE(l.response_us, l.service_us);
}

TEST(MeasureExchange, MissingPhasesFallBackAndNeverGoNegative) {
    // Never written (connect refused): no service time; response from the call.
    Latency l = MeasureExchange(Exchange(100 * kMs, 0, 130 * kMs), 90 * kMs, 100 * kMs);
    EXPECT_EQ(l.service_us, 0);
    EXPECT_EQ(l.response_us, 40'000);
    // No queued time: from the write.
    l = MeasureExchange(Exchange(0, 100 * kMs, 103 * kMs), 100 * kMs, 100 * kMs);
    EXPECT_EQ(l.response_us, 3'000);
    // No done time (the client always sets it): up to the latest phase there is, never garbage.
    l = MeasureExchange(Exchange(100 * kMs, 101 * kMs, 0), 100 * kMs, 100 * kMs);
    EXPECT_EQ(l.service_us, 0);
    EXPECT_EQ(l.response_us, 1'000);
    // No intended start (a hook): from the start.
    l = MeasureExchange(Exchange(200 * kMs, 200 * kMs, 207 * kMs), 0, 150 * kMs);
    EXPECT_EQ(l.response_us, 7'000);
}

TEST(MeasureRun, IterationIsMeasuredFromItsIntendedStart) {
    Latency l = MeasureRun(100 * kMs, 350 * kMs, 400 * kMs);
    EXPECT_EQ(l.service_us, 50'000);
    EXPECT_EQ(l.response_us, 300'000);
    l = MeasureRun(100 * kMs + 10'000, 100 * kMs, 101 * kMs);  // intended after the start: from the start
    EXPECT_EQ(l.response_us, 1'000);
    l = MeasureRun(0, 100 * kMs, 101 * kMs);
    EXPECT_EQ(l.response_us, 1'000);
    static_assert(MeasureRun(1, 2, 1).response_us == 0, "never negative");
}

TEST(MetricsRecorder, RecordExchangeChecksTheStatusAndRecordsTheReason) {
    MetricsRecorder r;
    const int a = r.Register("a");
    StatusSet accepted = StatusSet::SuccessAndRedirects();
    http::Result ok;
    ok.status = 200;
    ok.bytes_received = 10;
    ok.bytes_sent = 5;
    ok.t = Exchange(100 * kMs, 101 * kMs, 105 * kMs);
    EXPECT_EQ(r.RecordExchange(a, ok, accepted, 50 * kMs, 100 * kMs), ErrorKind::kNone);
    http::Result bad = ok;
    bad.status = 503;
    EXPECT_EQ(r.RecordExchange(a, bad, accepted, 100 * kMs, 100 * kMs), ErrorKind::kStatus);
    http::Result refused;
    refused.error = ErrorKind::kConnect;
    refused.error_detail = "connection refused";
    refused.t = Exchange(100 * kMs, 0, 101 * kMs);
    EXPECT_EQ(r.RecordExchange(a, refused, accepted, 100 * kMs, 100 * kMs), ErrorKind::kConnect);

    r.Publish(0, 1000);
    metrics::Snapshot s;
    ASSERT_TRUE(r.TakePublished(&s));
    const metrics::RequestStats& st = s.by_name.at("a");
    EXPECT_EQ(st.requests, 3u);
    EXPECT_EQ(st.ok, 1u);
    EXPECT_EQ(st.ErrorsOf(ErrorKind::kStatus), 1u);
    EXPECT_EQ(st.ErrorsOf(ErrorKind::kConnect), 1u);
    EXPECT_EQ(st.response_time_us.Max(), 55'000) << "the first one's start delay (50 ms) is in its response time";
    ASSERT_EQ(s.errors.size(), 1u) << "only the transport failure has a reason row; statuses have their table";
    EXPECT_NE(s.errors.begin()->first.find("connection refused"), std::string::npos);
}

TEST(MetricsRecorder, RecordRunCountsTheIteration) {
    MetricsRecorder r;
    const int t = r.Register("task", /*counts_in_total=*/false);
    r.RecordRun(t, ErrorKind::kNone, 100 * kMs, 150 * kMs, 160 * kMs);
    r.RecordRun(t, ErrorKind::kCheck, 100 * kMs, 100 * kMs, 101 * kMs);
    r.Publish(0, 1000);
    metrics::Snapshot s;
    ASSERT_TRUE(r.TakePublished(&s));
    const metrics::RequestStats& st = s.by_name.at("task");
    EXPECT_EQ(st.requests, 2u);
    EXPECT_EQ(st.ok, 1u);
    EXPECT_EQ(st.ErrorsOf(ErrorKind::kCheck), 1u);
    EXPECT_EQ(st.response_time_us.Max(), 60'000);
}

}  // namespace
}  // namespace lse::runtime
