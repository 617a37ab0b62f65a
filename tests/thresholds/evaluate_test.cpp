#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lse/metrics/stat_key.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/scope_stats.hpp"

namespace lse::thresholds {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

// Records `n` responses into the R key (scenario, task, name) and, for load tasks, the total,
// the way runtime::MetricsRecorder does.
void AddResponses(metrics::Snapshot* s, std::string_view scenario, std::string_view task, std::string_view name,
                  int n, std::int64_t response_us, int status = 200, bool accepted = true) {
    metrics::RequestStats* named = &s->ForName(MakeStatKey(StatKind::kRequest, scenario, task, name));
    for (int i = 0; i < n; ++i) {
        if (IsLifecycleTask(task)) {
            named->RecordCompletion(ErrorKind::kNone, status, accepted, response_us / 2, response_us, 100, 10);
        } else {
            s->RecordCompletion(named, ErrorKind::kNone, status, accepted, response_us / 2, response_us, 100, 10);
        }
    }
}

void AddIterations(metrics::Snapshot* s, std::string_view scenario, std::string_view task, int ok, int failed) {
    metrics::RequestStats& t = s->ForName(MakeStatKey(StatKind::kTask, scenario, task));
    for (int i = 0; i < ok; ++i) t.RecordCompletion(ErrorKind::kNone, 0, true, 1000, 1000, 0, 0);
    for (int i = 0; i < failed; ++i) t.RecordCompletion(ErrorKind::kCheck, 0, false, 1000, 1000, 0, 0);
}

// Scenario "shop": browse makes 100 fast requests (10ms, 1 of them 500), checkout 10 slow
// ones (500ms); on_start logs in 5 times (2s, outside the load); scenario "other" is separate.
metrics::Snapshot ShopSnapshot() {
    metrics::Snapshot s;
    AddResponses(&s, "shop", "browse", "GET /products", 99, 10'000);
    AddResponses(&s, "shop", "browse", "GET /products", 1, 10'000, 500, false);
    AddResponses(&s, "shop", "checkout", "POST /cart", 10, 500'000);
    AddResponses(&s, "shop", "on_start", "POST /login", 5, 2'000'000);
    AddResponses(&s, "other", "t", "GET /other", 50, 1'000);
    AddIterations(&s, "shop", "browse", 95, 5);
    AddIterations(&s, "shop", "checkout", 10, 0);
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "status is 200")] = {99, 1};
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "checkout", "cart ok")] = {10, 0};
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "on_start", "logged in")] = {0, 5};
    s.RecordDropped(&s.ForName(MakeStatKey(StatKind::kScenario, "shop")), 7);
    s.RecordDropped(&s.ForName(MakeStatKey(StatKind::kScenario, "other")), 2);
    return s;
}

Verdict Eval(std::string_view expr, const metrics::Snapshot& s, std::string_view scenario = "shop",
             double duration_s = 10) {
    return Evaluate(Parse(expr), s, scenario, duration_s);
}

