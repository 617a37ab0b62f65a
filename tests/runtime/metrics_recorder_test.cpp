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

}  // namespace
}  // namespace lse::runtime
