#include "lse/html_report/html_report.hpp"

#include <filesystem>
#include <algorithm>
#include <cctype>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lse/core/errors.hpp"
#include "lse/testing/temp_files.hpp"
#include "synthetic_run.hpp"

namespace lse::html_report {
namespace {

using nlohmann::json;
using testing::EmbeddedJson;
using testing::FeedSyntheticRun;
using testing::FreshDirectory;
using lse::testing::ReadWhole;

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Attribute values of `attribute` (src, href) that point outside the file: http:, https: or protocol-relative.
// A plain scan rather than std::regex, whose GCC 12 implementation warns under the sanitizers.
std::size_t ExternalReferences(const std::string& html, const std::string& attribute) {
    const std::string text = Lower(html);
    std::size_t found = 0;
    for (std::size_t at = text.find(attribute); at != std::string::npos; at = text.find(attribute, at + 1)) {
        std::size_t i = at + attribute.size();
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= text.size() || text[i] != '=') continue;
        ++i;
        while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == '"' || text[i] == '\'')) {
            ++i;
        }
        const std::string_view value = std::string_view(text).substr(i, 8);
        if (value.starts_with("http:") || value.starts_with("https:") || value.starts_with("//")) ++found;
    }
    return found;
}

std::string RenderSynthetic(const std::string& name, const testing::SyntheticOptions& options = {}) {
    const std::string path = FreshDirectory(name) + "/report.html";
    HtmlReport report(path);
    FeedSyntheticRun(report, options);
    return ReadWhole(path);
}

TEST(HtmlReport, WritesExactlyOneFileAndNoTemporary) {
    const std::string dir = FreshDirectory("one_file");
    HtmlReport report(dir + "/report.html");
    FeedSyntheticRun(report);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        ++files;
        EXPECT_EQ(entry.path().filename(), "report.html");
    }
    EXPECT_EQ(files, 1u);
    EXPECT_GT(std::filesystem::file_size(dir + "/report.html"), 40000u);  // uPlot alone is ~50 KB
}

