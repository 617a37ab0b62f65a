// A script's own metrics (lsengine.metrics.*, issue 15) in the text summary, --summary-json, the ndjson stream and
// `lsengine compare`, from hand-built snapshots with exact numbers.
#include "lse/report/custom_metrics_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/compare.hpp"
#include "lse/report/ndjson_writer.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {
namespace {

using metrics::CustomMetricKind;
using metrics::MakeStatKey;
using metrics::StatKind;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

void Add(metrics::Snapshot* s, const char* name, CustomMetricKind kind, std::initializer_list<double> values) {
    metrics::CustomMetric* m = s->ForCustom(name, kind);
    ASSERT_NE(m, nullptr);
    std::int64_t now = 1;
    for (double v : values) m->Add(v, now++);
}

// One of each kind, plus a trend declared and never fed:
//   orders     counter  2 + 3.5 + 4.5 = 10 over a 4 s load: 2.5/s
//   queue      gauge    set 5, 9, 2: value 2 (the last), min 2, max 9
//   login_ok   rate     true, true, true, false: 75%
//   cart       trend    0.02, 0.04 .. 2.00 (100 values, exact in thousandths): min 0.02, mean 1.01, p50 1, p90 1.8,
//                       p95 1.9, p99 1.98, max 2
//   unused     trend    declared only
metrics::Snapshot CustomSnapshot() {
    metrics::Snapshot s;
    s.RecordCompletion(&s.ForName(MakeStatKey(StatKind::kRequest, "shop", "buy", "GET /")), ErrorKind::kNone, 200,
                       true, 500, 1000, 10, 10);
    Add(&s, "orders", CustomMetricKind::kCounter, {2, 3.5, 4.5});
    Add(&s, "queue", CustomMetricKind::kGauge, {5, 9, 2});
    Add(&s, "login_ok", CustomMetricKind::kRate, {1, 1, 1, 0});
    metrics::CustomMetric* cart = s.ForCustom("cart", CustomMetricKind::kTrend);
    for (int i = 1; i <= 100; ++i) cart->Add(0.02 * i, i);
    s.ForCustom("unused", CustomMetricKind::kTrend);
    return s;
}

std::string Print(const SummaryInput& in) {
    std::ostringstream out;
    PrintSummary(out, in);
    return out.str();
}

TEST(CustomMetricsReport, FormatsValuesWithAtMostThreeDecimals) {
    EXPECT_EQ(FormatCustomValue(42), "42");
    EXPECT_EQ(FormatCustomValue(20.25), "20.25");
    EXPECT_EQ(FormatCustomValue(0.001), "0.001");
    EXPECT_EQ(FormatCustomValue(1.0004), "1");
    EXPECT_EQ(FormatCustomValue(-3.5), "-3.5");
    EXPECT_EQ(FormatCustomValue(-0.0001), "0");
    EXPECT_EQ(FormatCustomValue(1e12), "1000000000000");
}

TEST(CustomMetricsReport, RowsAreSortedAndNotReplayableNamesMarkedOrAdded) {
    const metrics::Snapshot s = CustomSnapshot();
    const std::vector<CustomMetricRow> rows = CustomMetricRows(s, {"ghost", "orders"});
    ASSERT_EQ(rows.size(), 6u);
    const std::vector<std::string> names = {"cart", "ghost", "login_ok", "orders", "queue", "unused"};
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].name, names[i]);
    EXPECT_FALSE(rows[1].metric.has_value());  // no agent recorded it: kind unknown
    EXPECT_FALSE(rows[1].replayable);
    EXPECT_FALSE(rows[3].replayable);
    EXPECT_TRUE(rows[0].replayable);
    EXPECT_EQ(rows[3].metric->sum, 10);
}

TEST(CustomMetricsReport, TextSummaryShowsEachKindsNumbers) {
    const metrics::Snapshot s = CustomSnapshot();
    SummaryInput in{s, 4 * kNsPerSec};
    in.not_replayable_metrics = {"ghost", "orders"};
    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("\n  custom metric                 kind      values\n"
                                "  cart                          trend     count 100, min 0.02, mean 1.01, max 2\n"
                                "                                          p50 1, p90 1.8, p95 1.9, p99 1.98\n"
                                "  ghost                         ?         no samples\n"
                                "    not replayable on agents (see docs/lua-api.md)\n"
                                "  login_ok                      rate      75.00% (3 of 4)\n"
                                "  orders                        counter   total 10, 2.5/s\n"
                                "    not replayable on agents (see docs/lua-api.md)\n"
                                "  queue                         gauge     value 2, min 2, max 9\n"
                                "  unused                        trend     count 0 (no samples)\n"
                                "\ntotal: "))
        << text;
}

