#include "lse/report/compare.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::report {
namespace {

using nlohmann::json;

// A Stats object of the version-1 schema (summary_json.hpp), latencies in microseconds.
json Stats(double p50, double p95, double p99, double max, double requests, double error_rate, double rps) {
    return {{"requests", requests},
            {"ok", requests * (1 - error_rate)},
            {"errors", requests * error_rate},
            {"error_rate", error_rate},
            {"rps", rps},
            {"dropped", 0},
            {"response_time_us",
             {{"count", requests}, {"min", 1}, {"mean", p50}, {"p50", p50}, {"p90", p95}, {"p95", p95},
              {"p99", p99}, {"p99.9", max}, {"max", max}}}};
}

struct RunShape {
    double p50 = 10'000, p95 = 20'000, p99 = 30'000, max = 50'000;
    double requests = 1000, error_rate = 0, rps = 100;
    double check_passes = 100, check_fails = 0;
    double dropped = 0;
};

json Summary(const RunShape& r) {
    json scenario = {{"name", "checkout"},
                     {"dropped", r.dropped},
                     {"checks", json::array({{{"task", "browse"}, {"name", "status 200"},
                                              {"passes", r.check_passes}, {"fails", r.check_fails}}})},
                     {"requests", json::array()},
                     {"totals", Stats(r.p50, r.p95, r.p99, r.max, r.requests, r.error_rate, r.rps)}};
    json req = Stats(r.p50, r.p95, r.p99, r.max, r.requests, r.error_rate, r.rps);
    req["name"] = "GET /api/products";
    scenario["requests"].push_back(req);
    return {{"version", 1},
            {"interrupted", false},
            {"duration_s", 10},
            {"scenarios", json::array({scenario})},
            {"totals", Stats(r.p50, r.p95, r.p99, r.max, r.requests, r.error_rate, r.rps)}};
}

const MetricDelta* Find(const Comparison& c, const std::string& request, CompareMetric m) {
    for (const CompareRow& row : c.rows) {
        if (row.request != request) continue;
        for (const MetricDelta& d : row.metrics) {
            if (d.metric == m) return &d;
        }
    }
    return nullptr;
}

CompareVerdict VerdictOf(const Comparison& c, CompareMetric m, const std::string& request = "") {
    const MetricDelta* d = Find(c, request, m);
    EXPECT_NE(d, nullptr) << CompareMetricName(m);
    return d == nullptr ? CompareVerdict::kCount : d->verdict;
}

TEST(CompareTest, IdenticalRunsHaveNoRegression) {
    const Comparison c = CompareSummaries(Summary({}), Summary({}), {});
    EXPECT_FALSE(c.Regressed());
    ASSERT_EQ(c.rows.size(), 2u);  // scenario totals + one request name
    EXPECT_EQ(c.rows[0].request, "");
    EXPECT_EQ(c.rows[1].request, "GET /api/products");
    for (const CompareRow& row : c.rows) {
        for (const MetricDelta& d : row.metrics) EXPECT_EQ(d.verdict, CompareVerdict::kOk) << CompareMetricName(d.metric);
    }
    EXPECT_TRUE(c.notes.empty());
}

TEST(CompareTest, LatencyIncreaseBeyondToleranceIsRegression) {
    RunShape now;
    now.p95 = 23'000;  // +15%
    now.p50 = 10'500;  // +5%: within 10%
    const Comparison c = CompareSummaries(Summary({}), Summary(now), {});
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95), CompareVerdict::kRegression);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95, "GET /api/products"), CompareVerdict::kRegression);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP50), CompareVerdict::kOk);
    EXPECT_NEAR(*Find(c, "", CompareMetric::kP95)->change_percent, 15.0, 1e-9);
    EXPECT_EQ(c.regressions, 2u);
    EXPECT_TRUE(c.Regressed());

    CompareOptions wide;
    wide.tolerance_percent = 20;
    EXPECT_FALSE(CompareSummaries(Summary({}), Summary(now), wide).Regressed());
}

