// CheckScenarioPlan on correlated flows (issue 14): what an agent relies on before it replays
// extraction rules natively.

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "lse/plan/plan_codec.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::CorrelatedPlan;
using testing_fixtures::Request;

std::string CheckError(const ScenarioPlan& s) {
    std::string error;
    EXPECT_FALSE(CheckScenarioPlan(s, &error));
    return error;
}

TEST(CheckScenarioPlan, AcceptsACorrelatedFlow) {
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(CorrelatedPlan().scenarios[0], &error)) << error;
}

TEST(CheckScenarioPlan, AValueMustBeExtractedByAnEarlierStepOfTheSameTask) {
    // The GET before the POST whose response carries the id: named by scenario, task and step.
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    std::swap(s.vusers[0].task_steps[0][0], s.vusers[0].task_steps[0][1]);
    EXPECT_EQ(CheckError(s),
              "scenario 'orders', virtual user 1, task 'order lifecycle', step 1 ('GET /api/v1/orders/{id}'): "
              "uses response value 0 that no earlier step of the task extracts");

    // A request may not use what its own response will carry.
    s = CorrelatedPlan().scenarios[0];
    s.vusers[1].task_steps[0][1].extract = {{Extraction::Source::kJson, "$.id", "", false, 0}};
    s.vusers[1].task_steps[0].erase(s.vusers[1].task_steps[0].begin());
    EXPECT_NE(CheckError(s).find("virtual user 2, task 'order lifecycle', step 1 ('GET /api/v1/orders/{id}')"),
              std::string::npos);

    // Values do not cross tasks: the form task cannot use the order id.
    s = CorrelatedPlan().scenarios[0];
    s.vusers[0].task_steps[1].push_back(Request(1));
    EXPECT_NE(CheckError(s).find("task 'form', step 3 ('GET /api/v1/orders/{id}'): uses response value 0"),
              std::string::npos);

    // Every virtual user that sends the request must extract the value first, not only the first one.
    s = CorrelatedPlan().scenarios[0];
    s.vusers[1].task_steps[0][0].extract.clear();
    EXPECT_NE(CheckError(s).find("virtual user 2, task 'order lifecycle', step 2"), std::string::npos);
}

TEST(CheckScenarioPlan, ExtractionRulesMustBeValid) {
    const struct {
        Extraction extraction;
        std::string message;
    } kBad[] = {
        {{Extraction::Source::kJson, "$.items[", "", false, 0}, "bad JSON path '$.items['"},
        {{Extraction::Source::kJson, "", "", false, 0}, "JSON extraction without a path"},
        {{Extraction::Source::kJson, "$.id", "%b()", false, 0}, "pattern '%b()': %b is not supported"},
        {{Extraction::Source::kBody, "", "(abc", false, 0}, "pattern '(abc': unfinished capture"},
        {{Extraction::Source::kHeader, "Location", "", false, 0}, "header name 'Location' must be lower-case"},
        {{Extraction::Source::kHeader, "", "", false, 0}, "extraction from a header without a header name"},
        {{static_cast<Extraction::Source>(9), "", "", false, 0}, "unknown extraction source"},
        {{Extraction::Source::kStatus, "", "", false, DecodeLimits{}.max_slots}, "response value slot 4096 out of range"},
    };
    for (const auto& b : kBad) {
        ScenarioPlan s = CorrelatedPlan().scenarios[0];
        s.vusers[0].task_steps[0][0].extract = {b.extraction};
        const std::string error = CheckError(s);
        EXPECT_NE(error.find("scenario 'orders', virtual user 1, task 'order lifecycle', step 1 "
                             "('POST /api/v1/orders'): " + b.message),
                  std::string::npos)
            << error;
    }
}

TEST(CheckScenarioPlan, EnumsAndSlotsMustBeInRange) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.tasks[1].on_extract_error = static_cast<OnExtractError>(2);
    EXPECT_NE(CheckError(s).find("task 'form': unknown on_extract_error"), std::string::npos);

    s = CorrelatedPlan().scenarios[0];
    s.requests[1].url.segments[1].b = static_cast<std::int64_t>(ValueEncoding::kCount);
    EXPECT_NE(CheckError(s).find("request 1 ('GET /api/v1/orders/{id}'): unknown response value encoding 4"),
              std::string::npos);

    s = CorrelatedPlan().scenarios[0];
    s.requests[1].url.segments[1].a = -1;
    EXPECT_NE(CheckError(s).find("response value slot -1 out of range"), std::string::npos);
}

