// The table form of the `thresholds` scenario option: { "expr", abort_on_fail = true, delay = "10s" }.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/lua/script_state.hpp"

namespace lse::lua {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// Writes the scenario to TMPDIR (ctest points it into the build tree) and removes it afterwards.
class TempScript {
public:
    explicit TempScript(const std::string& text) {
        const char* dir = std::getenv("TMPDIR");
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        for (char& c : name) c = c == '/' ? '_' : c;  // parameterized names hold '/'
        path_ = std::string(dir != nullptr ? dir : ".") + "/lse_threshold_options_" + name + ".lua";
        std::ofstream(path_) << text;
    }
    ~TempScript() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The message of the UsageError that loading `text` throws ("" when it loads).
std::string LoadError(const TempScript& script) {
    try {
        LoadScenarioDefs(script.path());
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

const char kTask[] = "flow:task(\"t\", function(self, http) end)\n";

TEST(ThresholdOptions, StringsAndTablesMix) {
    TempScript script(std::string("local flow = scenario { name = \"s\", thresholds = {\n") +
                      "  \"p95 < 200ms\",\n"
                      "  { \"error_rate < 5%\", abort_on_fail = true, delay = \"10s\" },\n"
                      "  { \"p99 < 1s\", abort_on_fail = true },\n"
                      "  { \"checks > 99%\" },\n"
                      "  { \"rps > 10\", abort_on_fail = false },\n"
                      "} }\n" +
                      kTask);
    const auto defs = LoadScenarioDefs(script.path());
    ASSERT_EQ(defs.size(), 1u);
    const auto& t = defs[0].thresholds;
    ASSERT_EQ(t.size(), 5u);
    EXPECT_EQ(t[0].expression, "p95 < 200ms");
    EXPECT_FALSE(t[0].abort_on_fail);
    EXPECT_EQ(t[0].delay_ns, 0);
    EXPECT_EQ(t[1].expression, "error_rate < 5%");
    EXPECT_TRUE(t[1].abort_on_fail);
    EXPECT_EQ(t[1].delay_ns, 10 * kSec);
    EXPECT_EQ(t[1].defined_at, defs[0].defined_at);
    EXPECT_EQ(t[2].expression, "p99 < 1s");
    EXPECT_TRUE(t[2].abort_on_fail);
    EXPECT_EQ(t[2].delay_ns, 0);
    EXPECT_EQ(t[3].expression, "checks > 99%");
    EXPECT_FALSE(t[3].abort_on_fail);
    EXPECT_FALSE(t[4].abort_on_fail);
}

TEST(ThresholdOptions, DelayAsNumberOfSeconds) {
    TempScript script(std::string("local flow = scenario { thresholds = { { \"p95 < 1s\", abort_on_fail = true, "
                                  "delay = 2.5 } } }\n") +
                      kTask);
    const auto defs = LoadScenarioDefs(script.path());
    ASSERT_EQ(defs[0].thresholds.size(), 1u);
    EXPECT_EQ(defs[0].thresholds[0].delay_ns, 2 * kSec + kSec / 2);
}

struct BadTable {
    const char* name;
    const char* entry;                  ///< the thresholds list entry
    std::vector<std::string> fragments; ///< expected in the message
};

class BadThresholdTable : public ::testing::TestWithParam<BadTable> {};

TEST_P(BadThresholdTable, NamesFileLineAndProblem) {
    const BadTable& c = GetParam();
    TempScript script(std::string("-- a comment line\nlocal flow = scenario { name = \"s\", thresholds = { \"p95 < 1s\", ") +
                      c.entry + " } }\n" + kTask);
    const std::string msg = LoadError(script);
    ASSERT_FALSE(msg.empty()) << "no error for " << c.entry;
    EXPECT_EQ(msg.rfind(script.path() + ":2:", 0), 0u) << msg;
    EXPECT_NE(msg.find("scenario 's'"), std::string::npos) << msg;
    for (const auto& f : c.fragments) EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Messages, BadThresholdTable,
    ::testing::Values(
        BadTable{"UnknownKey", "{ \"error_rate < 5%\", abort_on_fial = true }",
                 {"thresholds[2]", "unknown key 'abort_on_fial'", "did you mean 'abort_on_fail'?"}},
        BadTable{"UnknownKeyDelay", "{ \"error_rate < 5%\", abort_on_fail = true, dealy = \"1s\" }",
                 {"thresholds[2]", "unknown key 'dealy'", "did you mean 'delay'?"}},
        BadTable{"SecondExpression", "{ \"error_rate < 5%\", \"p95 < 1s\" }", {"thresholds[2]", "unexpected entry [2]"}},
        BadTable{"NoExpression", "{ abort_on_fail = true }", {"thresholds[2][1] must be the threshold", "nil"}},
        BadTable{"ExpressionNotString", "{ 5, abort_on_fail = true }", {"thresholds[2][1] must be the threshold", "5"}},
        BadTable{"AbortNotBoolean", "{ \"p95 < 1s\", abort_on_fail = \"yes\" }",
                 {"thresholds[2].abort_on_fail must be true or false", "\"yes\""}},
        BadTable{"BadDelay", "{ \"p95 < 1s\", abort_on_fail = true, delay = \"10x\" }", {"thresholds[2].delay"}},
        BadTable{"NegativeDelay", "{ \"p95 < 1s\", abort_on_fail = true, delay = -1 }", {"thresholds[2].delay"}},
        BadTable{"DelayWithoutAbort", "{ \"p95 < 1s\", delay = \"10s\" }",
                 {"thresholds[2]: delay applies only with abort_on_fail = true"}},
        BadTable{"NumberEntry", "42", {"thresholds[2] must be a string", "or a table", "42"}}),
    [](const ::testing::TestParamInfo<BadTable>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lse::lua