TEST(CompareTest, DirectionOfWorseDependsOnTheMetric) {
    RunShape now;
    now.p99 = 15'000;  // latency halved: better
    now.rps = 80;      // throughput -20%: worse
    const Comparison c = CompareSummaries(Summary({}), Summary(now), {});
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP99), CompareVerdict::kBetter);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kRps), CompareVerdict::kRegression);

    RunShape faster;
    faster.rps = 130;
    EXPECT_EQ(VerdictOf(CompareSummaries(Summary({}), Summary(faster), {}), CompareMetric::kRps),
              CompareVerdict::kBetter);
}

TEST(CompareTest, ZeroBaselineIsNotAFreePass) {
    RunShape now;
    now.error_rate = 0.003;  // 0% -> 0.3%: above the 0.1 point floor
    Comparison c = CompareSummaries(Summary({}), Summary(now), {});
    EXPECT_EQ(VerdictOf(c, CompareMetric::kErrorRate), CompareVerdict::kRegression);
    EXPECT_FALSE(Find(c, "", CompareMetric::kErrorRate)->change_percent.has_value());

    now.error_rate = 0.0005;  // 0.05 points: below the floor
    c = CompareSummaries(Summary({}), Summary(now), {});
    EXPECT_EQ(VerdictOf(c, CompareMetric::kErrorRate), CompareVerdict::kOk);

    RunShape dropped;
    dropped.dropped = 3;  // 0 -> 3 dropped arrivals: any is a regression
    EXPECT_EQ(VerdictOf(CompareSummaries(Summary({}), Summary(dropped), {}), CompareMetric::kDropped),
              CompareVerdict::kRegression);

    RunShape zero_latency;
    zero_latency.p50 = 0;
    RunShape some_latency;
    some_latency.p50 = 1;
    EXPECT_EQ(VerdictOf(CompareSummaries(Summary(zero_latency), Summary(some_latency), {}), CompareMetric::kP50),
              CompareVerdict::kRegression);
}

TEST(CompareTest, TinyRateChangesBelowTheFloorAreNoise) {
    RunShape base;
    base.error_rate = 0.0001;  // 0.01%
    RunShape now;
    now.error_rate = 0.0002;  // 0.02%: +100% relative, +0.01 points
    EXPECT_EQ(VerdictOf(CompareSummaries(Summary(base), Summary(now), {}), CompareMetric::kErrorRate),
              CompareVerdict::kOk);
}

TEST(CompareTest, ChecksAreJudgedOnTheirFailingShare) {
    RunShape now;
    now.check_passes = 95;  // 100% -> 95% pass: only -5% relative, but 0 -> 5 points failing
    now.check_fails = 5;
    const Comparison c = CompareSummaries(Summary({}), Summary(now), {});
    EXPECT_EQ(VerdictOf(c, CompareMetric::kChecks), CompareVerdict::kRegression);
    // Requests carry no checks: no checks line for them.
    EXPECT_EQ(Find(c, "GET /api/products", CompareMetric::kChecks), nullptr);
}

TEST(CompareTest, FailOnLimitsWhatFailsButStillShowsWorse) {
    RunShape now;
    now.p95 = 40'000;
    now.error_rate = 0.05;
    CompareOptions opt;
    opt.fail_on = ParseFailOn({"error_rate"});
    const Comparison c = CompareSummaries(Summary({}), Summary(now), opt);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95), CompareVerdict::kWorse);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kErrorRate), CompareVerdict::kRegression);

    opt.fail_on = ParseFailOn({"p99"});
    EXPECT_FALSE(CompareSummaries(Summary({}), Summary(now), opt).Regressed());
}

TEST(CompareTest, MissingDataIsShownButNotJudged) {
    RunShape now;
    now.requests = 0;  // nothing recorded: latency and error rate have no data
    json summary = Summary(now);
    summary["scenarios"][0]["totals"]["response_time_us"] = {{"count", 0}};
    const Comparison c = CompareSummaries(Summary({}), summary, {});
    const MetricDelta* p95 = Find(c, "", CompareMetric::kP95);
    ASSERT_NE(p95, nullptr);
    EXPECT_TRUE(p95->base.has_value());
    EXPECT_FALSE(p95->now.has_value());
    EXPECT_EQ(p95->verdict, CompareVerdict::kOk);
}

