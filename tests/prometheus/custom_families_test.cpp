// A script's own metrics (lsengine.metrics.*, issue 15) in the exposition: one family per metric, read back with
// the strict parser so the values and the format are both checked.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "exposition_parser.hpp"
#include "lse/prometheus/exposition.hpp"
#include "snapshot_builder.hpp"

namespace lse::prometheus {
namespace {

using metrics::CustomMetricKind;
using metrics::Snapshot;
using testing::Exposition;

void Add(Snapshot* s, const char* name, CustomMetricKind kind, std::initializer_list<double> values) {
    metrics::CustomMetric* m = s->ForCustom(name, kind);
    ASSERT_NE(m, nullptr);
    std::int64_t now = 1;
    for (double v : values) m->Add(v, now++);
}

std::string RenderText(const Snapshot* snapshot) {
    ExpositionInput in;
    in.cumulative = snapshot;
    in.script = "shop.lua";
    in.target = "http://127.0.0.1:8080";
    return RenderExposition(in);
}

Exposition Parse(const std::string& text) {
    Exposition e;
    std::string error;
    EXPECT_TRUE(testing::ParseExposition(text, &e, &error)) << error << "\n" << text;
    return e;
}

TEST(CustomFamilies, OneFamilyPerMetricWithTheKindsType) {
    Snapshot s;
    testing::AddResponses(&s, &testing::Request(&s, "shop", "buy", "GET /"), 3, 200, 900, 1'000);
    Add(&s, "orders", CustomMetricKind::kCounter, {2, 3.5, 4.5});
    Add(&s, "queue", CustomMetricKind::kGauge, {5, 9, 2});
    Add(&s, "login_ok", CustomMetricKind::kRate, {1, 1, 1, 0});
    metrics::CustomMetric* cart = s.ForCustom("cart", CustomMetricKind::kTrend);
    for (int i = 1; i <= 100; ++i) cart->Add(0.02 * i, i);
    const Exposition e = Parse(RenderText(&s));

    EXPECT_EQ(e.types.at("lsengine_custom_orders_total"), "counter");
    EXPECT_EQ(e.Value("lsengine_custom_orders_total"), 10);
    EXPECT_EQ(e.types.at("lsengine_custom_queue"), "gauge");
    EXPECT_EQ(e.Value("lsengine_custom_queue"), 2);  // the value set last, not the largest
    EXPECT_EQ(e.types.at("lsengine_custom_login_ok_total"), "counter");
    EXPECT_EQ(e.Value("lsengine_custom_login_ok_total", {{"result", "true"}}), 3);
    EXPECT_EQ(e.Value("lsengine_custom_login_ok_total", {{"result", "false"}}), 1);
    EXPECT_EQ(e.types.at("lsengine_custom_cart"), "summary");
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "0"}}), 0.02);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "0.5"}}), 1.0);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "0.9"}}), 1.8);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "0.95"}}), 1.9);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "0.99"}}), 1.98);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_custom_cart", {{"quantile", "1"}}), 2.0);
    EXPECT_NEAR(e.Value("lsengine_custom_cart_sum"), 101.0, 1e-9);
    EXPECT_EQ(e.Value("lsengine_custom_cart_count"), 100);
    EXPECT_NE(e.helps.at("lsengine_custom_cart").find("Script metric 'cart' (lsengine.metrics.trend)"),
              std::string::npos);
    // The request series are untouched.
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "GET /"}, {"status", "200"}}), 3);
}

// Declared, never fed: the family is there (dashboards find it); a gauge has no sample, a trend NaN quantiles.
TEST(CustomFamilies, DeclaredMetricsWithoutSamples) {
    Snapshot s;
    s.ForCustom("depth", CustomMetricKind::kGauge);
    s.ForCustom("lat", CustomMetricKind::kTrend);
    s.ForCustom("n", CustomMetricKind::kCounter);
    const Exposition e = Parse(RenderText(&s));
    EXPECT_EQ(e.types.at("lsengine_custom_depth"), "gauge");
    EXPECT_TRUE(e.Find("lsengine_custom_depth").empty());
    EXPECT_TRUE(std::isnan(e.Value("lsengine_custom_lat", {{"quantile", "0.5"}})));
    EXPECT_EQ(e.Value("lsengine_custom_lat_count"), 0);
    EXPECT_EQ(e.Value("lsengine_custom_n_total"), 0);
}

// Names that would write one series twice: the later metric (by name) is left out with a comment, so the scrape
// still parses.
TEST(CustomFamilies, ClashingSeriesNamesKeepTheFirstMetric) {
    Snapshot s;
    Add(&s, "orders", CustomMetricKind::kCounter, {4});
    Add(&s, "orders_total", CustomMetricKind::kGauge, {7});  // lsengine_custom_orders_total again
    Add(&s, "cart", CustomMetricKind::kTrend, {1});
    Add(&s, "cart_count", CustomMetricKind::kGauge, {3});  // lsengine_custom_cart_count is the trend's count
    const std::string text = RenderText(&s);
    const Exposition e = Parse(text);
    EXPECT_EQ(e.types.at("lsengine_custom_orders_total"), "counter");
    EXPECT_EQ(e.Value("lsengine_custom_orders_total"), 4);
    EXPECT_EQ(e.Value("lsengine_custom_cart_count"), 1);
    EXPECT_NE(text.find("# lsengine: custom metric 'orders_total' is not exported: its series "
                        "lsengine_custom_orders_total is another custom metric's\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# lsengine: custom metric 'cart_count' is not exported"), std::string::npos) << text;
}

// Finite values whose sum overflowed: the counter is infinite, written as the text format spells it ("+Inf",
// "-Inf", not to_chars' "inf"), so the scrape still parses.
TEST(CustomFamilies, InfiniteCounterIsWrittenAsPlusOrMinusInf) {
    Snapshot s;
    Add(&s, "huge", CustomMetricKind::kCounter, {1.5e308, 1.5e308});
    Add(&s, "debt", CustomMetricKind::kCounter, {-1.5e308, -1.5e308});
    const std::string text = RenderText(&s);
    EXPECT_NE(text.find("\nlsengine_custom_huge_total +Inf\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nlsengine_custom_debt_total -Inf\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf\n"), std::string::npos) << text;
    const Exposition e = Parse(text);
    EXPECT_EQ(e.Value("lsengine_custom_huge_total"), std::numeric_limits<double>::infinity());
    EXPECT_EQ(e.Value("lsengine_custom_debt_total"), -std::numeric_limits<double>::infinity());
}

TEST(CustomFamilies, NoCustomMetricsNoCustomFamilies) {
    Snapshot s;
    testing::AddResponses(&s, &testing::Request(&s, "shop", "buy", "GET /"), 1, 200, 900, 1'000);
    EXPECT_EQ(RenderText(&s).find("lsengine_custom_"), std::string::npos);
}

}  // namespace
}  // namespace lse::prometheus
