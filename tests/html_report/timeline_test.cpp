#include "lse/html_report/timeline.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"

namespace lse::html_report {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

report::IntervalUpdate Update(const metrics::Snapshot& interval, std::int64_t elapsed_ns, double target_rps = 0) {
    return report::IntervalUpdate{interval, interval, elapsed_ns, 0, target_rps, 0, "steady", {}};
}

TEST(Timeline, RowHoldsRatesPercentilesErrorsStatusesAndTaskRates) {
    metrics::Snapshot s;
    s.Reset(0, 2 * kNsPerSec);  // a 2 s interval: rates are per second
    metrics::RequestStats* r = &s.ForName(MakeStatKey(StatKind::kRequest, "sc", "t1", "GET /"));
    for (int i = 1; i <= 100; ++i) s.RecordCompletion(r, ErrorKind::kNone, 200, true, i * 1000, i * 2000, 0, 0);
    s.RecordCompletion(r, ErrorKind::kNone, 404, false, 500, 500, 0, 0);
    s.RecordCompletion(r, ErrorKind::kReset, 0, false, 0, 0, 0, 0);
    s.RecordCompletion(r, ErrorKind::kNone, 302, true, 500, 500, 0, 0);
    metrics::RequestStats& t1 = s.ForName(MakeStatKey(StatKind::kTask, "sc", "t1"));
    for (int i = 0; i < 10; ++i) t1.RecordCompletion(ErrorKind::kNone, 0, true, 1000, 1000, 0, 0);
    t1.RecordCompletion(ErrorKind::kScript, 0, false, 1000, 1000, 0, 0);

    Timeline timeline;
    timeline.Append(Update(s, 2 * kNsPerSec, 50));
    const std::vector<TimelineRow> rows = timeline.Rows();
    ASSERT_EQ(rows.size(), 1u);
    const TimelineRow& row = rows[0];
    EXPECT_DOUBLE_EQ(row.elapsed_s, 2.0);
    EXPECT_DOUBLE_EQ(row.target_rps, 50.0);
    EXPECT_DOUBLE_EQ(row.achieved_rps, 103.0 / 2.0);
    EXPECT_EQ(row.service_us[4], 100000);                    // max is exact
    // 102 timed samples (two of 500 µs, then 1..100 ms): the median is the 51st, 49 ms (within bucket resolution).
    EXPECT_NEAR(row.service_us[0], 49000, 50);
    EXPECT_NEAR(row.response_us[3], 198000, 200);            // p99 of the CO-corrected time
    EXPECT_EQ(row.errors[static_cast<int>(ErrorKind::kReset)], 1u);
    EXPECT_EQ(row.errors[static_cast<int>(ErrorKind::kStatus)], 1u);
    EXPECT_EQ(row.errors[static_cast<int>(ErrorKind::kScript)], 1u);
    EXPECT_EQ(row.statuses, (std::array<std::uint64_t, 4>{100, 1, 1, 0}));
    ASSERT_EQ(row.task_iterations_per_s.size(), 1u);
    EXPECT_DOUBLE_EQ(row.task_iterations_per_s[0], 11.0 / 2.0);
    EXPECT_DOUBLE_EQ(row.iterations_per_s, 11.0 / 2.0);
    EXPECT_EQ(timeline.TaskNames(), std::vector<std::string>{"t1"});

    const nlohmann::json j = timeline.ToJson();
    EXPECT_EQ(j.at("errors").size(), 3u);  // only the kinds that occurred: reset, status, script
    EXPECT_EQ(j.at("errors").at("reset")[0], 1);
}

TEST(Timeline, IntervalWithoutSamplesHasNullLatencies) {
    metrics::Snapshot s;
    s.Reset(0, kNsPerSec);
    Timeline timeline;
    timeline.Append(Update(s, kNsPerSec));
    const nlohmann::json j = timeline.ToJson();
    EXPECT_TRUE(j.at("service_ms").at("p95")[0].is_null());
    EXPECT_TRUE(j.at("response_ms").at("max")[0].is_null());
    EXPECT_EQ(j.at("achieved_rps")[0], 0.0);
}

TEST(Timeline, TaskNamesCarryTheScenarioWhenThereAreSeveral) {
    metrics::Snapshot s;
    s.Reset(0, kNsPerSec);
    s.ForName(MakeStatKey(StatKind::kTask, "a", "x")).RecordCompletion(ErrorKind::kNone, 0, true, 1, 1, 0, 0);
    s.ForName(MakeStatKey(StatKind::kTask, "b", "x")).RecordCompletion(ErrorKind::kNone, 0, true, 1, 1, 0, 0);
    Timeline timeline;
    timeline.Append(Update(s, kNsPerSec));
    EXPECT_EQ(timeline.TaskNames(), (std::vector<std::string>{"a: x", "b: x"}));
}

// One interval's snapshot with a loop-lag report of `lag_us` from each of `ids`.
metrics::Snapshot WithLag(const std::vector<std::string>& ids, std::int64_t lag_us, std::int64_t second) {
    metrics::Snapshot s;
    s.Reset(second * kNsPerSec, (second + 1) * kNsPerSec);
    for (const std::string& id : ids) s.generators[id].loop_lag_us.RecordN(lag_us, 10);
    return s;
}

TEST(Timeline, LoopLagP99PerGeneratorWithGapsWhereOneDidNotReport) {
    Timeline timeline;
    timeline.Append(Update(WithLag({"a1", "a2"}, 2000, 0), kNsPerSec));
    timeline.Append(Update(WithLag({"a2"}, 30000, 1), 2 * kNsPerSec));  // a1 sent nothing this second
    metrics::Snapshot silent = WithLag({}, 0, 2);
    silent.generators["a1"];  // an entry without samples (Reset zeroed it) is no report either
    timeline.Append(Update(silent, 3 * kNsPerSec));
    EXPECT_EQ(timeline.GeneratorNames(), (std::vector<std::string>{"a1", "a2"}));
    const nlohmann::json lag = timeline.ToJson().at("generators");
    ASSERT_EQ(lag.size(), 2u);
    EXPECT_EQ(lag[0].at("name"), "a1");
    const nlohmann::json& a1 = lag[0].at("loop_lag_p99_ms");
    const nlohmann::json& a2 = lag[1].at("loop_lag_p99_ms");
    ASSERT_EQ(a1.size(), 3u);
    EXPECT_NEAR(a1[0].get<double>(), 2.0, 0.02);
    EXPECT_TRUE(a1[1].is_null());
    EXPECT_TRUE(a1[2].is_null());
    EXPECT_NEAR(a2[1].get<double>(), 30.0, 0.3);
    EXPECT_TRUE(a2[2].is_null());
}

TEST(Timeline, RunWithoutGeneratorReportsHasNoLoopLagSeries) {
    metrics::Snapshot s;
    s.Reset(0, kNsPerSec);
    Timeline timeline;
    timeline.Append(Update(s, kNsPerSec));
    EXPECT_TRUE(timeline.ToJson().at("generators").empty());
}

TEST(Timeline, GeneratorsBeyondTheLimitShareOneWorstSeries) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < Timeline::kMaxGenerators + 3; ++i) ids.push_back("g" + std::to_string(100 + i));
    metrics::Snapshot s = WithLag(ids, 1000, 0);
    s.generators[ids.back()].loop_lag_us.RecordN(50000, 10);  // the last one lags: its spike must still show
    Timeline timeline;
    timeline.Append(Update(s, kNsPerSec));
    const std::vector<std::string> names = timeline.GeneratorNames();
    ASSERT_EQ(names.size(), Timeline::kMaxGenerators + 1);
    EXPECT_EQ(names.back(), "other generators (worst)");
    const nlohmann::json lag = timeline.ToJson().at("generators");
    EXPECT_NEAR(lag.back().at("loop_lag_p99_ms")[0].get<double>(), 50.0, 0.5);
    EXPECT_NEAR(lag.front().at("loop_lag_p99_ms")[0].get<double>(), 1.0, 0.01);
}

