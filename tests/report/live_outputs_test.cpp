// The live view's frame and compact lines, the ndjson stream and the summary JSON file: what a person or a
// pipeline reads while and after a run goes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/core/errors.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/live_view.hpp"
#include "lse/report/ndjson_writer.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/summary_json_file.hpp"

namespace lse::report {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

constexpr std::int64_t kSec = 1'000'000'000;

// One second with `ok` successful and `failed` timed-out requests of `task`, responses taking `us`.
metrics::Snapshot Second(int index, const std::string& task, int ok, int failed, std::int64_t us) {
    metrics::Snapshot s;
    s.Reset(index * kSec, (index + 1) * kSec);
    metrics::RequestStats* req = &s.ForName(MakeStatKey(StatKind::kRequest, "shop", task, "GET /x"));
    metrics::RequestStats* it = &s.ForName(MakeStatKey(StatKind::kTask, "shop", task));
    for (int i = 0; i < ok; ++i) {
        s.RecordCompletion(req, ErrorKind::kNone, 200, true, us / 2, us, 100, 10);
        it->RecordCompletion(ErrorKind::kNone, 0, true, us, us, 0, 0);
    }
    for (int i = 0; i < failed; ++i) {
        s.RecordCompletion(req, ErrorKind::kTimeout, 0, false, us, us, 0, 10);
        it->RecordCompletion(ErrorKind::kTimeout, 0, false, us, us, 0, 0);
    }
    return s;
}

RunDescription ShopRun() {
    RunDescription run;
    run.command = "run";
    run.script = "shop.lua";
    run.target = "http://127.0.0.1:8080";
    run.scenarios = {ScenarioInfo{"shop", "open", 100, 10, 10 * kSec}};
    run.total_ns = 10 * kSec;
    run.started_unix_ms = 1'700'000'000'000;
    return run;
}

IntervalUpdate Update(const metrics::Snapshot& interval, const metrics::Snapshot& cumulative, std::int64_t elapsed_ns,
                      std::int64_t total_ns) {
    return IntervalUpdate{interval, cumulative, elapsed_ns, total_ns, 0, 0, "", {}};
}

std::string TempFile(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/" + name + "-" + std::to_string(::getpid());
}

TEST(LiveFrame, ShowsProgressRateLatencyTasksAndLostAgents) {
    const metrics::Snapshot interval = Second(4, "browse", 90, 10, 2000);
    IntervalUpdate u = Update(interval, interval, 0, 0);
    u.elapsed_ns = 5 * kSec;
    u.total_ns = 10 * kSec;
    u.target_rps = 100;
    u.phase = "steady";
    u.active_vusers = 10;
    u.agents = {{"agent-0", "h", "active", 1, 0.5}, {"agent-1", "h", "timed out", 1, 0.5}};
    const std::vector<std::string> lines = RenderLiveFrame(ShopRun(), u, LiveViewOptions{});
    ASSERT_GE(lines.size(), 5u);
    EXPECT_NE(lines[0].find("steady"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("[===============               ]"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("5s / 10s"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("50%"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("it/s 100.0 / 100.0 target   rps 100.0"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("errors 10.00%"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("vusers 10"), std::string::npos) << lines[1];
    EXPECT_NE(lines[3].find("browse"), std::string::npos) << lines[3];
    EXPECT_NE(lines[3].find("100.0"), std::string::npos) << lines[3];
    EXPECT_NE(lines[3].find("10.0%"), std::string::npos) << lines[3];
    EXPECT_NE(lines.back().find("1 active"), std::string::npos) << lines.back();
    EXPECT_NE(lines.back().find("agent-1 timed out"), std::string::npos) << lines.back();
}

TEST(LiveFrame, ManyTasksAreFoldedIntoOneRow) {
    metrics::Snapshot interval;
    for (int t = 0; t < 12; ++t) interval += Second(0, "task" + std::to_string(t), 1, 0, 1000);
    IntervalUpdate u = Update(interval, interval, 0, 0);
    u.total_ns = kSec;
    LiveViewOptions options;
    options.max_task_rows = 8;
    const std::vector<std::string> lines = RenderLiveFrame(ShopRun(), u, options);
    EXPECT_NE(lines.back().find("+4 more"), std::string::npos) << lines.back();
}

TEST(LiveFrame, OneLinePerRegionIncludingKnownRegionsWithoutData) {
    const metrics::Snapshot interval = Second(4, "browse", 90, 10, 2000);
    const thresholds::RegionSnapshots regions = {{"us", Second(4, "browse", 60, 0, 1000)},
                                                 {"eu", Second(4, "browse", 30, 10, 5000)}};
    thresholds::RegionSnapshots cumulative = regions;
    cumulative["asia"] = Second(1, "browse", 5, 0, 1000);  // seen before, nothing this second
    IntervalUpdate u = Update(interval, interval, 5 * kSec, 10 * kSec);
    u.regions = &regions;
    u.cumulative_regions = &cumulative;
    u.agents = {{"agent-0", "h", "active", 1, 0.5}};
    const std::vector<std::string> lines = RenderLiveFrame(ShopRun(), u, LiveViewOptions{});
    std::vector<std::string> region_lines;
    for (const std::string& l : lines) {
        if (l.rfind("  region ", 0) == 0) region_lines.push_back(l);
    }
    ASSERT_EQ(region_lines.size(), 3u) << "one per region, in name order";
    EXPECT_EQ(region_lines[0], "  region asia  no data");
    EXPECT_NE(region_lines[1].find("region eu    it/s 40.0   rps 40.0"), std::string::npos) << region_lines[1];
    EXPECT_NE(region_lines[1].find("p50 5.00ms"), std::string::npos) << region_lines[1];
    EXPECT_NE(region_lines[1].find("errors 25.00%"), std::string::npos) << region_lines[1];
    EXPECT_NE(region_lines[2].find("region us    it/s 60.0   rps 60.0"), std::string::npos) << region_lines[2];
    EXPECT_NE(region_lines[2].find("errors 0.00%"), std::string::npos) << region_lines[2];
    EXPECT_NE(lines.back().find("1 active"), std::string::npos) << "agents stay last";

    LiveViewOptions two;
    two.max_task_rows = 2;
    const std::vector<std::string> folded = RenderLiveFrame(ShopRun(), u, two);
    std::size_t n = 0;
    for (const std::string& l : folded) n += l.rfind("  region ", 0) == 0 ? 1 : 0;
    EXPECT_EQ(n, 3u) << "two regions, then one line for the rest";
    EXPECT_TRUE(std::any_of(folded.begin(), folded.end(),
                            [](const std::string& l) { return l.rfind("  region +1 more  it/s 60.0", 0) == 0; }));

    u.regions = nullptr;  // a run without regions: no region line
    u.cumulative_regions = nullptr;
    for (const std::string& l : RenderLiveFrame(ShopRun(), u, LiveViewOptions{})) {
        EXPECT_EQ(l.find("region"), std::string::npos) << l;
    }
}

TEST(LiveView, LinesModeAddsOneLinePerRegionOverTheSameSeconds) {
    std::ostringstream out;
    LiveViewOptions options;
    options.mode = LiveMode::kLines;
    options.line_every_ns = 2 * kSec;
    LiveView view(out, options);
    view.OnStart(ShopRun());
    thresholds::RegionSnapshots cumulative;
    for (int i = 0; i < 4; ++i) {
        const metrics::Snapshot all = Second(i, "browse", 30, 0, 1000);
        thresholds::RegionSnapshots regions = {{"us", Second(i, "browse", 20, 0, 1000)}};
        if (i < 2) regions["eu"] = Second(i, "browse", 10, 0, 3000);  // eu's agents stop reporting after 2 s
        for (const auto& [name, s] : regions) cumulative[name] += s;
        IntervalUpdate u = Update(all, all, (i + 1) * kSec, 4 * kSec);
        u.regions = &regions;
        u.cumulative_regions = &cumulative;
        view.OnInterval(u);
    }
    std::istringstream in(out.str());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 6u) << out.str();
    EXPECT_NE(lines[0].find("30.0 rps"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("region eu    it/s 10.0   rps 10.0   p50 3.00ms"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("region us    it/s 20.0   rps 20.0   p50 1.00ms"), std::string::npos) << lines[2];
    EXPECT_EQ(lines[4], "  region eu    no data") << "a known region stays listed";
    EXPECT_NE(lines[5].find("region us    it/s 20.0"), std::string::npos) << lines[5];
}

TEST(LiveView, FrameModeRedrawsInPlace) {
    std::ostringstream out;
    LiveViewOptions options;
    options.mode = LiveMode::kFrame;
    LiveView view(out, options);
    view.OnStart(ShopRun());
    const metrics::Snapshot s0 = Second(0, "browse", 5, 0, 1000);
    const metrics::Snapshot s1 = Second(1, "browse", 5, 0, 1000);
    IntervalUpdate u0 = Update(s0, s0, 0, 0);
    u0.elapsed_ns = kSec;
    u0.total_ns = 10 * kSec;
    view.OnInterval(u0);
    EXPECT_EQ(out.str().find("\x1b["), std::string::npos) << "nothing to erase before the first frame";
    IntervalUpdate u1 = Update(s1, s1, 0, 0);
    u1.elapsed_ns = 2 * kSec;
    u1.total_ns = 10 * kSec;
    view.OnInterval(u1);
    EXPECT_NE(out.str().find("\x1b[4F\x1b[J"), std::string::npos) << "the 4-line frame is drawn over";
}

TEST(LiveView, LinesModeSumsEveryFewSecondsAndFlushesAtTheEnd) {
    std::ostringstream out;
    LiveViewOptions options;
    options.mode = LiveMode::kLines;
    options.line_every_ns = 5 * kSec;
    LiveView view(out, options);
    view.OnStart(ShopRun());
    std::vector<metrics::Snapshot> seconds;
    for (int i = 0; i < 7; ++i) seconds.push_back(Second(i, "browse", 10 * (i + 1), 0, 1000));
    for (int i = 0; i < 7; ++i) {
        IntervalUpdate u = Update(seconds[i], seconds[i], 0, 0);
        u.elapsed_ns = (i + 1) * kSec;
        u.total_ns = 7 * kSec;
        u.target_rps = 50;
        view.OnInterval(u);
    }
    std::istringstream lines_in(out.str());
    std::vector<std::string> lines;
    for (std::string l; std::getline(lines_in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 1u) << out.str();
    // Seconds 1..5 carried 10+20+30+40+50 = 150 requests: 30 per second on average.
    EXPECT_NE(lines[0].find("30.0 it/s (target 50.0)"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("30.0 rps"), std::string::npos) << lines[0];
    const metrics::Snapshot total;
    const SummaryInput summary(total, 7 * kSec);
    view.OnEnd(RunOutcome{summary, {}, 0, ""});
    std::istringstream again(out.str());
    lines.clear();
    for (std::string l; std::getline(again, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 2u) << out.str();
    EXPECT_NE(lines[1].find("65.0 rps"), std::string::npos) << "(60 + 70) / 2 s\n" << lines[1];
}

TEST(LiveView, QuietPrintsNothing) {
    std::ostringstream out;
    LiveViewOptions options;
    options.mode = LiveMode::kOff;
    LiveView view(out, options);
    view.OnStart(ShopRun());
    const metrics::Snapshot s = Second(0, "browse", 5, 0, 1000);
    IntervalUpdate u = Update(s, s, 0, 0);
    view.OnInterval(u);
    const SummaryInput summary(s, kSec);
    view.OnEnd(RunOutcome{summary, {}, 0, ""});
    EXPECT_TRUE(out.str().empty());
    EXPECT_EQ(DetectLiveMode(true, 0), LiveMode::kOff);
}

TEST(NdjsonWriter, OneLinePerIntervalWithThatIntervalsPercentiles) {
    const std::string path = TempFile("lse-ndjson-test.ndjson");
    {
        NdjsonWriter writer(path);
        writer.OnStart(ShopRun());
        const metrics::Snapshot fast = Second(0, "browse", 10, 0, 1000);
        const metrics::Snapshot slow = Second(1, "browse", 8, 2, 50'000);
        metrics::Snapshot cumulative = fast;
        writer.OnInterval(IntervalUpdate{fast, cumulative, kSec, 10 * kSec, 100, 10, "steady", {}});
        cumulative += slow;
        writer.OnInterval(IntervalUpdate{slow, cumulative, 2 * kSec, 10 * kSec, 100, 10, "steady", {}});
        const SummaryInput summary(cumulative, 2 * kSec);
        writer.OnEnd(RunOutcome{summary, {}, 0, ""});
    }
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0]["type"], "start");
    EXPECT_EQ(lines[0]["script"], "shop.lua");
    EXPECT_EQ(lines[1]["type"], "interval");
    EXPECT_EQ(lines[1]["totals"]["requests"], 10);
    EXPECT_EQ(lines[2]["totals"]["requests"], 10);
    EXPECT_EQ(lines[2]["totals"]["errors_by_kind"]["timeout"], 2);
    // The second interval's p50 is its own (~50 ms), not a cumulative mix with the fast first second.
    EXPECT_GT(lines[2]["totals"]["response_time_us"]["p50"].get<std::int64_t>(), 45'000);
    EXPECT_LT(lines[1]["totals"]["response_time_us"]["p99"].get<std::int64_t>(), 1'100);
    ASSERT_EQ(lines[2]["tasks"].size(), 1u);
    EXPECT_EQ(lines[2]["tasks"][0]["task"], "browse");
    EXPECT_EQ(lines[2]["tasks"][0]["failed"], 2);
    EXPECT_EQ(lines[2]["requests"][0]["name"], "GET /x");
    EXPECT_EQ(lines[2]["time_unix_ms"], 1'700'000'002'000);
    EXPECT_EQ(lines[3]["type"], "end");
    EXPECT_EQ(lines[3]["exit_code"], 0);
}

// group() (issue 15): an interval's grouped request rows carry their group; ungrouped rows have no group field.
TEST(NdjsonWriter, GroupedRequestRowsCarryTheirGroup) {
    const std::string path = TempFile("lse-ndjson-group-test.ndjson");
    {
        NdjsonWriter writer(path);
        writer.OnStart(ShopRun());
        metrics::Snapshot s = Second(0, "browse", 3, 0, 1000);
        metrics::RequestStats* row = &s.ForName(
            metrics::MakeStatKey(metrics::StatKind::kRequest, "shop", "browse", "POST /pay", "checkout::payment"));
        for (int i = 0; i < 2; ++i) s.RecordCompletion(row, ErrorKind::kNone, 200, true, 500, 1000, 10, 10);
        writer.OnInterval(IntervalUpdate{s, s, kSec, 10 * kSec, 100, 10, "steady", {}});
    }
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 2u);
    int grouped = 0;
    for (const nlohmann::json& r : lines[1]["requests"]) {
        if (r["name"] == "POST /pay") {
            ++grouped;
            EXPECT_EQ(r["group"], "checkout::payment");
            EXPECT_EQ(r["requests"], 2);
        } else {
            EXPECT_FALSE(r.contains("group")) << r.dump();
        }
    }
    EXPECT_EQ(grouped, 1);
}

// tags (issue 15): an interval's tagged request rows carry "tags": {k: v}; untagged rows have no tags field.
TEST(NdjsonWriter, TaggedRequestRowsCarryTheirTags) {
    const std::string path = TempFile("lse-ndjson-tags-test.ndjson");
    {
        NdjsonWriter writer(path);
        writer.OnStart(ShopRun());
        metrics::Snapshot s = Second(0, "browse", 3, 0, 1000);
        metrics::RequestStats* row = &s.ForName(metrics::MakeStatKey(metrics::StatKind::kRequest, "shop", "browse",
                                                                     "GET /x", "", "env\x1estaging\x1dtier\x1e" "1"));
        for (int i = 0; i < 2; ++i) s.RecordCompletion(row, ErrorKind::kNone, 200, true, 500, 1000, 10, 10);
        writer.OnInterval(IntervalUpdate{s, s, kSec, 10 * kSec, 100, 10, "steady", {}});
    }
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 2u);
    int tagged = 0;
    for (const nlohmann::json& r : lines[1]["requests"]) {
        if (r.contains("tags")) {
            ++tagged;
            EXPECT_EQ(r["tags"], nlohmann::json({{"env", "staging"}, {"tier", "1"}}));
            EXPECT_EQ(r["name"], "GET /x");
            EXPECT_EQ(r["requests"], 2);
            EXPECT_FALSE(r.contains("group"));
        } else {
            EXPECT_NE(r["requests"], 2) << r.dump();
        }
    }
    EXPECT_EQ(tagged, 1);
}

TEST(NdjsonWriter, UnwritablePathFailsBeforeTheRun) {
    try {
        NdjsonWriter writer("/nonexistent-dir/x.ndjson");
        FAIL() << "expected a SetupError";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.ndjson"), std::string::npos) << e.what();
    }
}

TEST(SummaryJsonFile, WritesTheSummaryWithAgentsExitCodeAndRun) {
    const std::string path = TempFile("lse-summary-test.json");
    const metrics::Snapshot total = Second(0, "browse", 10, 0, 1000);
    SummaryJsonFile file(path);
    RunDescription run = ShopRun();
    run.config = {{"seed", "7"}};
    file.OnStart(run);
    const SummaryInput summary(total, kSec);
    AgentResult agent{{"agent-0", "host", "active", 2, 1.0}, total, true};
    file.OnEnd(RunOutcome{summary, {agent}, 3, "threshold 'p95 < 1ms' failed"});
    std::ifstream in(path);
    const nlohmann::json j = nlohmann::json::parse(in);
    std::filesystem::remove(path);
    EXPECT_EQ(j["version"], kSummaryJsonVersion);
    EXPECT_EQ(j["exit_code"], 3);
    EXPECT_EQ(j["stop_reason"], "threshold 'p95 < 1ms' failed");
    EXPECT_EQ(j["run"]["script"], "shop.lua");
    EXPECT_EQ(j["run"]["config"]["seed"], "7");
    EXPECT_EQ(j["totals"]["requests"], 10);
    ASSERT_EQ(j["agents"].size(), 1u);
    EXPECT_EQ(j["agents"][0]["totals"]["requests"], 10);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(SummaryJsonFile, MissingDirectoryIsRefusedUpFront) {
    EXPECT_THROW(SummaryJsonFile("/nonexistent-dir/summary.json"), SetupError);
}

}  // namespace
}  // namespace lse::report