TEST(CustomMetricsReport, SummaryJsonHasOneObjectPerMetric) {
    const metrics::Snapshot s = CustomSnapshot();
    SummaryInput in{s, 4 * kNsPerSec};
    in.not_replayable_metrics = {"ghost", "orders"};
    const json j = SummaryJson(in);
    ASSERT_TRUE(j.contains("custom_metrics")) << j.dump();
    const json& c = j["custom_metrics"];
    EXPECT_EQ(c["orders"], (json{{"kind", "counter"}, {"samples", 3}, {"count", 10.0}, {"rate", 2.5},
                                 {"replayable", false}}));
    EXPECT_EQ(c["queue"], (json{{"kind", "gauge"}, {"samples", 3}, {"value", 2.0}, {"min", 2.0}, {"max", 9.0}}));
    EXPECT_EQ(c["login_ok"], (json{{"kind", "rate"}, {"samples", 4}, {"trues", 3}, {"rate", 0.75}}));
    const json& cart = c["cart"];
    EXPECT_EQ(cart["kind"], "trend");
    EXPECT_EQ(cart["samples"], 100);
    EXPECT_EQ(cart["count"], 100);
    EXPECT_DOUBLE_EQ(cart["min"].get<double>(), 0.02);
    EXPECT_NEAR(cart["mean"].get<double>(), 1.01, 1e-12);
    EXPECT_DOUBLE_EQ(cart["p50"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(cart["p90"].get<double>(), 1.8);
    EXPECT_DOUBLE_EQ(cart["p95"].get<double>(), 1.9);
    EXPECT_DOUBLE_EQ(cart["p99"].get<double>(), 1.98);
    EXPECT_DOUBLE_EQ(cart["max"].get<double>(), 2.0);
    // Declared, never fed: count 0 and no numbers; known only as not replayable: samples 0 and the mark.
    EXPECT_EQ(c["unused"], (json{{"kind", "trend"}, {"samples", 0}, {"count", 0}}));
    EXPECT_EQ(c["ghost"], (json{{"samples", 0}, {"replayable", false}}));
}

TEST(CustomMetricsReport, EmptyGaugeAndRateHaveNoValue) {
    metrics::Snapshot s;
    s.ForCustom("depth", CustomMetricKind::kGauge);
    s.ForCustom("ok", CustomMetricKind::kRate);
    s.ForCustom("n", CustomMetricKind::kCounter);
    const json j = SummaryJson(SummaryInput{s, kNsPerSec});
    EXPECT_EQ(j["custom_metrics"]["depth"], (json{{"kind", "gauge"}, {"samples", 0}}));
    EXPECT_EQ(j["custom_metrics"]["ok"], (json{{"kind", "rate"}, {"samples", 0}, {"trues", 0}}));
    EXPECT_EQ(j["custom_metrics"]["n"], (json{{"kind", "counter"}, {"samples", 0}, {"count", 0.0}, {"rate", 0.0}}));
    const std::string text = Print(SummaryInput{s, kNsPerSec});
    EXPECT_THAT(text, HasSubstr("  depth                         gauge     count 0 (no samples)\n"));
    EXPECT_THAT(text, HasSubstr("  n                             counter   total 0, 0/s\n"));
}

// A run that declared no custom metric writes what it wrote before: no section, no key.
TEST(CustomMetricsReport, RunsWithoutCustomMetricsShowNothingNew) {
    metrics::Snapshot s = CustomSnapshot();
    s.custom.clear();
    const SummaryInput in{s, 4 * kNsPerSec};
    EXPECT_THAT(Print(in), Not(HasSubstr("custom metric")));
    EXPECT_FALSE(SummaryJson(in).contains("custom_metrics"));
}

std::string TempFile(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/" + name + "-" + std::to_string(::getpid());
}

std::vector<json> ReadLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
    std::filesystem::remove(path);
    return lines;
}

// Each interval line carries that interval's samples (a counter's rate per second of the interval); the end line
// the run's totals with the not-replayable mark.
TEST(CustomMetricsReport, NdjsonIntervalsCarryTheirOwnSamplesAndTheEndTheTotals) {
    const std::string path = TempFile("lse-ndjson-custom-test.ndjson");
    constexpr std::int64_t kHalf = kNsPerSec / 2;
    {
        NdjsonWriter writer(path);
        writer.OnStart(RunDescription{});
        metrics::Snapshot first;
        first.Reset(0, kHalf);
        Add(&first, "orders", CustomMetricKind::kCounter, {1, 2});
        Add(&first, "cart", CustomMetricKind::kTrend, {1.5});
        metrics::Snapshot second;
        second.Reset(kHalf, 2 * kHalf);
        Add(&second, "orders", CustomMetricKind::kCounter, {4});
        second.ForCustom("cart", CustomMetricKind::kTrend);  // kept by Reset: declared, no sample this interval
        metrics::Snapshot cumulative = first;
        writer.OnInterval(IntervalUpdate{first, cumulative, kHalf, kNsPerSec, 0, 0, "steady", {}});
        cumulative += second;
        writer.OnInterval(IntervalUpdate{second, cumulative, 2 * kHalf, kNsPerSec, 0, 0, "steady", {}});
        SummaryInput summary(cumulative, kNsPerSec);
        summary.not_replayable_metrics = {"orders"};
        writer.OnEnd(RunOutcome{summary, {}, 0, ""});
    }
    const std::vector<json> lines = ReadLines(path);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[1]["custom_metrics"]["orders"], (json{{"kind", "counter"}, {"samples", 2}, {"count", 3.0},
                                                          {"rate", 6.0}}));
    EXPECT_EQ(lines[1]["custom_metrics"]["cart"]["p50"], 1.5);
    EXPECT_EQ(lines[2]["custom_metrics"]["orders"]["count"], 4.0);
    EXPECT_EQ(lines[2]["custom_metrics"]["orders"]["rate"], 8.0);
    EXPECT_EQ(lines[2]["custom_metrics"]["cart"], (json{{"kind", "trend"}, {"samples", 0}, {"count", 0}}));
    EXPECT_EQ(lines[3]["type"], "end");
    EXPECT_EQ(lines[3]["custom_metrics"]["orders"], (json{{"kind", "counter"}, {"samples", 3}, {"count", 7.0},
                                                          {"rate", 7.0}, {"replayable", false}}));
    EXPECT_EQ(lines[3]["custom_metrics"]["cart"]["count"], 1);
}

