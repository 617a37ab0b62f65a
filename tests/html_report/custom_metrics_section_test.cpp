// The report's "Custom metrics" table (issue 15): the script's own metrics with their kind's numbers, the
// not-replayable mark, and nothing at all for a run without them.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lse/core/clock.hpp"
#include "lse/html_report/html_report.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/testing/temp_files.hpp"
#include "synthetic_run.hpp"

namespace lse::html_report {
namespace {

using metrics::CustomMetricKind;
using nlohmann::json;

// One interval with a request, a counter fed 2 + 3.5 + 4.5, a gauge set 5, 9, 2, a rate 3 of 4 and a trend of
// 0.02 .. 2.00 (100 values); `not_replayable` marks metrics agents could not replay.
std::string Render(const std::string& dir_name, bool with_custom, std::vector<std::string> not_replayable = {}) {
    const std::string path = testing::FreshDirectory(dir_name) + "/report.html";
    HtmlReport report(path);
    report::RunDescription run;
    run.command = "run";
    run.script = "shop.lua";
    run.total_ns = kNsPerSec;
    report.OnStart(run);
    metrics::Snapshot s;
    s.Reset(0, kNsPerSec);
    s.RecordCompletion(&s.ForName(metrics::MakeStatKey(metrics::StatKind::kRequest, "shop", "buy", "GET /")),
                       ErrorKind::kNone, 200, true, 500, 1000, 10, 10);
    if (with_custom) {
        std::int64_t now = 1;
        for (double v : {2.0, 3.5, 4.5}) s.ForCustom("orders", CustomMetricKind::kCounter)->Add(v, now++);
        for (double v : {5.0, 9.0, 2.0}) s.ForCustom("queue", CustomMetricKind::kGauge)->Add(v, now++);
        for (double v : {1.0, 1.0, 1.0, 0.0}) s.ForCustom("login_ok", CustomMetricKind::kRate)->Add(v, now++);
        for (int i = 1; i <= 100; ++i) s.ForCustom("cart", CustomMetricKind::kTrend)->Add(0.02 * i, now++);
    }
    report.OnInterval(report::IntervalUpdate{s, s, kNsPerSec, kNsPerSec, 0, 1, "steady", {}});
    report::SummaryInput summary{s, kNsPerSec};
    summary.not_replayable_metrics = std::move(not_replayable);
    report.OnEnd(report::RunOutcome{summary, {}, 0, ""});
    return lse::testing::ReadWhole(path);
}

std::string Row(const std::string& html, const std::string& name) {
    const std::string start = "<tr><td class=\"name\">" + name + "</td>";
    std::size_t at = html.find(start);
    if (at == std::string::npos) at = html.find("<tr class=\"fail\"><td class=\"name\">" + name + "</td>");
    if (at == std::string::npos) return {};
    return html.substr(at, html.find("</tr>", at) - at);
}

TEST(HtmlCustomMetrics, TableShowsEachKindsNumbers) {
    const std::string html = Render("custom_metrics", true, {"orders"});
    ASSERT_NE(html.find("<section id=\"custom-metrics\">\n<h2>Custom metrics</h2>"), std::string::npos);
    // Before the run totals, after the scenarios.
    EXPECT_LT(html.find("id=\"custom-metrics\""), html.find("id=\"totals\""));
    EXPECT_GT(html.find("id=\"custom-metrics\""), html.find("<section class=\"scenario\">"));
    EXPECT_EQ(Row(html, "orders"),
              "<tr class=\"fail\"><td class=\"name\">orders</td><td class=\"name\">counter</td><td>3</td>"
              "<td>10 (10/s)</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td>"
              "<td class=\"name result\">not replayable on agents (see docs/lua-api.md)</td>");
    EXPECT_EQ(Row(html, "queue"),
              "<tr><td class=\"name\">queue</td><td class=\"name\">gauge</td><td>3</td><td>2</td><td>2</td><td>–</td>"
              "<td>–</td><td>–</td><td>–</td><td>–</td><td>9</td><td class=\"name result\"></td>");
    EXPECT_EQ(Row(html, "login_ok"),
              "<tr><td class=\"name\">login_ok</td><td class=\"name\">rate</td><td>4</td><td>75.00% (3 of 4)</td>"
              "<td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td>"
              "<td class=\"name result\"></td>");
    EXPECT_EQ(Row(html, "cart"),
              "<tr><td class=\"name\">cart</td><td class=\"name\">trend</td><td>100</td><td>–</td><td>0.02</td>"
              "<td>1.01</td><td>1</td><td>1.8</td><td>1.9</td><td>1.98</td><td>2</td><td class=\"name result\"></td>");
    // The embedded summary carries the same object as --summary-json.
    const json data = json::parse(testing::EmbeddedJson(html));
    EXPECT_EQ(data["summary"]["custom_metrics"]["orders"]["replayable"], false);
    EXPECT_EQ(data["summary"]["custom_metrics"]["login_ok"]["rate"], 0.75);
}

TEST(HtmlCustomMetrics, NoSectionWithoutCustomMetrics) {
    const std::string html = Render("no_custom_metrics", false);
    EXPECT_EQ(html.find("custom-metrics"), std::string::npos);
    EXPECT_EQ(html.find("Custom metrics"), std::string::npos);
    EXPECT_EQ(html.find("custom_metrics"), std::string::npos);
}

}  // namespace
}  // namespace lse::html_report
