#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {
namespace {

using ::testing::HasSubstr;

std::string ParseError(std::string_view expr) {
    std::string error;
    EXPECT_FALSE(TryParse(expr, &error).has_value()) << expr;
    return error;
}

TEST(ThresholdParse, PercentileWithDuration) {
    const Threshold t = Parse("p95 < 200ms");
    EXPECT_EQ(t.expression, "p95 < 200ms");
    EXPECT_EQ(t.metric, Metric::kLatency);
    EXPECT_EQ(t.stat, LatencyStat::kPercentile);
    EXPECT_EQ(t.base, TimeBase::kResponse);
    EXPECT_DOUBLE_EQ(t.percentile, 95);
    EXPECT_EQ(t.op, Op::kLess);
    EXPECT_DOUBLE_EQ(t.value, 200.0 * kNsPerMs);
    EXPECT_EQ(t.metric_name, "p95");
    EXPECT_TRUE(t.task.empty());
    EXPECT_TRUE(t.request.empty());
    EXPECT_TRUE(t.scenario.empty());
}

TEST(ThresholdParse, EveryLatencyStatistic) {
    struct Case {
        const char* expr;
        LatencyStat stat;
        TimeBase base;
        double percentile;
        const char* name;
    };
    const Case cases[] = {
        {"p50 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 50, "p50"},
        {"p90 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 90, "p90"},
        {"p99 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 99, "p99"},
        {"p99.9 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 99.9, "p99.9"},
        {"p99.99 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 99.99, "p99.99"},
        {"p100 < 1s", LatencyStat::kPercentile, TimeBase::kResponse, 100, "p100"},
        {"max < 1s", LatencyStat::kMax, TimeBase::kResponse, 0, "max"},
        {"min < 1s", LatencyStat::kMin, TimeBase::kResponse, 0, "min"},
        {"mean < 1s", LatencyStat::kMean, TimeBase::kResponse, 0, "mean"},
        {"avg < 1s", LatencyStat::kMean, TimeBase::kResponse, 0, "mean"},
        {"service_p95 < 1s", LatencyStat::kPercentile, TimeBase::kService, 95, "service_p95"},
        {"service_p99.9 < 1s", LatencyStat::kPercentile, TimeBase::kService, 99.9, "service_p99.9"},
        {"service_max < 1s", LatencyStat::kMax, TimeBase::kService, 0, "service_max"},
        {"service_avg < 1s", LatencyStat::kMean, TimeBase::kService, 0, "service_mean"},
    };
    for (const Case& c : cases) {
        const Threshold t = Parse(c.expr);
        EXPECT_EQ(t.metric, Metric::kLatency) << c.expr;
        EXPECT_EQ(t.stat, c.stat) << c.expr;
        EXPECT_EQ(t.base, c.base) << c.expr;
        EXPECT_DOUBLE_EQ(t.percentile, c.percentile) << c.expr;
        EXPECT_EQ(t.metric_name, c.name) << c.expr;
        EXPECT_DOUBLE_EQ(t.value, 1e9) << c.expr;
    }
}

TEST(ThresholdParse, EveryOperatorWithAndWithoutSpaces) {
    struct Case {
        const char* expr;
        Op op;
    };
    const Case cases[] = {{"p95 < 1s", Op::kLess},     {"p95<=1s", Op::kLessEqual}, {"p95 > 1s", Op::kGreater},
                          {"p95>= 1s", Op::kGreaterEqual}, {"p95 ==1s", Op::kEqual}, {"p95 != 1s", Op::kNotEqual}};
    for (const Case& c : cases) {
        const Threshold t = Parse(c.expr);
        EXPECT_EQ(t.op, c.op) << c.expr;
        EXPECT_DOUBLE_EQ(t.value, 1e9) << c.expr;
    }
}

TEST(ThresholdParse, DurationUnits) {
    EXPECT_DOUBLE_EQ(Parse("p95 < 1.5s").value, 1.5e9);
    EXPECT_DOUBLE_EQ(Parse("p95 < 250us").value, 250e3);
    EXPECT_DOUBLE_EQ(Parse("p95 < 2m").value, 120e9);
    EXPECT_DOUBLE_EQ(Parse("p95 < 1m30s").value, 90e9);
}

TEST(ThresholdParse, RatesAndCounts) {
    Threshold t = Parse("error_rate < 1%");
    EXPECT_EQ(t.metric, Metric::kErrorRate);
    EXPECT_DOUBLE_EQ(t.value, 1);
    t = Parse("checks >= 99.5%");
    EXPECT_EQ(t.metric, Metric::kChecks);
    EXPECT_DOUBLE_EQ(t.value, 99.5);
    t = Parse("iteration_failures < 0.1 %");
    EXPECT_EQ(t.metric, Metric::kIterationFailures);
    EXPECT_DOUBLE_EQ(t.value, 0.1);
    t = Parse("rps >= 2.5k");
    EXPECT_EQ(t.metric, Metric::kRps);
    EXPECT_DOUBLE_EQ(t.value, 2500);
    t = Parse("requests > 1M");
    EXPECT_EQ(t.metric, Metric::kRequests);
    EXPECT_DOUBLE_EQ(t.value, 1e6);
    t = Parse("errors == 0");
    EXPECT_EQ(t.metric, Metric::kErrors);
    EXPECT_DOUBLE_EQ(t.value, 0);
    t = Parse("dropped == 0");
    EXPECT_EQ(t.metric, Metric::kDropped);
    t = Parse("iterations > 100");
    EXPECT_EQ(t.metric, Metric::kIterations);
    EXPECT_DOUBLE_EQ(t.value, 100);
}

TEST(ThresholdParse, TaskScope) {
    Threshold t = Parse("browse.p99 < 1s");
    EXPECT_EQ(t.task, "browse");
    EXPECT_EQ(t.metric_name, "p99");
    t = Parse("browse.p99.9 < 1s");
    EXPECT_EQ(t.task, "browse");
    EXPECT_DOUBLE_EQ(t.percentile, 99.9);
    t = Parse("api.v2.error_rate < 1%");  // dots in a task name
    EXPECT_EQ(t.task, "api.v2");
    EXPECT_EQ(t.metric, Metric::kErrorRate);
    t = Parse("on_start.checks == 100%");
    EXPECT_EQ(t.task, "on_start");
    EXPECT_EQ(t.Subject(), "on_start.checks");
}

TEST(ThresholdParse, RequestScopeMayContainOperatorsAndColons) {
    Threshold t = Parse("[GET /api/products].p95 < 100ms");
    EXPECT_TRUE(t.task.empty());
    EXPECT_EQ(t.request, "GET /api/products");
    EXPECT_DOUBLE_EQ(t.value, 100e6);
    t = Parse("browse[GET /a?x=<1>:b].error_rate<=2%");
    EXPECT_EQ(t.task, "browse");
    EXPECT_EQ(t.request, "GET /a?x=<1>:b");
    EXPECT_EQ(t.op, Op::kLessEqual);
    EXPECT_EQ(t.Subject(), "browse[GET /a?x=<1>:b].error_rate");
}

TEST(ThresholdParse, ScenarioPrefix) {
    Threshold t = Parse("checkout:browse.p99 < 1s");
    EXPECT_EQ(t.scenario, "checkout");
    EXPECT_EQ(t.task, "browse");
    EXPECT_EQ(t.Subject(), "checkout:browse.p99");
    t = Parse("checkout:dropped == 0");
    EXPECT_EQ(t.scenario, "checkout");
    EXPECT_TRUE(t.task.empty());
    EXPECT_EQ(t.Subject(), "checkout:dropped");
    t = Parse("checkout:[GET http://x/].p95 < 1s");
    EXPECT_EQ(t.scenario, "checkout");
    EXPECT_EQ(t.request, "GET http://x/");
    EXPECT_EQ(t.Subject(), "checkout:[GET http://x/].p95");
    // A task name ending in ':' keeps its dot (found by fuzz_threshold_parse: the subject used to read
    // "shop:step:p95", which does not parse back).
    t = Parse("shop:step:.p95 < 1s");
    EXPECT_EQ(t.scenario, "shop");
    EXPECT_EQ(t.task, "step:");
    EXPECT_EQ(t.Subject(), "shop:step:.p95");
    EXPECT_EQ(Parse(t.Subject() + " < 1s").task, "step:");
}

TEST(ThresholdParse, ErrorsPointAtTheProblem) {
    EXPECT_EQ(ParseError("p95 < 200"), "threshold 'p95 < 200': missing unit (did you mean 200ms?)");
    EXPECT_THAT(ParseError("p955 < 200ms"), HasSubstr("unknown metric 'p955'"));
    EXPECT_THAT(ParseError("p955 < 200ms"), HasSubstr("did you mean"));
    EXPECT_THAT(ParseError("browse.p955 < 200ms"), HasSubstr("unknown metric 'p955'"));
    EXPECT_THAT(ParseError("browse.p99.95x < 1s"), HasSubstr("unknown metric 'p99.95x'"));
    EXPECT_THAT(ParseError("errorrate < 1%"), HasSubstr("did you mean 'error_rate'?"));
    EXPECT_THAT(ParseError("error_rate < 1"), HasSubstr("missing '%' (did you mean 1%?)"));
    EXPECT_THAT(ParseError("checks > 99"), HasSubstr("missing '%'"));
    EXPECT_THAT(ParseError("error_rate < 1ms"), HasSubstr("is a percentage"));
    EXPECT_THAT(ParseError("error_rate < 101%"), HasSubstr("above 100%"));
    EXPECT_THAT(ParseError("p95 < 5%"), HasSubstr("is a duration, not a percentage"));
    EXPECT_THAT(ParseError("p95 < 5parsecs"), HasSubstr("bad duration"));
    EXPECT_THAT(ParseError("rps > 10%"), HasSubstr("plain number"));
    EXPECT_THAT(ParseError("rps > 10/s"), HasSubstr("plain number"));
    EXPECT_THAT(ParseError("p95 200ms"), HasSubstr("missing comparison"));
    EXPECT_THAT(ParseError("p95 = 200ms"), HasSubstr("use '=='"));
    EXPECT_THAT(ParseError("p95 =< 200ms"), HasSubstr("use '=='"));
    EXPECT_THAT(ParseError("p95 << 200ms"), HasSubstr("bad comparison '<<'"));
    EXPECT_THAT(ParseError("p95 ! 200ms"), HasSubstr("'!='"));
    EXPECT_THAT(ParseError("< 200ms"), HasSubstr("missing metric"));
    EXPECT_THAT(ParseError("p95 <"), HasSubstr("missing value"));
    EXPECT_THAT(ParseError("p95 < -1ms"), HasSubstr("expected a number"));
    EXPECT_THAT(ParseError("p95 < 1.2.3ms"), HasSubstr("bad number"));
    EXPECT_THAT(ParseError(".p95 < 1s"), HasSubstr("empty task name"));
    EXPECT_THAT(ParseError(":p95 < 1s"), HasSubstr("empty scenario name"));
    EXPECT_THAT(ParseError("[].p95 < 1s"), HasSubstr("empty request name"));
    EXPECT_THAT(ParseError("[GET /.p95 < 1s"), HasSubstr("without a closing ']'"));
    EXPECT_THAT(ParseError("[GET /]p95 < 1s"), HasSubstr("expected '.'"));
    EXPECT_THAT(ParseError("[GET /].checks > 1%"), HasSubstr("per task"));
    EXPECT_THAT(ParseError("browse.dropped == 0"), HasSubstr("per scenario"));
    EXPECT_THAT(ParseError("p0 < 1s"), HasSubstr("unknown metric 'p0'"));
    EXPECT_THAT(ParseError("p101 < 1s"), HasSubstr("unknown metric 'p101'"));
    EXPECT_EQ(ParseError("   "), "threshold '': empty threshold");
}

TEST(ThresholdParse, ParseThrowsUsageError) {
    try {
        Parse("p95 < 200");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "threshold 'p95 < 200': missing unit (did you mean 200ms?)");
        EXPECT_EQ(e.code(), ExitCode::kUsage);
    }
}

TEST(ThresholdParse, TryParseSurvivesArbitraryInput) {
    // A small deterministic fuzz: every prefix and some mutations of valid thresholds must
    // either parse or fail with a message, never crash or throw.
    const std::string seeds[] = {"checkout:browse[GET /a].p99.9 <= 1.5s", "error_rate < 1%", "rps >= 2.5k",
                                 "[x].service_mean != 3ms"};
    const char extra[] = {'<', '>', '=', '!', '[', ']', '.', ':', '%', ' ', '9', 'k', '\0', '\x1f'};
    for (const std::string& seed : seeds) {
        for (std::size_t cut = 0; cut <= seed.size(); ++cut) {
            for (char c : extra) {
                std::string s = seed.substr(0, cut) + c + seed.substr(cut);
                std::string error;
                const auto t = TryParse(s, &error);
                EXPECT_TRUE(t.has_value() || !error.empty()) << s;
                (void)TryParse(seed.substr(0, cut), &error);
            }
        }
    }
}

TEST(ThresholdValidate, UnknownTaskSuggestsTheClosest) {
    const std::vector<std::string> tasks = {"browse", "checkout"};
    EXPECT_NO_THROW(Validate(Parse("browse.p99 < 1s"), tasks));
    EXPECT_NO_THROW(Validate(Parse("p99 < 1s"), tasks));
    EXPECT_NO_THROW(Validate(Parse("on_start.error_rate < 1%"), tasks));  // lifecycle names are always known
    try {
        Validate(Parse("brwse.p99 < 1s"), tasks);
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "threshold 'brwse.p99 < 1s': unknown task 'brwse' (did you mean 'browse'?)");
    }
    try {
        Validate(Parse("zzzzzz.p99 < 1s"), tasks);
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_THAT(e.what(), HasSubstr("unknown task 'zzzzzz' (known: browse, checkout)"));
    }
}

TEST(ThresholdValidate, UnknownScenario) {
    const std::vector<std::string> scenarios = {"checkout"};
    EXPECT_NO_THROW(ValidateScenario(Parse("checkout:p95 < 1s"), scenarios));
    EXPECT_NO_THROW(ValidateScenario(Parse("p95 < 1s"), scenarios));
    EXPECT_THROW(ValidateScenario(Parse("checkuot:p95 < 1s"), scenarios), UsageError);
}

TEST(ThresholdCompare, Boundaries) {
    EXPECT_TRUE(Compare(1, Op::kLess, 2));
    EXPECT_FALSE(Compare(2, Op::kLess, 2));
    EXPECT_TRUE(Compare(2, Op::kLessEqual, 2));
    EXPECT_FALSE(Compare(2, Op::kGreater, 2));
    EXPECT_TRUE(Compare(2, Op::kGreaterEqual, 2));
    EXPECT_TRUE(Compare(2, Op::kEqual, 2));
    EXPECT_FALSE(Compare(2, Op::kNotEqual, 2));
    EXPECT_FALSE(Compare(std::numeric_limits<double>::quiet_NaN(), Op::kNotEqual, 2));
}

}  // namespace
}  // namespace lse::thresholds

namespace lse::thresholds {
namespace {

TEST(ThresholdParse, GroupScope) {
    Threshold t = Parse("group:checkout.p95 < 500ms");
    EXPECT_EQ(t.group, "checkout");
    EXPECT_TRUE(t.scenario.empty());
    EXPECT_TRUE(t.task.empty());
    EXPECT_EQ(t.metric_name, "p95");
    EXPECT_EQ(t.value, 500e6);
    EXPECT_EQ(t.Subject(), "group:checkout.p95");
    // Nested paths, dotted names, a scenario prefix, and the request-level metrics.
    t = Parse("shop:group:checkout::payment v2.error_rate < 1%");
    EXPECT_EQ(t.scenario, "shop");
    EXPECT_EQ(t.group, "checkout::payment v2");
    EXPECT_EQ(t.metric, Metric::kErrorRate);
    EXPECT_EQ(t.Subject(), "shop:group:checkout::payment v2.error_rate");
    EXPECT_EQ(Parse("group:api.v2.service_p99.9 < 1s").group, "api.v2");
    EXPECT_EQ(Parse("group:api.v2.service_p99.9 < 1s").percentile, 99.9);
    EXPECT_EQ(Parse("group:g.rps > 10").metric, Metric::kRps);
    EXPECT_EQ(Parse("group:g.requests >= 1k").value, 1000);
    EXPECT_EQ(Parse("group:g.errors == 0").metric, Metric::kErrors);
    EXPECT_EQ(Parse("group:checkout.checks > 99%").metric, Metric::kChecks);  // checks made inside group()
    EXPECT_EQ(Parse("shop:group:checkout.checks > 99%").group, "checkout");
}

TEST(ThresholdParse, GroupScopeErrors) {
    EXPECT_THAT(ParseError("group:.p95 < 1s"), HasSubstr("empty group name"));
    EXPECT_THAT(ParseError("group:checkout < 1s"), HasSubstr("group:NAME.metric"));
    EXPECT_THAT(ParseError("group:checkout.p955 < 1s"), HasSubstr("unknown metric 'p955'"));
    EXPECT_THAT(ParseError("group:checkout.iterations > 1"), HasSubstr("not measured per group"));
    EXPECT_THAT(ParseError("group:checkout[GET /].p95 < 1s"), HasSubstr("takes no [request]"));
    EXPECT_THAT(ParseError("group:checkout.p95 < 500"), HasSubstr("did you mean 500ms?"));
}

}  // namespace
}  // namespace lse::thresholds
