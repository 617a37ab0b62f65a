// The report's "Load generators" section (issue 16): each generator's health with its saturated periods, the
// saturation warning under the verdict and above the table, escaped ids, and nothing for a run without a report.
#include <string>

#include <gtest/gtest.h>

#include "generator_health_sample.hpp"  // tests/metrics
#include "lse/core/clock.hpp"
#include "lse/html_report/html_report.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/testing/temp_files.hpp"
#include "synthetic_run.hpp"

namespace lse::html_report {
namespace {

// One second of one request; `generators` are put into the interval and the run's totals as they are.
std::string Render(const std::string& dir_name, const std::map<std::string, metrics::GeneratorHealth>& generators) {
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
    for (const auto& [id, h] : generators) s.generators[id] = h;
    report.OnInterval(report::IntervalUpdate{s, s, kNsPerSec, kNsPerSec, 0, 1, "steady", {}});
    report.OnEnd(report::RunOutcome{report::SummaryInput{s, kNsPerSec}, {}, 0, ""});
    return lse::testing::ReadWhole(path);
}

std::string Row(const std::string& html, const std::string& id) {
    for (const char* open : {"<tr>", "<tr class=\"fail\">"}) {
        const std::size_t at = html.find(std::string(open) + "<td class=\"name\">" + id + "</td>");
        if (at != std::string::npos) return html.substr(at, html.find("</tr>", at) - at);
    }
    return {};
}

TEST(HtmlGenerators, TableShowsEachGeneratorAndMarksTheSaturated) {
    metrics::GeneratorHealth saturated = metrics::testing::SampleGeneratorHealth(30'000);
    saturated.saturated_intervals = 2;
    metrics::AddSaturatedPeriod(&saturated.saturated, {12'000, 13'000});
    metrics::AddSaturatedPeriod(&saturated.saturated, {20'000, 21'500});
    const std::string html =
        Render("generators", {{"a1", metrics::testing::SampleGeneratorHealth(800)}, {"a<2>", saturated}});
    ASSERT_NE(html.find("<section id=\"generators\">\n<h2>Load generators</h2>"), std::string::npos);
    const std::string a1 = Row(html, "a1");
    ASSERT_FALSE(a1.empty()) << html;
    EXPECT_EQ(a1.rfind("<tr>", 0), 0u) << "healthy: not marked";
    for (const char* cell : {"<td>2</td>", "<td>800us</td>", "<td>150%</td>", "<td>75%</td>", "<td>300</td>",
                             "<td>7</td>", "<td>20</td>", "<td>21 of 28232</td>", "<td>1.0 MiB</td>",
                             "<td class=\"result\">no</td>"}) {
        EXPECT_NE(a1.find(cell), std::string::npos) << cell << "\n" << a1;
    }
    const std::string a2 = Row(html, "a&lt;2&gt;");
    ASSERT_FALSE(a2.empty()) << "the id is escaped\n" << html;
    EXPECT_EQ(a2.rfind("<tr class=\"fail\">", 0), 0u);
    EXPECT_NE(a2.find("<td class=\"result\">2.5 s</td>"), std::string::npos) << a2;
    EXPECT_NE(a2.find("<td class=\"name\">12 s to 13 s, 20 s to 21.5 s</td>"), std::string::npos) << a2;
    EXPECT_EQ(html.find("a<2>"), std::string::npos);

    // The warning twice: in the header, where the verdict is read, and above the table.
    const std::string warning =
        "Warning: results may understate the target&#39;s performance: agent a&lt;2&gt; was saturated from 12 s to "
        "13 s and from 20 s to 21.5 s";
    const std::size_t in_header = html.find("<p class=\"warning\" id=\"saturation-warning\">" + warning);
    ASSERT_NE(in_header, std::string::npos) << html.substr(0, 3000);
    EXPECT_LT(in_header, html.find("</header>"));
    EXPECT_NE(html.find("<p class=\"warning\">" + warning + "</p>"), std::string::npos);
}

TEST(HtmlGenerators, NothingWithoutAReport) {
    const std::string html = Render("generators_none", {{"local", metrics::GeneratorHealth{}}});
    EXPECT_EQ(html.find("id=\"generators\""), std::string::npos);
    EXPECT_EQ(html.find("saturation-warning"), std::string::npos);
}

}  // namespace
}  // namespace lse::html_report