TEST(ThresholdEvaluate, LatencyPassAndFailAtTheBoundary) {
    const metrics::Snapshot s = ShopSnapshot();
    // p50 of shop's load is the 10ms group; the login requests in on_start do not count.
    Verdict v = Eval("p50 < 11ms", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_TRUE(v.has_data);
    EXPECT_NEAR(v.actual, 10e6, 10e6 * 0.002);
    EXPECT_EQ(v.expression, "p50 < 11ms");
    EXPECT_EQ(v.scenario, "shop");
    EXPECT_THAT(v.actual_text, ::testing::StartsWith("p50 = 10"));
    EXPECT_FALSE(Eval("p50 < 9ms", s).passed);
    // 10 of 110 requests are slow: p95 is slow, p90 is not.
    EXPECT_FALSE(Eval("p95 < 100ms", s).passed);
    EXPECT_TRUE(Eval("p90 < 100ms", s).passed);
    EXPECT_TRUE(Eval("max <= 501ms", s).passed);
    EXPECT_FALSE(Eval("max < 499ms", s).passed);
    EXPECT_TRUE(Eval("min >= 10ms", s).passed);
    // mean = (100*10 + 10*500) / 110 ms = 54.5ms, exact.
    v = Eval("mean < 55ms", s);
    EXPECT_TRUE(v.passed);
    EXPECT_NEAR(v.actual, 6000.0 / 110 * 1e6, 1);
    EXPECT_FALSE(Eval("mean < 54ms", s).passed);
    // Service time is recorded as half the response time in this snapshot.
    EXPECT_TRUE(Eval("service_max < 251ms", s).passed);
    EXPECT_FALSE(Eval("max < 251ms", s).passed);
}

TEST(ThresholdEvaluate, ScopedByTaskRequestAndScenario) {
    const metrics::Snapshot s = ShopSnapshot();
    EXPECT_TRUE(Eval("browse.p99 < 11ms", s).passed);
    EXPECT_FALSE(Eval("checkout.p50 < 400ms", s).passed);
    EXPECT_TRUE(Eval("[POST /cart].min > 400ms", s).passed);
    EXPECT_EQ(Eval("[POST /cart].requests == 10", s).actual, 10);
    // Lifecycle requests are reachable by naming the lifecycle task.
    Verdict v = Eval("on_start.p50 > 1s", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(Eval("on_start[POST /login].requests == 5", s).actual, 5);
    // Unscoped counts exclude lifecycle: 110 load requests in shop.
    EXPECT_EQ(Eval("requests == 110", s).actual, 110);
    // A "scenario:" prefix wins over the scenario passed in.
    v = Eval("other:requests == 50", s, "shop");
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.scenario, "other");
    EXPECT_EQ(v.actual_text, "other:requests = 50");
    // No scenario at all: the whole run (Snapshot::total), lifecycle excluded.
    EXPECT_EQ(Eval("requests == 160", s, "").actual, 160);
    EXPECT_TRUE(Eval("requests == 160", s, "").passed);
}

TEST(ThresholdEvaluate, ErrorRateAndErrors) {
    const metrics::Snapshot s = ShopSnapshot();
    Verdict v = Eval("error_rate < 1%", s);  // 1 of 110 = 0.909%
    EXPECT_TRUE(v.passed);
    EXPECT_NEAR(v.actual, 100.0 / 110, 1e-9);
    EXPECT_EQ(v.actual_text, "error_rate = 0.91% (1/110)");
    EXPECT_FALSE(Eval("error_rate < 0.9%", s).passed);
    EXPECT_FALSE(Eval("browse.error_rate <= 0.99%", s).passed);  // 1 of 100 = 1%
    EXPECT_TRUE(Eval("browse.error_rate <= 1%", s).passed);
    EXPECT_TRUE(Eval("checkout.error_rate == 0%", s).passed);
    EXPECT_TRUE(Eval("errors == 1", s).passed);
    EXPECT_FALSE(Eval("errors == 0", s).passed);
}

TEST(ThresholdEvaluate, RpsUsesTheDuration) {
    const metrics::Snapshot s = ShopSnapshot();
    Verdict v = Eval("rps >= 11", s, "shop", 10);  // 110 requests in 10 s
    EXPECT_TRUE(v.passed);
    EXPECT_DOUBLE_EQ(v.actual, 11);
    EXPECT_EQ(v.actual_text, "rps = 11.0");
    EXPECT_FALSE(Eval("rps >= 11", s, "shop", 20).passed);
    v = Eval("rps >= 0", s, "shop", 0);
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
}

TEST(ThresholdEvaluate, ChecksIterationsAndDropped) {
    const metrics::Snapshot s = ShopSnapshot();
    // Load checks only: 109 of 110 pass (the failing login check is in on_start).
    Verdict v = Eval("checks > 99%", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(v.actual_text, "checks = 99.09% (109/110)");
    EXPECT_FALSE(Eval("checks == 100%", s).passed);
    EXPECT_TRUE(Eval("checkout.checks == 100%", s).passed);
    EXPECT_EQ(Eval("on_start.checks > 0%", s).actual, 0);
    EXPECT_EQ(Eval("iterations == 110", s).actual, 110);
    EXPECT_EQ(Eval("browse.iterations == 100", s).actual, 100);
    v = Eval("iteration_failures < 5%", s);  // 5 of 110
    EXPECT_TRUE(v.passed);
    EXPECT_FALSE(Eval("browse.iteration_failures < 5%", s).passed);  // 5 of 100
    EXPECT_TRUE(Eval("dropped == 7", s).passed);
    EXPECT_TRUE(Eval("other:dropped == 2", s).passed);
    EXPECT_TRUE(Eval("dropped == 9", s, "").passed);
}

TEST(ThresholdEvaluate, NoDataNeverPasses) {
    const metrics::Snapshot empty;
    for (const char* expr : {"p95 < 1h", "max >= 0ms", "error_rate <= 100%", "checks >= 0%",
                             "iteration_failures <= 100%", "service_p50 < 1h"}) {
        const Verdict v = Eval(expr, empty);
        EXPECT_FALSE(v.passed) << expr;
        EXPECT_FALSE(v.has_data) << expr;
        EXPECT_THAT(v.actual_text, ::testing::EndsWith("= no data")) << expr;
    }
    // A scope that recorded nothing is no data too (a typo in a request name must not pass).
    const metrics::Snapshot s = ShopSnapshot();
    const Verdict v = Eval("[GET /nope].p95 < 1h", s);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.actual_text, "[GET /nope].p95 = no data");
    // Counts of nothing are a real 0.
    EXPECT_TRUE(Eval("requests == 0", empty).passed);
    EXPECT_TRUE(Eval("dropped == 0", empty).passed);
}

TEST(ThresholdEvaluate, AllPassed) {
    const metrics::Snapshot s = ShopSnapshot();
    std::vector<Verdict> verdicts = {Eval("p50 < 1s", s), Eval("requests > 0", s)};
    EXPECT_TRUE(AllPassed(verdicts));
    verdicts.push_back(Eval("requests > 1k", s));
    EXPECT_FALSE(AllPassed(verdicts));
    EXPECT_TRUE(AllPassed({}));
}

TEST(ScopeStats, RequestsInMatchesTotalForASingleScenarioRun) {
    metrics::Snapshot s;
    AddResponses(&s, "url", "request", "GET /", 20, 3'000);
    const metrics::RequestStats merged = RequestsIn(s, Scope{"url", "", "", ""});
    EXPECT_EQ(merged, s.total);
    EXPECT_EQ(IterationsIn(s, Scope{"url", "", "", ""}).requests, 0u);
}

// Requests made inside group("checkout", ...) carry the group in their key; a group threshold merges every row
// of the group and of the groups nested in it, across tasks, and nothing else.
TEST(ThresholdEvaluate, GroupScopeMergesTheGroupAndItsNestedGroups) {
    metrics::Snapshot s = ShopSnapshot();
    const auto grouped = [&s](std::string_view task, std::string_view name, std::string_view group, int n,
                              std::int64_t us, int status = 200) {
        metrics::RequestStats* row = &s.ForName(MakeStatKey(StatKind::kRequest, "shop", task, name, group));
        for (int i = 0; i < n; ++i) s.RecordCompletion(row, ErrorKind::kNone, status, status < 400, us / 2, us, 1, 1);
    };
    grouped("browse", "GET /cart", "checkout", 10, 100'000);
    grouped("checkout", "POST /pay", "checkout::payment", 10, 300'000, 500);
    grouped("browse", "GET /cart", "checkoutx", 5, 900'000);  // a prefix of the name is not the group

    Verdict v = Eval("group:checkout.requests == 20", s);
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(v.actual_text, "group:checkout.requests = 20");
    EXPECT_TRUE(Eval("group:checkout.max < 301ms", s).passed);
    EXPECT_FALSE(Eval("group:checkout.p95 < 200ms", s).passed);  // the nested payment requests are slow
    EXPECT_TRUE(Eval("group:checkout.p50 < 101ms", s).passed);
    EXPECT_EQ(Eval("group:checkout.errors == 10", s).actual, 10);
    EXPECT_NEAR(Eval("group:checkout.error_rate < 60%", s).actual, 50, 1e-9);
    EXPECT_EQ(Eval("group:checkout::payment.requests == 10", s).actual, 10);
    EXPECT_TRUE(Eval("group:checkout::payment.min > 299ms", s).passed);
    EXPECT_EQ(Eval("group:checkoutx.requests == 5", s).actual, 5);
    EXPECT_EQ(Eval("group:checkout.rps == 2", s, "shop", 10).actual, 2);
    // Ungrouped thresholds still see every request (the grouped ones count in the scenario and the total).
    EXPECT_EQ(Eval("requests == 135", s).actual, 135);
    EXPECT_EQ(Eval("browse[GET /cart].requests == 15", s).actual, 15);
    // Another scenario's group, and a group nobody used: no data, and the message names the group.
    EXPECT_EQ(Eval("other:group:checkout.requests > 0", s).actual, 0);
    EXPECT_FALSE(Eval("other:group:checkout.p95 < 1s", s).has_data);
    v = Eval("group:chekout.p95 < 1s", s);
    EXPECT_FALSE(v.passed);
    EXPECT_THAT(v.actual_text, ::testing::HasSubstr("no request was made in group 'chekout'"));
}

// check() inside group() gives C keys a group field: group:NAME.checks merges the group's checks and its nested
// groups' checks, across tasks; the ungrouped checks of the scenario still count for the scenario-wide rate.
TEST(ThresholdEvaluate, GroupScopeMeasuresTheChecksMadeInTheGroup) {
    metrics::Snapshot s = ShopSnapshot();
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "cart ok", "checkout")] = {9, 1};
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "checkout", "paid", "checkout::payment")] = {10, 0};
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "cart ok", "checkoutx")] = {0, 50};

    Verdict v = Eval("group:checkout.checks > 99%", s);
    EXPECT_FALSE(v.passed);
    EXPECT_NEAR(v.actual, 95, 1e-9);  // 19 of 20
    EXPECT_TRUE(Eval("group:checkout::payment.checks == 100%", s).passed);
    EXPECT_NEAR(Eval("shop:group:checkoutx.checks > 0%", s).actual, 0, 1e-9);
    // The scenario-wide rate sees grouped and ungrouped load checks (lifecycle checks excluded, as before).
    EXPECT_NEAR(Eval("checks > 0%", s).actual, 100.0 * (99 + 10 + 9 + 10) / (100 + 10 + 10 + 10 + 50), 1e-9);
    // A group with requests but no check, or no group at all: no data that says no check was made there.
    v = Eval("group:nothere.checks > 99%", s);
    EXPECT_FALSE(v.passed);
    EXPECT_THAT(v.actual_text, ::testing::HasSubstr("no check was made in group 'nothere'"));
}

}  // namespace
}  // namespace lse::thresholds