TEST(CompareTest, ScenariosAndRequestsInOnlyOneFileAreNoted) {
    json base = Summary({});
    json now = Summary({});
    now["scenarios"][0]["requests"][0]["name"] = "GET /api/v2/products";
    json extra = base["scenarios"][0];
    extra["name"] = "admin";
    base["scenarios"].push_back(extra);
    const Comparison c = CompareSummaries(base, now, {});
    std::string notes;
    for (const auto& n : c.notes) notes += n + "\n";
    EXPECT_NE(notes.find("request 'GET /api/v2/products' is only in NEW"), std::string::npos) << notes;
    EXPECT_NE(notes.find("request 'GET /api/products' is only in BASE"), std::string::npos) << notes;
    EXPECT_NE(notes.find("scenario 'admin' is only in BASE"), std::string::npos) << notes;
    EXPECT_FALSE(c.Regressed());
}

// group() (issue 15): the same request name inside a group is another row, compared with its own counterpart.
TEST(CompareTest, GroupedRequestsAreComparedWithTheSameGroupsRow) {
    json base = Summary({});
    json now = Summary({});
    RunShape slow;
    slow.p95 = 90'000;
    slow.p99 = 95'000;
    json grouped = Summary(slow)["scenarios"][0]["requests"][0];  // same name, slower, in a group
    grouped["group"] = "checkout";
    now["scenarios"][0]["requests"].push_back(grouped);
    json base_grouped = base["scenarios"][0]["requests"][0];
    base_grouped["group"] = "checkout";
    base["scenarios"][0]["requests"].push_back(base_grouped);
    const Comparison c = CompareSummaries(base, now, {});
    EXPECT_TRUE(c.notes.empty()) << c.notes.front();
    // The ungrouped row is unchanged; the grouped one regressed.
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95, "GET /api/products"), CompareVerdict::kOk);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95, "checkout > GET /api/products"), CompareVerdict::kRegression);
    // A grouped row only in NEW is noted with its group.
    now["scenarios"][0]["requests"][1]["group"] = "payment";
    std::string notes;
    for (const auto& n : CompareSummaries(base, now, {}).notes) notes += n + "\n";
    EXPECT_NE(notes.find("request 'payment > GET /api/products' is only in NEW"), std::string::npos) << notes;
    EXPECT_NE(notes.find("request 'checkout > GET /api/products' is only in BASE"), std::string::npos) << notes;
}

// tags (issue 15): each tag set of a request is another row, compared with the row of the same tags.
TEST(CompareTest, TaggedRequestsAreComparedWithTheSameTagsRow) {
    json base = Summary({});
    json now = Summary({});
    RunShape slow;
    slow.p95 = 90'000;
    slow.p99 = 95'000;
    json tagged = Summary(slow)["scenarios"][0]["requests"][0];  // same name, slower, with tags
    tagged["tags"] = {{"tier", "gold"}, {"env", "staging"}};
    now["scenarios"][0]["requests"].push_back(tagged);
    json base_tagged = base["scenarios"][0]["requests"][0];
    base_tagged["tags"] = {{"env", "staging"}, {"tier", "gold"}};
    base["scenarios"][0]["requests"].push_back(base_tagged);
    const Comparison c = CompareSummaries(base, now, {});
    EXPECT_TRUE(c.notes.empty()) << c.notes.front();
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95, "GET /api/products"), CompareVerdict::kOk);
    EXPECT_EQ(VerdictOf(c, CompareMetric::kP95, "GET /api/products {env=staging,tier=gold}"),
              CompareVerdict::kRegression);
    now["scenarios"][0]["requests"][1]["tags"]["env"] = "prod";
    std::string notes;
    for (const auto& n : CompareSummaries(base, now, {}).notes) notes += n + "\n";
    EXPECT_NE(notes.find("request 'GET /api/products {env=prod,tier=gold}' is only in NEW"), std::string::npos)
        << notes;
}