TEST(HtmlReport, InlinesUplotAndLoadsNothingFromOutside) {
    const std::string html = RenderSynthetic("self_contained");
    EXPECT_NE(html.find("var uPlot="), std::string::npos) << "uPlot's code is not inlined";
    EXPECT_NE(html.find(".uplot"), std::string::npos) << "uPlot's CSS is not inlined";
    EXPECT_NE(html.find("new uPlot("), std::string::npos) << "the chart script is missing";
    // Nothing may be fetched: no src/href to any URL (absolute or protocol-relative), no <link>, no @import.
    EXPECT_EQ(ExternalReferences(html, "src"), 0u);
    EXPECT_EQ(ExternalReferences(html, "href"), 0u);
    const std::string lower = Lower(html);
    EXPECT_EQ(lower.find("<link"), std::string::npos);
    EXPECT_EQ(lower.find("@import"), std::string::npos);
    EXPECT_EQ(lower.find("<script src"), std::string::npos);
    EXPECT_EQ(lower.find("url("), std::string::npos);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(HtmlReport, ExternalReferenceScanFindsWhatItLooksFor) {
    // Guards the scan above against passing vacuously.
    EXPECT_EQ(ExternalReferences("<script src=\"https://cdn.example/u.js\"></script>", "src"), 1u);
    EXPECT_EQ(ExternalReferences("<a HREF = '//cdn.example/x'>", "href"), 1u);
    EXPECT_EQ(ExternalReferences("<img src=x>", "src"), 0u);
}

TEST(HtmlReport, EscapesUserControlledNames) {
    const std::string html = RenderSynthetic("escaping");
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_EQ(html.find(testing::kHostileName), std::string::npos) << "a request name reached the page unescaped";
    EXPECT_EQ(html.find(testing::kHostileTask), std::string::npos) << "a task name reached the page unescaped";
    EXPECT_NE(html.find("buy&lt;img src=x onerror=&quot;"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;X-Token: [redacted]&lt;/b&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<b>X-Token"), std::string::npos);
}

// tags (issue 15): a tagged row is labelled with its tags, escaped like any name.
TEST(HtmlReport, TaggedRowsShowTheirTagsEscaped) {
    testing::SyntheticOptions options;
    options.tagged_row = true;
    const std::string html = RenderSynthetic("tagged", options);
    EXPECT_NE(html.find("GET /tagged {env=&lt;i&gt;staging&lt;/i&gt;,tier=gold}"), std::string::npos);
    EXPECT_EQ(html.find("<i>staging"), std::string::npos) << "a tag value reached the page unescaped";
    EXPECT_EQ(RenderSynthetic("untagged").find("{env="), std::string::npos);
}

// Regions (issue 16): a section with each region's rows (names escaped); none for a run without regions.
TEST(HtmlReport, RegionsSectionOnlyForRunsWithRegions) {
    testing::SyntheticOptions options;
    options.regions = true;
    const std::string html = RenderSynthetic("regions", options);
    const std::size_t section = html.find("<section id=\"regions\">");
    ASSERT_NE(section, std::string::npos);
    const std::string part = html.substr(section, html.find("</section>", section) - section);
    EXPECT_NE(part.find(">eu<"), std::string::npos) << part;
    EXPECT_NE(part.find(">eu / shop / "), std::string::npos) << part;
    EXPECT_NE(part.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << part;
    EXPECT_EQ(part.find("<script>alert"), std::string::npos) << "a region name reached the page unescaped";
    const json data = json::parse(EmbeddedJson(html));
    EXPECT_TRUE(data["summary"]["regions"].contains("eu"));
    EXPECT_EQ(RenderSynthetic("no-regions").find("id=\"regions\""), std::string::npos);
}

TEST(HtmlReport, EmbeddedJsonParsesBackWithTimelineSummaryAndAgents) {
    const std::string html = RenderSynthetic("json");
    const std::string text = EmbeddedJson(html);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.find("</"), std::string::npos);
    const json data = json::parse(text);  // throws (fails the test) if the blob is not valid JSON

    const json& tl = data.at("timeline");
    ASSERT_EQ(tl.at("t").size(), static_cast<std::size_t>(testing::kIntervals));
    EXPECT_DOUBLE_EQ(tl.at("t").back().get<double>(), testing::kIntervals);
    EXPECT_DOUBLE_EQ(tl.at("target_rps")[0].get<double>(), 100.0);
    EXPECT_DOUBLE_EQ(tl.at("achieved_rps")[0].get<double>(), 100.0);     // 90 + 8 + 2 requests in 1 s
    EXPECT_DOUBLE_EQ(tl.at("iterations_per_s")[0].get<double>(), 50.0);  // 45 browse + 5 buy iterations
    EXPECT_TRUE(tl.at("has_tasks").get<bool>());
    EXPECT_EQ(tl.at("errors").at("timeout")[0], 1);
    EXPECT_EQ(tl.at("errors").at("check")[0], 1);
    EXPECT_EQ(tl.at("statuses").at("5xx")[0], 2);
    EXPECT_EQ(tl.at("statuses").at("2xx")[0], 96);
    ASSERT_EQ(tl.at("tasks").size(), 2u);
    EXPECT_GT(tl.at("service_ms").at("p99")[0].get<double>(), tl.at("service_ms").at("p50")[0].get<double>());

    const json& summary = data.at("summary");
    EXPECT_FALSE(summary.at("thresholds_passed").get<bool>());
    bool hostile_found = false;
    for (const json& r : summary.at("scenarios").at(0).at("requests")) {
        hostile_found = hostile_found || r.at("name") == testing::kHostileName;
    }
    EXPECT_TRUE(hostile_found) << "names must survive the JSON escaping unchanged";
    EXPECT_EQ(data.at("agents").size(), 2u);
    EXPECT_EQ(data.at("run").at("verdict"), "FAIL");
}

TEST(HtmlReport, ShowsVerdictThresholdsAgentsLifecycleAndConfiguration) {
    const std::string html = RenderSynthetic("tables");
    EXPECT_NE(html.find("class=\"verdict fail\">FAIL"), std::string::npos);
    EXPECT_NE(html.find("1 of 2 thresholds failed"), std::string::npos);
    EXPECT_NE(html.find("shop.p95 = 12ms"), std::string::npos);  // actual next to the expression (limit)
    EXPECT_NE(html.find("shop: p95 &lt; 1ms"), std::string::npos);
    EXPECT_NE(html.find("agent-2"), std::string::npos);
    EXPECT_NE(html.find("timed out"), std::string::npos);
    EXPECT_NE(html.find("missing (lost before the end)"), std::string::npos);
    EXPECT_NE(html.find(">setup<"), std::string::npos);
    EXPECT_NE(html.find("status is 201"), std::string::npos);
    EXPECT_NE(html.find("checkout &gt; cart listed"), std::string::npos) << "a check made in group() names it";
    EXPECT_NE(html.find(">--rps<"), std::string::npos);
    EXPECT_NE(html.find("shop.lua"), std::string::npos);
    EXPECT_NE(html.find("2023-11-14 22:13:20 UTC"), std::string::npos);
    EXPECT_NE(html.find("threshold failed"), std::string::npos);
    // Errors grouped by message, with where, kind, count and first seen; the VU-ready count; the fail reason.
    EXPECT_NE(html.find("Errors by message"), std::string::npos);
    EXPECT_NE(html.find("attempt to call global &#39;chek&#39;"), std::string::npos) << "escaped message";
    EXPECT_NE(html.find(">before load<"), std::string::npos);
    EXPECT_NE(html.find("9 of 10 virtual users ready"), std::string::npos);
    EXPECT_NE(html.find("failed with script errors"), std::string::npos) << "the banner lists why the run failed";
}

// The text between `open` and the next `close` after it; "" when `open` is missing.
std::string Between(const std::string& html, const std::string& open, const std::string& close) {
    const std::size_t at = html.find(open);
    if (at == std::string::npos) return {};
    return html.substr(at, html.find(close, at) - at);
}

TEST(HtmlReport, AgentsSectionListsEveryRebalanceInTimeOrder) {
    const std::string html = RenderSynthetic("rebalances");
    const std::string agents = Between(html, "<section id=\"agents\">", "</section>");
    ASSERT_FALSE(agents.empty()) << html;
    // agent-2's row: initial share, share now, and how often it was rebalanced.
    const std::string row = Between(agents, "<td class=\"name\">agent-2</td>", "</tr>");
    EXPECT_NE(row.find("<td>50.00%</td><td>40.00%</td><td>2</td>"), std::string::npos) << row;

    const std::string table = Between(agents, "<h3 id=\"rebalances\">Rebalances</h3>", "</table>");
    ASSERT_FALSE(table.empty()) << agents;
    const std::string saturated =
        "<tr><td>2.0s</td><td class=\"name\">agent-2</td><td>50.00%</td><td>30.00%</td><td class=\"name\">agent-2"
        "</td><td class=\"name\">agent-1</td><td class=\"name\">saturated: lag p99 &lt;23 ms&gt;</td></tr>";
    const std::string recovered =
        "<tr><td>4.0s</td><td class=\"name\">agent-2</td><td>30.00%</td><td>40.00%</td><td class=\"name\">agent-1"
        "</td><td class=\"name\">agent-2</td><td class=\"name\">recovered</td></tr>";
    const std::size_t first = table.find(saturated);
    ASSERT_NE(first, std::string::npos) << table;
    EXPECT_GT(table.find(recovered), first) << "events in time order\n" << table;
    EXPECT_EQ(html.find(testing::kRebalanceWhy), std::string::npos) << "the reason is escaped";

    // The embedded JSON carries them as --summary-json does.
    const json data = json::parse(EmbeddedJson(html));
    const json& moves = data.at("agents").at(1).at("rebalances");
    ASSERT_EQ(moves.size(), 2u);
    EXPECT_DOUBLE_EQ(moves[0].at("at_s").get<double>(), 2.0);
    EXPECT_EQ(moves[0].at("why"), testing::kRebalanceWhy);
    EXPECT_EQ(moves[1].at("from"), json::array({"agent-1"}));
    EXPECT_DOUBLE_EQ(data.at("agents").at(1).at("share_now").get<double>(), 0.4);
    EXPECT_TRUE(data.at("agents").at(0).at("rebalances").empty());
}

TEST(HtmlReport, NoRebalanceTableWithoutRebalances) {
    const std::string path = FreshDirectory("no_rebalances") + "/report.html";
    HtmlReport report(path);
    report::RunDescription run;
    run.distributed = true;
    report.OnStart(run);
    metrics::Snapshot s;
    report::AgentResult agent;
    agent.status = {"a1", "h", "active", 1, 1.0};
    agent.share_now = 1.0;
    report.OnEnd(report::RunOutcome{report::SummaryInput{s, 0}, {agent}, 0, ""});
    const std::string html = ReadWhole(path);
    EXPECT_NE(html.find("<section id=\"agents\">"), std::string::npos);
    EXPECT_EQ(html.find("id=\"rebalances\""), std::string::npos);
}

TEST(HtmlReport, TimelineHasEachGeneratorsLoopLagP99) {
    const json tl = json::parse(EmbeddedJson(RenderSynthetic("loop_lag"))).at("timeline");
    const json& generators = tl.at("generators");
    ASSERT_EQ(generators.size(), 2u) << generators.dump();
    EXPECT_EQ(generators[0].at("name"), "agent-1");
    EXPECT_EQ(generators[1].at("name"), "agent-2");
    ASSERT_EQ(generators[1].at("loop_lag_p99_ms").size(), static_cast<std::size_t>(testing::kIntervals));
    for (int i = 0; i < testing::kIntervals; ++i) {
        EXPECT_NEAR(generators[0].at("loop_lag_p99_ms")[i].get<double>(), 0.8, 0.01);
        const double expected_ms = static_cast<double>(testing::kAgent2LagStepUs * (i + 1)) / 1000.0;
        EXPECT_NEAR(generators[1].at("loop_lag_p99_ms")[i].get<double>(), expected_ms, expected_ms / 100) << i;
    }
    EXPECT_DOUBLE_EQ(tl.at("saturated_lag_p99_ms").get<double>(), 10.0);
}

TEST(HtmlReport, PassBannerWhenEverythingPassed) {
    const std::string html = RenderSynthetic("pass", {.failing_threshold = false, .exit_code = 0});
    EXPECT_NE(html.find("class=\"verdict pass\">PASS"), std::string::npos);
    EXPECT_EQ(html.find("class=\"verdict fail\""), std::string::npos);
}

TEST(HtmlReport, RunWithoutIntervalsStillWritesAReport) {
    const std::string html = RenderSynthetic("no_intervals", {.intervals = 0});
    const json data = json::parse(EmbeddedJson(html));
    EXPECT_TRUE(data.at("timeline").at("t").empty());
    EXPECT_NE(html.find(">setup<"), std::string::npos);  // tables still come from the total
}

TEST(HtmlReport, MissingDirectoryThrowsSetupErrorNamingThePath) {
    const std::string path = FreshDirectory("missing") + "/no/such/dir/report.html";
    HtmlReport report(path);
    try {
        FeedSyntheticRun(report);
        FAIL() << "expected SetupError";
    } catch (const SetupError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), ExitCode::kSetup);
    }
}

TEST(HtmlReport, PathThatIsADirectoryThrowsAndLeavesNoTemporary) {
    const std::string dir = FreshDirectory("is_dir");
    const std::string path = dir + "/report.html";
    std::filesystem::create_directory(path);
    HtmlReport report(path);
    EXPECT_THROW(FeedSyntheticRun(report), SetupError);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace lse::html_report
