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
