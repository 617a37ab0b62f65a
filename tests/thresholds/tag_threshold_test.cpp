// tag:KEY=VALUE thresholds (issue 15): parsing, and evaluation over every request row of the scenario carrying
// the tag, whatever its name, task, group or other tags.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lse/metrics/stat_key.hpp"
#include "lse/metrics/tags.hpp"
#include "lse/thresholds/evaluate.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {
namespace {

using ::testing::HasSubstr;
using metrics::MakeStatKey;
using metrics::StatKind;

std::string ParseError(std::string_view expr) {
    std::string error;
    EXPECT_FALSE(TryParse(expr, &error).has_value()) << expr;
    return error;
}

TEST(TagThresholdParse, KeyValueAndMetric) {
    Threshold t = Parse("tag:env=staging.p95 < 500ms");
    EXPECT_EQ(t.tag_key, "env");
    EXPECT_EQ(t.tag_value, "staging");
    EXPECT_TRUE(t.scenario.empty());
    EXPECT_TRUE(t.task.empty());
    EXPECT_TRUE(t.group.empty());
    EXPECT_EQ(t.metric_name, "p95");
    EXPECT_EQ(t.value, 500e6);
    EXPECT_EQ(t.Subject(), "tag:env=staging.p95");
    // A scenario prefix; values with dots, '=' and ':'; the request-level metrics.
    t = Parse("shop:tag:version=1.2.error_rate < 1%");
    EXPECT_EQ(t.scenario, "shop");
    EXPECT_EQ(t.tag_key, "version");
    EXPECT_EQ(t.tag_value, "1.2");
    EXPECT_EQ(t.metric, Metric::kErrorRate);
    EXPECT_EQ(t.Subject(), "shop:tag:version=1.2.error_rate");
    EXPECT_EQ(Parse("tag:q=a:b/c d.requests > 1").tag_value, "a:b/c d");
    EXPECT_EQ(Parse("tag:empty=.requests > 1").tag_value, "");
    EXPECT_EQ(Parse("tag:t=v1.5.service_p99.9 < 1s").tag_value, "v1.5");
    EXPECT_EQ(Parse("tag:t=v1.5.service_p99.9 < 1s").percentile, 99.9);
}

TEST(TagThresholdParse, Errors) {
    EXPECT_THAT(ParseError("tag:env=staging < 1s"), HasSubstr("tag:KEY=VALUE.metric"));
    EXPECT_THAT(ParseError("tag:env.p95 < 1s"), HasSubstr("no '=' after the tag key"));
    EXPECT_THAT(ParseError("tag:env.p95 <= 1s"), HasSubstr("no '=' after the tag key"));
    EXPECT_THAT(ParseError("tag:=x.p95 < 1s"), HasSubstr("tag key is empty"));
    EXPECT_THAT(ParseError("tag:status=200.p95 < 1s"), HasSubstr("reserved"));
    EXPECT_THAT(ParseError("tag:env=x.p955 < 1s"), HasSubstr("unknown metric 'p955'"));
    EXPECT_THAT(ParseError("tag:env=x.iterations > 1"), HasSubstr("not measured per tag"));
    EXPECT_THAT(ParseError("tag:env=x.p95 < 500"), HasSubstr("did you mean 500ms?"));
}

void Add(metrics::Snapshot* s, std::string_view scenario, std::string_view task, std::string_view name,
         std::string_view group, const std::vector<metrics::Tag>& tags, int n, std::int64_t us, int status = 200) {
    metrics::RequestStats* row =
        &s->ForName(MakeStatKey(StatKind::kRequest, scenario, task, name, group, metrics::CanonicalTags(tags)));
    for (int i = 0; i < n; ++i) s->RecordCompletion(row, ErrorKind::kNone, status, status < 400, us / 2, us, 1, 1);
}

TEST(TagThresholdEvaluate, MergesEveryRowOfTheScenarioCarryingTheTag) {
    metrics::Snapshot s;
    Add(&s, "shop", "browse", "GET /a", "", {{"env", "staging"}}, 10, 100'000);
    Add(&s, "shop", "buy", "POST /b", "checkout", {{"env", "staging"}, {"tier", "gold"}}, 10, 300'000, 500);
    Add(&s, "shop", "browse", "GET /a", "", {{"env", "prod"}}, 5, 900'000);
    Add(&s, "shop", "browse", "GET /a", "", {{"environment", "staging"}}, 3, 900'000);  // another key
    Add(&s, "shop", "browse", "GET /a", "", {}, 7, 900'000);
    Add(&s, "other", "t", "GET /a", "", {{"env", "staging"}}, 4, 900'000);
    Add(&s, "shop", "on_start", "POST /login", "", {{"env", "staging"}}, 2, 900'000);  // not load

    const auto eval = [&s](std::string_view expr) { return Evaluate(Parse(expr), s, "shop", 10); };
    Verdict v = eval("tag:env=staging.requests == 20");
    EXPECT_TRUE(v.passed) << v.actual_text;
    EXPECT_EQ(v.actual_text, "tag:env=staging.requests = 20");
    EXPECT_TRUE(eval("tag:env=staging.max < 301ms").passed);
    EXPECT_FALSE(eval("tag:env=staging.p95 < 200ms").passed);
    EXPECT_EQ(eval("tag:env=staging.errors == 10").actual, 10);
    EXPECT_NEAR(eval("tag:env=staging.error_rate < 60%").actual, 50, 1e-9);
    EXPECT_EQ(eval("tag:tier=gold.requests == 10").actual, 10);
    EXPECT_EQ(eval("tag:env=prod.requests == 5").actual, 5);
    EXPECT_EQ(eval("tag:env=staging.rps == 2").actual, 2);
    EXPECT_EQ(eval("other:tag:env=staging.requests == 4").actual, 4);
    // Untagged thresholds see every load request, tagged or not.
    EXPECT_EQ(eval("requests == 35").actual, 35);
    // A tag no request had: no data, and the message names the tag.
    v = eval("tag:env=stagin.p95 < 1s");
    EXPECT_FALSE(v.passed);
    EXPECT_FALSE(v.has_data);
    EXPECT_THAT(v.actual_text, HasSubstr("no data (no request had tag env=stagin)"));
}

}  // namespace
}  // namespace lse::thresholds