TEST(Timeline, MergedRowsKeepTheWorstLoopLag) {
    TimelineRow earlier;
    earlier.generator_lag_p99_us = {1000};
    TimelineRow later;
    later.generator_lag_p99_us = {500, 7000};
    MergeRows(&earlier, later);
    EXPECT_EQ(earlier.generator_lag_p99_us, (std::vector<std::int64_t>{1000, 7000}));
    TimelineRow none;
    MergeRows(&earlier, none);
    EXPECT_EQ(earlier.generator_lag_p99_us, (std::vector<std::int64_t>{1000, 7000})) << "a row without reports";
}

TEST(Timeline, LongRunsStayBoundedAndKeepSpikes) {
    metrics::Snapshot s;
    metrics::RequestStats* r = &s.ForName(MakeStatKey(StatKind::kRequest, "sc", "t", "GET /"));
    Timeline timeline;
    const std::size_t intervals = 2 * Timeline::kMaxRows + 3;
    const std::size_t spike_at = 7;
    for (std::size_t i = 0; i < intervals; ++i) {
        s.Reset(static_cast<std::int64_t>(i) * kNsPerSec, static_cast<std::int64_t>(i + 1) * kNsPerSec);
        const std::int64_t latency = i == spike_at ? 900000 : 1000;
        s.RecordCompletion(r, ErrorKind::kNone, 200, true, latency, latency, 0, 0);
        s.RecordCompletion(r, ErrorKind::kNone, 200, true, latency, latency, 0, 0);
        timeline.Append(Update(s, static_cast<std::int64_t>(i + 1) * kNsPerSec, 2));
    }
    const std::vector<TimelineRow> rows = timeline.Rows();
    EXPECT_LE(rows.size(), Timeline::kMaxRows + 1);
    EXPECT_GE(rows.size(), Timeline::kMaxRows / 2);
    EXPECT_EQ(timeline.IntervalsPerRow(), 4u);
    EXPECT_DOUBLE_EQ(rows.back().elapsed_s, static_cast<double>(intervals));
    std::int64_t worst = 0;
    std::uint64_t ok_2xx = 0;
    for (const TimelineRow& row : rows) {
        worst = std::max(worst, row.service_us[4]);
        ok_2xx += row.statuses[0];
        EXPECT_NEAR(row.achieved_rps, 2.0, 1e-9);
        EXPECT_NEAR(row.target_rps, 2.0, 1e-9);
    }
    EXPECT_EQ(worst, 900000) << "merging must keep the worst latency of the merged intervals";
    EXPECT_EQ(ok_2xx, 2 * intervals) << "merging must keep every count";
    EXPECT_EQ(timeline.ToJson().at("intervals_per_row"), 4);
}

}  // namespace
}  // namespace lse::html_report
