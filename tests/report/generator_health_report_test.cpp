// The load generators' own health (issue 16) in every output that lse_report writes: the text summary's table and
// its plain saturation warning, --summary-json, the ndjson stream, the live frame and the compact log line. The
// snapshots are hand-built, as the health measurement would fill them, so every number is known.
#include "lse/report/generator_health_report.hpp"

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

#include "lse/metrics/stat_key.hpp"
#include "lse/report/live_view.hpp"
#include "lse/report/ndjson_writer.hpp"
#include "lse/report/progress_line.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {
namespace {

using metrics::GeneratorHealth;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kSec = 1'000'000'000;

// One interval of a healthy generator: 100 lag samples of `lag_us`, the given CPU, and round other numbers.
GeneratorHealth Interval(std::int64_t lag_us, double process_cpu, double host_cpu) {
    GeneratorHealth h;
    h.threads = 2;
    h.intervals = 1;
    h.loop_lag_us.RecordN(lag_us, 100);
    h.process_cpu = process_cpu;
    h.host_cpu = host_cpu;
    h.arrivals = 500;
    h.late_arrivals = 0;
    h.open_sockets = 40;
    h.ephemeral_ports = 42;
    h.ephemeral_port_range = 28232;
    h.rss_bytes = 50 * 1048576ULL;
    return h;
}

// The same, judged saturated over [from_s, to_s) (as the health measurement records it: one period, its intervals).
GeneratorHealth SaturatedOver(std::int64_t from_s, std::int64_t to_s) {
    GeneratorHealth h = Interval(25'000, 1.95, 0.97);
    h.intervals = static_cast<std::uint64_t>(to_s - from_s);
    h.late_arrivals = 120;
    h.saturated_intervals = h.intervals;
    metrics::AddSaturatedPeriod(&h.saturated, {from_s * 1000, to_s * 1000});
    return h;
}

metrics::Snapshot WithRequests(int n) {
    metrics::Snapshot s;
    s.Reset(0, 10 * kSec);
    metrics::RequestStats* row = &s.ForName(metrics::MakeStatKey(metrics::StatKind::kRequest, "shop", "browse", "GET /"));
    for (int i = 0; i < n; ++i) s.RecordCompletion(row, ErrorKind::kNone, 200, true, 900, 1000, 100, 10);
    return s;
}

std::string Summary(const metrics::Snapshot& total) {
    std::ostringstream out;
    PrintSummary(out, SummaryInput{total, 10 * kSec});
    return out.str();
}

std::string TempFile(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/" + name + "-" + std::to_string(::getpid());
}

TEST(SaturationWarning, SaysPlainlyWhichGeneratorAndWhen) {
    metrics::Snapshot s;
    s.generators["a1"] = Interval(500, 0.4, 0.3);
    EXPECT_EQ(SaturationWarning(s), "") << "a healthy run has no warning";
    s.generators["a2"] = SaturatedOver(12, 40);
    EXPECT_EQ(SaturationWarning(s),
              "results may understate the target's performance: agent a2 was saturated from 12 s to 40 s");

    metrics::Snapshot local;
    local.generators[std::string(metrics::kLocalGenerator)] = SaturatedOver(3, 5);
    metrics::AddSaturatedPeriod(&local.generators["local"].saturated, {9'000, 12'500});
    EXPECT_EQ(SaturationWarning(local), "results may understate the target's performance: this machine (local) was "
                                        "saturated from 3 s to 5 s and from 9 s to 12.5 s");
}

TEST(SaturationWarning, CutsLongListsAndSaysWhatIsLeftOut) {
    metrics::Snapshot s;
    GeneratorHealth many = SaturatedOver(0, 1);
    for (int i = 1; i < 6; ++i) metrics::AddSaturatedPeriod(&many.saturated, {i * 2000, i * 2000 + 1000});
    s.generators["a0"] = many;  // six periods of 1 s
    for (int i = 1; i < 8; ++i) s.generators["a" + std::to_string(i)] = SaturatedOver(i, i + 1);
    const std::string w = SaturationWarning(s);
    EXPECT_THAT(w, HasSubstr("agent a0 was saturated from 0 s to 1 s, from 2 s to 3 s, from 4 s to 5 s, from 6 s to "
                             "7 s and 2 more times (6 s in all); agent a1 was saturated from 1 s to 2 s"));
    EXPECT_THAT(w, HasSubstr("agent a4 was saturated from 4 s to 5 s; and 3 more generators (see the load generators "
                             "table)"));
    EXPECT_THAT(w, Not(HasSubstr("agent a5")));

    metrics::Snapshot no_periods;  // judged saturated, but the periods were lost: still said, with the count
    GeneratorHealth h = Interval(30'000, 1, 1);
    h.saturated_intervals = 3;
    no_periods.generators["a9"] = h;
    EXPECT_EQ(SaturationWarning(no_periods),
              "results may understate the target's performance: agent a9 was saturated in 3 intervals");
}

TEST(GeneratorTable, OneRowPerReportingGeneratorThenTheWarning) {
    metrics::Snapshot total = WithRequests(10);
    total.generators["agent-1"] = Interval(1'000, 0.85, 0.4);
    total.generators["agent-2"] = SaturatedOver(12, 40);
    total.generators["agent-3"] = GeneratorHealth{};  // zeroed by a Reset, never reported: no row
    const std::string text = Summary(total);
    EXPECT_THAT(text, HasSubstr("load generator  thr  lag p99  lag max"));
    std::string row1;
    std::string row2;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("  agent-1 ")) row1 = line;
        if (line.starts_with("  agent-2 ")) row2 = line;
        if (!line.starts_with("warning: ")) {  // a sentence, not a table row
            EXPECT_LE(line.size(), 100u) << line;
        }
    }
    EXPECT_THAT(row1, HasSubstr("1.00ms"));
    EXPECT_THAT(row1, HasSubstr("85%"));
    EXPECT_THAT(row1, HasSubstr("40%"));
    EXPECT_THAT(row1, HasSubstr("42/28232"));
    EXPECT_THAT(row1, HasSubstr("50.0 MiB"));
    EXPECT_TRUE(row1.ends_with("-")) << row1;
    EXPECT_THAT(row2, HasSubstr("195%"));
    EXPECT_THAT(row2, HasSubstr(" 120 "));
    EXPECT_TRUE(row2.ends_with("28 s")) << row2;
    EXPECT_THAT(text, Not(HasSubstr("agent-3")));
    EXPECT_THAT(text, HasSubstr("\nwarning: results may understate the target's performance: agent agent-2 was "
                                "saturated from 12 s to 40 s\n"));
    // Above the verdicts, after the totals: the warning is read with the pass/fail.
    EXPECT_LT(text.find("total: "), text.find("load generator "));
}

TEST(GeneratorTable, NothingWithoutAReport) {
    const std::string text = Summary(WithRequests(3));
    EXPECT_THAT(text, Not(HasSubstr("load generator")));
    EXPECT_THAT(text, Not(HasSubstr("warning: results may understate")));
}

TEST(GeneratorJson, SummaryCarriesEveryGeneratorAndTheWarning) {
    metrics::Snapshot total = WithRequests(5);
    total.generators["local"] = SaturatedOver(2, 4);
    const json j = SummaryJson(SummaryInput{total, 10 * kSec});
    EXPECT_EQ(j["version"], 3);
    ASSERT_TRUE(j["generators"].contains("local")) << j["generators"].dump();
    const json& g = j["generators"]["local"];
    EXPECT_EQ(g["threads"], 2);
    EXPECT_EQ(g["intervals"], 2);
    EXPECT_EQ(g["loop_lag_us"]["count"], 100);
    EXPECT_EQ(g["loop_lag_us"]["p99"], total.generators["local"].loop_lag_us.ValueAtPercentile(99));
    EXPECT_DOUBLE_EQ(g["process_cpu"].get<double>(), 1.95);
    EXPECT_DOUBLE_EQ(g["host_cpu"].get<double>(), 0.97);
    EXPECT_EQ(g["arrivals"], 500);
    EXPECT_EQ(g["late_arrivals"], 120);
    EXPECT_EQ(g["open_sockets"], 40);
    EXPECT_EQ(g["ephemeral_ports"], 42);
    EXPECT_EQ(g["ephemeral_port_range"], 28232);
    EXPECT_EQ(g["rss_bytes"], 50 * 1048576ULL);
    EXPECT_EQ(g["saturated"], true);
    EXPECT_EQ(g["saturated_intervals"], 2);
    EXPECT_DOUBLE_EQ(g["saturated_s"].get<double>(), 2.0);
    EXPECT_EQ(g["saturated_periods"], json::parse(R"([{"from_s": 2.0, "to_s": 4.0}])"));
    EXPECT_EQ(j["saturation_warning"],
              "results may understate the target's performance: this machine (local) was saturated from 2 s to 4 s");

    const json healthy = SummaryJson(SummaryInput{WithRequests(5), 10 * kSec});
    EXPECT_EQ(healthy["generators"], json::object());
    EXPECT_FALSE(healthy.contains("saturation_warning"));
}

TEST(GeneratorNdjson, IntervalLinesHaveThatIntervalsHealthAndTheEndTheRuns) {
    const std::string path = TempFile("lse-ndjson-generators.ndjson");
    {
        NdjsonWriter writer(path);
        RunDescription run;
        run.command = "run";
        writer.OnStart(run);
        metrics::Snapshot first = WithRequests(2);
        first.generators["a1"] = Interval(800, 0.5, 0.5);
        first.generators["a2"] = Interval(900, 0.5, 0.5);
        metrics::Snapshot cumulative = first;
        writer.OnInterval(IntervalUpdate{first, cumulative, kSec, 10 * kSec, 0, 0, "steady", {}});
        metrics::Snapshot second = first;
        second.Reset(kSec, 2 * kSec);  // keeps both entries, zeroed
        second.generators["a2"] = SaturatedOver(1, 2);
        cumulative += second;
        writer.OnInterval(IntervalUpdate{second, cumulative, 2 * kSec, 10 * kSec, 0, 0, "steady", {}});
        writer.OnEnd(RunOutcome{SummaryInput{cumulative, 2 * kSec}, {}, 0, ""});
    }
    std::ifstream in(path);
    std::vector<json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[1]["generators"].size(), 2u);
    EXPECT_EQ(lines[1]["generators"]["a1"]["saturated"], false);
    EXPECT_EQ(lines[2]["generators"].size(), 1u) << "a1 did not report in the second interval";
    EXPECT_EQ(lines[2]["generators"]["a2"]["saturated"], true);
    EXPECT_EQ(lines[2]["generators"]["a2"]["loop_lag_us"]["count"], 100) << "the interval's own samples";
    EXPECT_EQ(lines[3]["type"], "end");
    EXPECT_EQ(lines[3]["generators"]["a2"]["loop_lag_us"]["count"], 200) << "the run's samples";
    EXPECT_EQ(lines[3]["generators"]["a2"]["saturated_periods"], json::parse(R"([{"from_s": 1.0, "to_s": 2.0}])"));
    EXPECT_EQ(lines[3]["saturation_warning"],
              "results may understate the target's performance: agent a2 was saturated from 1 s to 2 s");
}

TEST(GeneratorLive, FrameShowsEachGeneratorWithASaturatedMarkerFirst) {
    metrics::Snapshot interval = WithRequests(3);
    interval.generators["a1"] = Interval(700, 0.3, 0.2);
    interval.generators["a2"] = SaturatedOver(4, 5);
    interval.generators["a3"] = Interval(1'500, 0.6, 0.2);
    RunDescription run;
    const IntervalUpdate u{interval, interval, 5 * kSec, 10 * kSec, 0, 0, "steady", {}};
    const std::vector<std::string> lines = RenderLiveFrame(run, u, LiveViewOptions{});
    std::vector<std::string> generator_lines;
    for (const std::string& l : lines) {
        if (l.find("lag p99") != std::string::npos) generator_lines.push_back(l);
    }
    ASSERT_EQ(generator_lines.size(), 3u);
    EXPECT_THAT(generator_lines[0], HasSubstr("a2  lag p99"));
    EXPECT_TRUE(generator_lines[0].ends_with("SATURATED")) << generator_lines[0];
    EXPECT_THAT(generator_lines[0], HasSubstr("cpu 195% (host 97%)  late 120  sockets 40  rss 50.0 MiB"));
    EXPECT_THAT(generator_lines[1], HasSubstr("a3  lag p99 1.50ms")) << "then the most lagging";
    EXPECT_THAT(generator_lines[2], HasSubstr("a1  lag p99 700us"));
    EXPECT_THAT(generator_lines[2], Not(HasSubstr("SATURATED")));
}

TEST(GeneratorLive, ManyGeneratorsFoldIntoOneLineThatCountsTheSaturated) {
    metrics::Snapshot interval;
    for (int i = 0; i < 20; ++i) {
        interval.generators["agent-" + std::to_string(i)] = i % 4 == 0 ? SaturatedOver(0, 1) : Interval(500, 0.2, 0.2);
    }
    const std::vector<std::string> lines = GeneratorLiveLines(interval, 100, 3);
    ASSERT_EQ(lines.size(), 4u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_THAT(lines[i], HasSubstr("SATURATED"));
    EXPECT_EQ(lines[3], "  +17 more generators (2 SATURATED)");
    // A narrow terminal cuts the line but keeps the marker.
    const std::vector<std::string> narrow = GeneratorLiveLines(interval, 40, 1);
    EXPECT_EQ(narrow[0].size(), 40u);
    EXPECT_TRUE(narrow[0].ends_with("~ SATURATED")) << narrow[0];
}

TEST(GeneratorLive, CompactLineNamesTheWorstAndTheSaturated) {
    metrics::Snapshot interval = WithRequests(10);
    EXPECT_THAT(ProgressLine(interval, kSec, 10 * kSec, 0), Not(HasSubstr("gen ")));
    interval.generators["a1"] = Interval(700, 0.3, 0.2);
    interval.generators["a2"] = Interval(1'500, 0.9, 0.2);
    std::string line = ProgressLine(interval, kSec, 10 * kSec, 0);
    EXPECT_TRUE(line.ends_with(" | gen lag p99 1.50ms cpu 90%")) << line;
    interval.generators["a3"] = SaturatedOver(0, 1);
    line = ProgressLine(interval, kSec, 10 * kSec, 0);
    EXPECT_TRUE(line.ends_with(" | SATURATED: a3")) << line;
}

}  // namespace
}  // namespace lse::report
