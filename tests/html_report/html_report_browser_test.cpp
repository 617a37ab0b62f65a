// Opens a generated report in headless Chromium and checks from the DOM it dumps that the inline
// script ran: every chart was created and each canvas has pixels on it. Skips when Chromium is missing.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "lse/html_report/html_report.hpp"
#include "synthetic_run.hpp"

namespace lse::html_report {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
// rps, service time, response time, errors, statuses, iterations per task, generators' loop lag.
constexpr int kExpectedCharts = 7;

struct CommandResult {
    int exit_code = -1;
    std::string output;
};

CommandResult RunCommand(const std::string& command) {
    CommandResult result;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 65536> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// The value of attribute `name` on the dumped <body> tag; "" when absent.
std::string BodyAttribute(const std::string& dom, const std::string& name) {
    const std::size_t begin = dom.find("<body");
    if (begin == std::string::npos) return {};
    const std::string tag = dom.substr(begin, dom.find('>', begin) - begin);
    const std::string key = " " + name + "=\"";
    const std::size_t at = tag.find(key);
    if (at == std::string::npos) return {};
    const std::size_t value = at + key.size();
    return tag.substr(value, tag.find('"', value) - value);
}

TEST(HtmlReportBrowser, ChartsDrawAndPaintInHeadlessChromium) {
    if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed; skipping the browser check";
    const std::string dir = testing::FreshDirectory("browser");
    const std::string path = dir + "/report.html";
    {
        HtmlReport report(path);
        testing::FeedSyntheticRun(report);
    }
    // A private profile inside the test dir: nothing is left in $HOME, and runs do not share state.
    const std::string command = "timeout 90 " + std::string(kChromium) +
                                " --headless --no-sandbox --disable-gpu --no-first-run --window-size=1280,1024"
                                " --virtual-time-budget=5000 --user-data-dir='" + dir + "/profile' --dump-dom 'file://" +
                                path + "' 2>'" + dir + "/chromium.log'";
    const CommandResult result = RunCommand(command);
    ASSERT_EQ(result.exit_code, 0) << "chromium failed; see " << dir << "/chromium.log";
    ASSERT_NE(result.output.find("<body"), std::string::npos) << result.output.substr(0, 2000);

    EXPECT_EQ(BodyAttribute(result.output, "data-chart-error"), "");
    EXPECT_EQ(BodyAttribute(result.output, "data-xss"), "") << "a hostile task name ran as markup";
    EXPECT_EQ(BodyAttribute(result.output, "data-charts-drawn"), std::to_string(kExpectedCharts));
    EXPECT_EQ(BodyAttribute(result.output, "data-charts-painted"), std::to_string(kExpectedCharts));
    // uPlot built its DOM (one .uplot root per chart) and its legend shows our series names.
    std::size_t roots = 0;
    for (std::size_t at = result.output.find("class=\"uplot"); at != std::string::npos;
         at = result.output.find("class=\"uplot", at + 1)) {
        ++roots;
    }
    EXPECT_EQ(roots, static_cast<std::size_t>(kExpectedCharts));
    EXPECT_NE(result.output.find("achieved rps"), std::string::npos);
    EXPECT_NE(result.output.find("achieved iterations/s"), std::string::npos);
    EXPECT_NE(result.output.find("timeout"), std::string::npos);
    EXPECT_NE(result.output.find("saturated above"), std::string::npos) << "the loop-lag chart's limit line";
}

}  // namespace
}  // namespace lse::html_report