TEST(CustomMetricsReport, NdjsonWithoutCustomMetricsHasNoKey) {
    const std::string path = TempFile("lse-ndjson-nocustom-test.ndjson");
    {
        NdjsonWriter writer(path);
        writer.OnStart(RunDescription{});
        metrics::Snapshot s;
        s.Reset(0, kNsPerSec);
        writer.OnInterval(IntervalUpdate{s, s, kNsPerSec, kNsPerSec, 0, 0, "steady", {}});
        writer.OnEnd(RunOutcome{SummaryInput{s, kNsPerSec}, {}, 0, ""});
    }
    const std::vector<json> lines = ReadLines(path);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_FALSE(lines[1].contains("custom_metrics"));
    EXPECT_FALSE(lines[2].contains("custom_metrics"));
}

// compare: custom metrics are shown side by side, never judged (no direction is known), and never regress.
TEST(CustomMetricsReport, CompareShowsCustomMetricsWithoutVerdicts) {
    metrics::Snapshot base_snapshot = CustomSnapshot();
    metrics::Snapshot new_snapshot = CustomSnapshot();
    Add(&new_snapshot, "orders", CustomMetricKind::kCounter, {10});  // total 20: +100%
    Add(&new_snapshot, "login_ok", CustomMetricKind::kRate, {0, 0, 0, 0});  // 3 of 8: 37.5%
    new_snapshot.custom.erase("queue");
    Add(&new_snapshot, "fresh", CustomMetricKind::kCounter, {1});
    base_snapshot.custom.erase("unused");
    new_snapshot.custom.erase("unused");
    const json base = SummaryJson(SummaryInput{base_snapshot, 4 * kNsPerSec});
    const json now = SummaryJson(SummaryInput{new_snapshot, 4 * kNsPerSec});
    ValidateSummary(base, "base.json");  // what --summary-json writes (version 2) is what compare reads
    const Comparison c = CompareSummaries(base, now, CompareOptions{});
    EXPECT_EQ(c.regressions, 0u);
    // cart: p50, p95, p99, max; login_ok: rate; orders: count, rate.
    ASSERT_EQ(c.custom.size(), 7u);
    EXPECT_EQ(c.custom[0].name, "cart");
    EXPECT_EQ(c.custom[0].field, "p50");
    EXPECT_EQ(c.custom[0].change_percent, 0.0);
    EXPECT_EQ(c.custom[4].name, "login_ok");
    EXPECT_EQ(c.custom[4].base, 0.75);
    EXPECT_EQ(c.custom[4].now, 0.375);
    EXPECT_EQ(c.custom[5].name, "orders");
    EXPECT_EQ(c.custom[5].field, "count");
    EXPECT_EQ(c.custom[5].change_percent, 100.0);
    EXPECT_THAT(c.notes, ::testing::Contains("custom metric 'fresh' is only in NEW"));
    EXPECT_THAT(c.notes, ::testing::Contains("custom metric 'queue' is only in BASE"));

    std::ostringstream out;
    PrintComparison(out, c, "base.json", "new.json");
    EXPECT_THAT(out.str(), HasSubstr("\ncustom metrics (shown, never judged: only the script knows which way is "
                                     "better)\n"));
    EXPECT_THAT(out.str(), HasSubstr("  login_ok (rate) rate                  "
                                     "      75.00%        37.50%    -37.50pt\n"));
    EXPECT_THAT(out.str(), HasSubstr("  orders (counter) count                "
                                     "          10            20     +100.0%\n"));
    EXPECT_THAT(out.str(), HasSubstr("\nno regression\n"));
}

TEST(CustomMetricsReport, CompareWithoutCustomMetricsPrintsNoSection) {
    const json s = SummaryJson(SummaryInput{metrics::Snapshot{}, kNsPerSec});
    const Comparison c = CompareSummaries(s, s, CompareOptions{});
    EXPECT_TRUE(c.custom.empty());
    std::ostringstream out;
    PrintComparison(out, c, "a", "b");
    EXPECT_THAT(out.str(), Not(HasSubstr("custom metrics")));
}

}  // namespace
}  // namespace lse::report