TEST(CheckScenarioPlan, CustomMethodsMustBeUpperCaseTokens) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.requests[1].method = http::Method::kOther;
    s.requests[1].method_token = "PROPFIND";
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(s, &error)) << error;
    s.requests[1].method_token = "propfind";
    EXPECT_NE(CheckError(s).find("request 1 ('GET /api/v1/orders/{id}'): invalid HTTP method 'propfind'"),
              std::string::npos);
    s.requests[1].method_token = "";
    EXPECT_NE(CheckError(s).find("invalid HTTP method: empty"), std::string::npos);
}

TEST(CheckScenarioPlan, GroupNamesHaveNoControlBytes) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.requests[1].group = "checkout::payment";
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(s, &error)) << error;
    s.requests[1].group = std::string("check\x1fout");  // would split the stat key the agent records it under
    EXPECT_NE(CheckError(s).find("request 1 ('GET /api/v1/orders/{id}'): group name with a control character"),
              std::string::npos);
}

TEST(CheckScenarioPlan, TagsMustBeCanonical) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.requests[1].tags = "env\x1estaging\x1dtier\x1egold";
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(s, &error)) << error;
    for (const std::string& bad : {std::string("tier\x1egold\x1d" "env\x1estaging"), std::string("env"),
                                  std::string("status\x1e" "200"), std::string("env\x1e" "a\x1f" "b")}) {
        s.requests[1].tags = bad;
        EXPECT_NE(CheckError(s).find("request 1 ('GET /api/v1/orders/{id}'): malformed tags"), std::string::npos)
            << CheckError(s);
    }
}

TEST(CheckScenarioPlan, PauseStepsExtractNothing) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.vusers[0].task_steps[0][2].extract = {{Extraction::Source::kStatus, "", "", false, 5}};
    EXPECT_NE(CheckError(s).find("task 'order lifecycle': a pause step has extraction rules"), std::string::npos);
}

// Custom metrics (format 6): the metric table and metric steps an agent records without Lua.
TEST(CheckScenarioPlan, MetricStepsReferToReplayableMetricsAndEarlierValues) {
    ScenarioPlan s = CorrelatedPlan().scenarios[0];
    s.metrics = {{"orders", metrics::CustomMetricKind::kCounter, true},
                 {"depth", metrics::CustomMetricKind::kGauge, true},
                 {"ok", metrics::CustomMetricKind::kRate, false},
                 {"cart", metrics::CustomMetricKind::kTrend, true}};
    std::vector<Step>& steps = s.vusers[0].task_steps[0];
    ASSERT_FALSE(steps[0].extract.empty());
    const std::uint32_t slot = steps[0].extract[0].slot;
    Step add;
    add.metric = true;
    add.sample = MetricSample{0, false, false, 1, 0};
    Step set = add;
    set.sample = MetricSample{1, true, true, 0, slot};
    steps.insert(steps.begin() + 1, {add, set});
    std::string error;
    EXPECT_TRUE(CheckScenarioPlan(s, &error)) << error;

    const auto with_step = [&](MetricSample sample, size_t at = 1) {
        ScenarioPlan bad = s;
        Step st;
        st.metric = true;
        st.sample = sample;
        auto& list = bad.vusers[0].task_steps[0];
        list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), st);
        return CheckError(bad);
    };
    EXPECT_NE(with_step({9, false, false, 1, 0}).find("metric step refers to a missing metric"), std::string::npos);
    EXPECT_NE(with_step({2, false, false, 1, 0}).find("metric 'ok': a metric marked not replayable has a step"),
              std::string::npos);
    EXPECT_NE(with_step({0, true, false, 1, 0}).find("metric 'orders': set() on a metric that is not a gauge"),
              std::string::npos);
    EXPECT_NE(with_step({3, false, false, -1, 0}).find("metric 'cart': constant is negative"), std::string::npos);
    EXPECT_NE(with_step({0, false, false, std::numeric_limits<double>::infinity(), 0}).find("not a finite number"),
              std::string::npos);
    // A value used before the step that extracts it.
    EXPECT_NE(with_step({3, false, true, 0, slot}, 0).find("uses response value " + std::to_string(slot) +
                                                          " that no earlier step of the task extracts"),
              std::string::npos);

    ScenarioPlan names = s;
    names.metrics[1].name = "cart-value";
    EXPECT_NE(CheckError(names).find("metric 'cart-value': invalid metric name"), std::string::npos);
    names = s;
    names.metrics[3].name = "orders";
    EXPECT_NE(CheckError(names).find("metric 'orders': listed twice"), std::string::npos);
}

}  // namespace
}  // namespace lse::plan