TEST(CompareTest, ValidateRefusesOtherDocuments) {
    EXPECT_NO_THROW(ValidateSummary(Summary({}), "a.json"));
    try {
        ValidateSummary(json{{"foo", 1}}, "base.json");
        FAIL() << "no throw";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("base.json: not a --summary-json file"), std::string::npos) << e.what();
    }
    // Versions 2 and 3 (what --summary-json writes today) only added fields: read like version 1.
    for (int version : {2, 3}) {
        json newer = Summary({});
        newer["version"] = version;
        EXPECT_NO_THROW(ValidateSummary(newer, "new.json")) << version;
    }
    json v4 = Summary({});
    v4["version"] = 4;
    try {
        ValidateSummary(v4, "new.json");
        FAIL() << "no throw";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("new.json: summary version 4 is not supported"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(ValidateSummary(json::array({1, 2}), "x.json"), UsageError);
    json no_scenarios = {{"version", 1}};
    EXPECT_THROW(ValidateSummary(no_scenarios, "x.json"), UsageError);
}

TEST(CompareTest, LoadSummaryFileNamesTheFile) {
    const std::string dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : ".";
    const std::string bad = dir + "/lse_compare_test_bad.json";
    std::ofstream(bad) << "{ not json";
    try {
        LoadSummaryFile(bad);
        FAIL() << "no throw";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find(bad + ": not valid JSON"), std::string::npos) << e.what();
    }
    std::remove(bad.c_str());
    EXPECT_THROW(LoadSummaryFile(dir + "/lse_compare_test_missing.json"), UsageError);
}

TEST(CompareTest, ParsesToleranceAndFailOnStrictly) {
    EXPECT_DOUBLE_EQ(ParseTolerance("10%"), 10);
    EXPECT_DOUBLE_EQ(ParseTolerance("2.5%"), 2.5);
    try {
        ParseTolerance("10");
        FAIL() << "no throw";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("did you mean 10%?"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ParseTolerance("-1%"), UsageError);
    EXPECT_THROW(ParseTolerance("ten%"), UsageError);
    EXPECT_THROW(ParseTolerance("10%x"), UsageError);
    try {
        ParseFailOn({"p95", "p59"});
        FAIL() << "no throw";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown metric 'p59'"), std::string::npos) << e.what();
    }
    const std::vector<CompareMetric> m = ParseFailOn({"p95", "error_rate"});
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0], CompareMetric::kP95);
    EXPECT_EQ(m[1], CompareMetric::kErrorRate);
}

TEST(CompareTest, PrintsTableAndConclusion) {
    RunShape now;
    now.p95 = 30'000;
    now.error_rate = 0.01;
    std::ostringstream out;
    PrintComparison(out, CompareSummaries(Summary({}), Summary(now), {}), "base.json", "new.json");
    const std::string text = out.str();
    EXPECT_NE(text.find("scenario 'checkout': all load requests"), std::string::npos) << text;
    EXPECT_NE(text.find("scenario 'checkout': request 'GET /api/products'"), std::string::npos) << text;
    EXPECT_NE(text.find("+50.0%"), std::string::npos) << text;
    EXPECT_NE(text.find("+1.00pt"), std::string::npos) << text;
    EXPECT_NE(text.find("REGRESSION"), std::string::npos) << text;
    EXPECT_NE(text.find("4 regressions: checkout p95"), std::string::npos) << text;

    std::ostringstream same;
    PrintComparison(same, CompareSummaries(Summary({}), Summary({}), {}), "a", "b");
    EXPECT_NE(same.str().find("no regression"), std::string::npos) << same.str();
    EXPECT_EQ(same.str().find("REGRESSION"), std::string::npos) << same.str();
}

}  // namespace
}  // namespace lse::report
