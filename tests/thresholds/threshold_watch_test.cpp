// abort_on_fail thresholds: the ThresholdWatch observer and how RunThresholds builds it (apps/lsengine code,
// compiled into this test: see tests/thresholds/CMakeLists.txt).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/metrics/stat_key.hpp"
#include "run_thresholds.hpp"
#include "threshold_watch.hpp"

namespace lse::cli {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

constexpr std::int64_t kSec = 1'000'000'000;

// `ok` fast successes and `failed` connect errors in scenario "shop", task "browse".
void Add(metrics::Snapshot* s, int ok, int failed, std::int64_t response_us = 10'000) {
    metrics::RequestStats* named = &s->ForName(MakeStatKey(StatKind::kRequest, "shop", "browse", "GET /"));
    for (int i = 0; i < ok; ++i) s->RecordCompletion(named, ErrorKind::kNone, 200, true, 1, response_us, 10, 10);
    for (int i = 0; i < failed; ++i) s->RecordCompletion(named, ErrorKind::kConnect, 0, false, 1, response_us, 0, 0);
}

// Feeds the watch one interval ending at `elapsed_ns` with `cumulative` as the run so far.
void Tick(ThresholdWatch* watch, const metrics::Snapshot& cumulative, std::int64_t elapsed_ns) {
    const metrics::Snapshot interval;
    watch->OnInterval(report::IntervalUpdate{interval, cumulative, elapsed_ns, 60 * kSec, 0, 0, "steady", {}});
}

lua::ScenarioDef Shop(std::vector<lua::ThresholdDef> thresholds) {
    lua::ScenarioDef d;
    d.name = "shop";
    d.defined_at = "shop.lua:1";
    d.tasks.push_back(lua::TaskDef{"browse", 1, "shop.lua:3"});
    d.thresholds = std::move(thresholds);
    return d;
}

WatchedThreshold Watched(const std::string& expr, std::int64_t delay_ns = 0, std::size_t id = 0) {
    return WatchedThreshold{thresholds::Parse(expr), "shop", delay_ns, id};
}

TEST(ThresholdWatch, StopsOnceOnTheFirstFailureAndRemembersWhy) {
    int stops = 0;
    ThresholdWatch watch({Watched("p95 < 1s", 0, 0), Watched("error_rate < 5%", 0, 7)}, [&] { ++stops; });
    metrics::Snapshot run;
    Add(&run, 100, 1);  // 0.99%: passes
    Tick(&watch, run, 1 * kSec);
    EXPECT_EQ(stops, 0);
    EXPECT_FALSE(watch.Stopped());
    EXPECT_EQ(watch.Failure(), nullptr);
    EXPECT_TRUE(watch.Reason().empty());

    Add(&run, 100, 60);  // 61 / 261 = 23.37%
    Tick(&watch, run, 12 * kSec);
    EXPECT_EQ(stops, 1);
    ASSERT_TRUE(watch.Stopped());
    EXPECT_EQ(watch.FailedId(), 7u);
    EXPECT_EQ(watch.FailedAtNs(), 12 * kSec);
    EXPECT_NEAR(watch.Failure()->actual, 100.0 * 61 / 261, 1e-9);
    EXPECT_FALSE(watch.Failure()->passed);
    EXPECT_EQ(watch.Reason().rfind("threshold 'error_rate < 5%' failed at 12", 0), 0u) << watch.Reason();
    EXPECT_NE(watch.Reason().find("23.37%"), std::string::npos) << watch.Reason();

    // Still failing: the stop callback is not called again and the reason is kept.
    Add(&run, 0, 100);
    Tick(&watch, run, 13 * kSec);
    EXPECT_EQ(stops, 1);
    EXPECT_EQ(watch.FailedAtNs(), 12 * kSec);
}

TEST(ThresholdWatch, JudgesTheCumulativeSnapshotNotTheInterval) {
    int stops = 0;
    ThresholdWatch watch({Watched("error_rate < 5%")}, [&] { ++stops; });
    metrics::Snapshot cumulative;
    Add(&cumulative, 1000, 10);  // 1% over the run
    metrics::Snapshot bad_second;
    Add(&bad_second, 0, 10);  // 100% in the last interval alone
    watch.OnInterval(report::IntervalUpdate{bad_second, cumulative, 5 * kSec, 60 * kSec, 0, 0, "steady", {}});
    EXPECT_EQ(stops, 0);
}

TEST(ThresholdWatch, WaitsForTheDelay) {
    int stops = 0;
    ThresholdWatch watch({Watched("error_rate < 5%", 10 * kSec)}, [&] { ++stops; });
    metrics::Snapshot run;
    Add(&run, 10, 10);  // 50% from the start
    Tick(&watch, run, 1 * kSec);
    Tick(&watch, run, 9 * kSec);
    EXPECT_EQ(stops, 0);
    Tick(&watch, run, 10 * kSec);
    EXPECT_EQ(stops, 1);
}

TEST(ThresholdWatch, NoDataIsNotAReasonToStop) {
    int stops = 0;
    ThresholdWatch watch({Watched("p95 < 1s"), Watched("checks > 99%"), Watched("[POST /never].error_rate < 1%")},
                         [&] { ++stops; });
    const metrics::Snapshot empty;
    Tick(&watch, empty, 5 * kSec);
    metrics::Snapshot run;
    Add(&run, 100, 0);
    Tick(&watch, run, 6 * kSec);
    EXPECT_EQ(stops, 0);
    EXPECT_FALSE(watch.Stopped());
}

TEST(ThresholdWatch, LatencyAndRpsUseTheElapsedTime) {
    int stops = 0;
    ThresholdWatch watch({Watched("rps > 50")}, [&] { ++stops; });
    metrics::Snapshot run;
    Add(&run, 100, 0);
    Tick(&watch, run, 1 * kSec);  // 100 rps
    EXPECT_EQ(stops, 0);
    Tick(&watch, run, 4 * kSec);  // 25 rps
    EXPECT_EQ(stops, 1);
    EXPECT_NE(watch.Reason().find("rps = 25.0"), std::string::npos) << watch.Reason();
}

TEST(RunThresholdsAbort, ScenarioTableEntriesCarryAbortAndDelay) {
    const std::vector<lua::ScenarioDef> defs = {
        Shop({lua::ThresholdDef{"p95 < 200ms", "shop.lua:1"},
              lua::ThresholdDef{"error_rate < 5%", "shop.lua:1", true, 10 * kSec}})};
    const RunThresholds t = RunThresholds::Parse(defs, {"p99 < 1s"}, {"browse.error_rate < 1%, delay=2s", "max < 5s"});
    const auto& e = t.entries();
    ASSERT_EQ(e.size(), 5u);
    EXPECT_FALSE(e[0].abort_on_fail);
    EXPECT_TRUE(e[1].abort_on_fail);
    EXPECT_EQ(e[1].delay_ns, 10 * kSec);
    EXPECT_EQ(e[1].scenario, "shop");
    EXPECT_FALSE(e[2].abort_on_fail);
    EXPECT_TRUE(e[3].abort_on_fail);
    EXPECT_EQ(e[3].threshold.expression, "browse.error_rate < 1%");
    EXPECT_EQ(e[3].delay_ns, 2 * kSec);
    EXPECT_EQ(e[3].scenario, "");
    EXPECT_TRUE(e[4].abort_on_fail);
    EXPECT_EQ(e[4].delay_ns, 0);
    EXPECT_TRUE(t.HasAbortThresholds());

    const RunThresholds none = RunThresholds::Parse({Shop({})}, {"p95 < 1s"});
    EXPECT_FALSE(none.HasAbortThresholds());
    EXPECT_EQ(none.MakeWatch([] {}), nullptr);
}

TEST(RunThresholdsAbort, CommandLineAbortIsValidatedLikeThreshold) {
    const std::vector<lua::ScenarioDef> defs = {Shop({})};
    const auto message = [&](const std::string& text) {
        try {
            RunThresholds::Parse(defs, {}, {text});
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(message("p95 < 200").find("--threshold-abort: threshold 'p95 < 200'"), std::string::npos)
        << message("p95 < 200");
    EXPECT_NE(message("p95 < 200").find("did you mean 200ms?"), std::string::npos);
    EXPECT_NE(message("brwse.p95 < 1s").find("did you mean 'browse'?"), std::string::npos);
    EXPECT_NE(message("p95 < 1s, dealy=10s").find("unknown option 'dealy' (did you mean 'delay'?)"),
              std::string::npos)
        << message("p95 < 1s, dealy=10s");
    EXPECT_NE(message("p95 < 1s, delay=10x").find("--threshold-abort delay"), std::string::npos)
        << message("p95 < 1s, delay=10x");
    EXPECT_NE(message("p95 < 1s, delay").find("delay needs a value"), std::string::npos);
    // A comma inside a request name is part of the name, not an option separator.
    const RunThresholds t = RunThresholds::Parse(defs, {}, {"[GET /a,b].p95 < 1s, delay=3s"});
    ASSERT_EQ(t.entries().size(), 1u);
    EXPECT_EQ(t.entries()[0].threshold.request, "GET /a,b");
    EXPECT_EQ(t.entries()[0].delay_ns, 3 * kSec);
}

TEST(RunThresholdsAbort, StoppedRunReportsTheFailingVerdictAndExits3) {
    const std::vector<lua::ScenarioDef> defs = {
        Shop({lua::ThresholdDef{"p95 < 1s", "shop.lua:1"},
              lua::ThresholdDef{"error_rate < 5%", "shop.lua:1", true, 0}})};
    const RunThresholds t = RunThresholds::Parse(defs, {}, {});
    int stops = 0;
    const std::unique_ptr<ThresholdWatch> watch = t.MakeWatch([&] { ++stops; });
    ASSERT_NE(watch, nullptr);
    metrics::Snapshot run;
    Add(&run, 50, 50);
    Tick(watch.get(), run, 3 * kSec);
    EXPECT_EQ(stops, 1);
    // By the end the run recovered below 5%: the verdict still shows the failure that stopped it.
    Add(&run, 5000, 0);
    const std::vector<thresholds::Verdict> verdicts = t.Verdicts(run, 4 * kSec, watch.get());
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_TRUE(verdicts[0].passed);
    EXPECT_FALSE(verdicts[1].passed);
    EXPECT_NEAR(verdicts[1].actual, 50.0, 1e-9);
    EXPECT_NE(verdicts[1].actual_text.find("stopped the run"), std::string::npos) << verdicts[1].actual_text;
    EXPECT_EQ(RunThresholds::ExitCodeFor(verdicts), static_cast<int>(ExitCode::kThresholdsFailed));
    // Without the watch the same snapshot passes: the override is what makes the exit code 3.
    EXPECT_EQ(RunThresholds::ExitCodeFor(t.Verdicts(run, 4 * kSec)), static_cast<int>(ExitCode::kOk));

    runtime::RunResult result;
    result.total = run;
    std::ostringstream out;
    EXPECT_EQ(t.Report(out, result, 4 * kSec, {}, watch.get()), static_cast<int>(ExitCode::kThresholdsFailed));
    EXPECT_NE(out.str().find("stopped early: threshold 'error_rate < 5%' failed at 3"), std::string::npos)
        << out.str();
}

}  // namespace
}  // namespace lse::cli
