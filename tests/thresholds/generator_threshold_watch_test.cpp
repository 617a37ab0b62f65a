// abort_on_fail on generator_saturated: the watch judges the cumulative snapshot the CLI builds by merging
// intervals, whose `generators` entries merge too (saturated periods unite), and the run's verdicts and exit code
// then carry the failure that stopped it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_thresholds.hpp"
#include "threshold_watch.hpp"

namespace lse::cli {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// One interval's report of generator `id`, judged saturated or not (as the runtime records it).
metrics::Snapshot Interval(const std::string& id, std::int64_t second, bool saturated) {
    metrics::Snapshot s;
    metrics::GeneratorHealth& h = s.generators[id];
    h.threads = 1;
    h.intervals = 1;
    h.loop_lag_us.RecordN(saturated ? 30'000 : 500, 50);
    if (saturated) {
        h.saturated_intervals = 1;
        metrics::AddSaturatedPeriod(&h.saturated, {second * 1000, (second + 1) * 1000});
    }
    return s;
}

TEST(GeneratorThresholdWatch, StopsAtTheFirstSaturatedIntervalAndTheVerdictSaysWhen) {
    const RunThresholds t = RunThresholds::Parse({}, {}, {"generator_saturated == 0"});
    int stops = 0;
    const std::unique_ptr<ThresholdWatch> watch = t.MakeWatch([&] { ++stops; });
    ASSERT_NE(watch, nullptr);
    metrics::Snapshot cumulative;
    const auto tick = [&](const metrics::Snapshot& interval, std::int64_t elapsed_ns) {
        cumulative += interval;
        watch->OnInterval(report::IntervalUpdate{interval, cumulative, elapsed_ns, 10 * kSec, 0, 0, "steady", {}});
    };
    tick(metrics::Snapshot{}, 1 * kSec);  // no report yet: no data is no reason to stop
    EXPECT_EQ(stops, 0);
    tick(Interval("a1", 1, false), 2 * kSec);
    tick(Interval("a2", 1, false), 2 * kSec);
    EXPECT_EQ(stops, 0);
    tick(Interval("a2", 2, true), 3 * kSec);
    EXPECT_EQ(stops, 1);
    EXPECT_EQ(watch->Reason(), "threshold 'generator_saturated == 0' failed at 3.00s: generator_saturated = 1 (a2)");
    tick(Interval("a1", 3, true), 4 * kSec);
    EXPECT_EQ(stops, 1) << "stopped once";

    const std::vector<thresholds::Verdict> verdicts = t.Verdicts(cumulative, 4 * kSec, watch.get());
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_FALSE(verdicts[0].passed);
    EXPECT_EQ(verdicts[0].actual_text, "generator_saturated = 1 (a2) at 3.00s, stopped the run");
    EXPECT_EQ(RunThresholds::ExitCodeFor(verdicts), 3);
}

TEST(GeneratorThresholdWatch, AScenarioThresholdJudgesTheWholeRun) {
    lua::ScenarioDef shop;
    shop.name = "shop";
    shop.defined_at = "shop.lua:1";
    shop.tasks.push_back(lua::TaskDef{"browse", 1, "shop.lua:3"});
    shop.thresholds = {lua::ThresholdDef{"generator_saturated == 0", "shop.lua:5", false, 0}};
    const RunThresholds t = RunThresholds::Parse({shop}, {}, {});
    metrics::Snapshot total = Interval("local", 0, false);
    total += Interval("local", 4, true);
    const std::vector<thresholds::Verdict> verdicts = t.Verdicts(total, 10 * kSec);
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_FALSE(verdicts[0].passed);
    EXPECT_EQ(verdicts[0].scenario, "") << "listed as the whole run's";
    EXPECT_EQ(verdicts[0].actual_text, "generator_saturated = 1 (local)");
}

}  // namespace
}  // namespace lse::cli
