// scenario{...} and flow:task(): the declared data, and every validation message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/lua/script_state.hpp"

namespace lse::lua {
namespace {

std::string Script(const std::string& name) { return std::string(LSE_LUA_TEST_SCRIPTS) + "/" + name; }

constexpr std::int64_t kSec = 1'000'000'000;

TEST(ScenarioDsl, HappyPathFillsEveryField) {
    auto defs = LoadScenarioDefs(Script("good_checkout.lua"));
    ASSERT_EQ(defs.size(), 1u);
    const ScenarioDef& d = defs[0];
    EXPECT_EQ(d.name, "checkout");
    EXPECT_EQ(d.defined_at, Script("good_checkout.lua") + ":2");
    ASSERT_TRUE(d.rps.has_value());
    EXPECT_DOUBLE_EQ(*d.rps, 100);
    EXPECT_EQ(d.vusers, 50);
    EXPECT_EQ(d.duration_ns, 120 * kSec);
    EXPECT_EQ(d.ramp_up_ns, 20 * kSec);  // a number means seconds
    EXPECT_TRUE(d.stages.empty());
    EXPECT_FALSE(d.think_min_ns.has_value());
    ASSERT_EQ(d.thresholds.size(), 2u);
    EXPECT_EQ(d.thresholds[0].expression, "p95 < 200ms");
    EXPECT_EQ(d.thresholds[1].expression, "error_rate < 1%");
    EXPECT_EQ(d.thresholds[0].defined_at, d.defined_at);
    ASSERT_EQ(d.tasks.size(), 2u);
    EXPECT_EQ(d.tasks[0].name, "browse");
    EXPECT_DOUBLE_EQ(d.tasks[0].weight, 4);
    EXPECT_EQ(d.tasks[0].on_extract_error, plan::OnExtractError::kSkip);  // the default
    EXPECT_EQ(d.tasks[0].defined_at, Script("good_checkout.lua") + ":15");
    EXPECT_EQ(d.tasks[1].name, "buy");
    EXPECT_DOUBLE_EQ(d.tasks[1].weight, 1);
    EXPECT_EQ(d.tasks[1].on_extract_error, plan::OnExtractError::kEmpty);
    EXPECT_TRUE(d.has_on_start);
    EXPECT_TRUE(d.has_on_stop);
    EXPECT_FALSE(d.has_setup);
    EXPECT_FALSE(d.has_teardown);
}

TEST(ScenarioDsl, StagesThinkTimeAndSeveralScenarios) {
    auto defs = LoadScenarioDefs(Script("good_multi.lua"));
    ASSERT_EQ(defs.size(), 2u);
    const ScenarioDef& ramp = defs[0];
    EXPECT_EQ(ramp.name, "ramp");
    EXPECT_FALSE(ramp.rps.has_value());
    ASSERT_EQ(ramp.stages.size(), 3u);
    EXPECT_EQ(ramp.stages[0].duration_ns, 30 * kSec);
    EXPECT_DOUBLE_EQ(ramp.stages[0].target_rps, 10);
    EXPECT_EQ(ramp.stages[1].duration_ns, 90 * kSec);
    EXPECT_DOUBLE_EQ(ramp.stages[1].target_rps, 50);
    EXPECT_EQ(ramp.stages[2].duration_ns, 10 * kSec);
    EXPECT_DOUBLE_EQ(ramp.stages[2].target_rps, 0);
    EXPECT_TRUE(ramp.has_setup);
    EXPECT_TRUE(ramp.has_teardown);
    EXPECT_FALSE(ramp.has_on_start);

    const ScenarioDef& users = defs[1];
    EXPECT_EQ(users.name, "users");
    EXPECT_EQ(users.think_min_ns, kSec / 2);
    EXPECT_EQ(users.think_max_ns, 2 * kSec);
    ASSERT_EQ(users.tasks.size(), 2u);  // the second was added by chaining :task
    EXPECT_DOUBLE_EQ(users.tasks[0].weight, 0.5);
    EXPECT_EQ(users.tasks[1].name, "c");
}

TEST(ScenarioDsl, DefaultNameIsTheFileNameAndFixedThinkTime) {
    auto defs = LoadScenarioDefs(Script("good_default_name.lua"));
    ASSERT_EQ(defs.size(), 1u);
    EXPECT_EQ(defs[0].name, "good_default_name");
    EXPECT_EQ(defs[0].think_min_ns, kSec);
    EXPECT_EQ(defs[0].think_max_ns, kSec);
    EXPECT_FALSE(defs[0].max_redirects.has_value()) << "not given: --max-redirects or the default decides";
}

TEST(ScenarioDsl, RedirectsOption) {
    auto defs = LoadScenarioDefs(Script("good_checkout.lua"));
    ASSERT_EQ(defs.size(), 1u);
    ASSERT_TRUE(defs[0].max_redirects.has_value());
    EXPECT_EQ(*defs[0].max_redirects, 0);
}

// Issue 15: a scenario's own client certificate and response-header limit, as written (the CLI resolves the paths
// against the script's directory and loads them).
TEST(ScenarioDsl, ClientCertificateAndHeaderLimitOptions) {
    auto defs = LoadScenarioDefs(Script("good_client_options.lua"));
    ASSERT_EQ(defs.size(), 3u);
    EXPECT_EQ(defs[0].cert, "certs/client.pem");
    EXPECT_EQ(defs[0].key, "certs/client.key");
    ASSERT_TRUE(defs[0].max_header_bytes.has_value());
    EXPECT_EQ(*defs[0].max_header_bytes, 128u * 1024);
    EXPECT_EQ(defs[1].cert, "/abs/both.pem");
    EXPECT_EQ(defs[1].key, "");
    EXPECT_EQ(*defs[1].max_header_bytes, 2048u);
    EXPECT_EQ(defs[2].cert, "");
    EXPECT_FALSE(defs[2].max_header_bytes.has_value()) << "not given: --max-header-size decides";
}

struct BadCase {
    const char* file;
    std::vector<std::string> fragments;  // every one must appear in the message
    std::string prefix;                  // the message starts with <script path> + prefix
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.file; }

class BadScenario : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenario, IsAUsageErrorNamingFileLineAndProblem) {
    const BadCase& c = GetParam();
    try {
        LoadScenarioDefs(Script(c.file));
        FAIL() << c.file << " loaded without error";
    } catch (const UsageError& e) {
        std::string msg = e.what();
        if (!c.prefix.empty()) {
            EXPECT_EQ(msg.rfind(Script(c.file) + c.prefix, 0), 0u) << msg;
        }
        for (const auto& f : c.fragments) EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, BadScenario,
    ::testing::Values(
        BadCase{"bad_unknown_option.lua", {"scenario 'checkout'", "unknown option 'durration'", "did you mean 'duration'?"}, ":1:"},
        BadCase{"bad_rps.lua", {"scenario 'bad_rps'", "'rps' must be a number > 0", "-5"}, ":2:"},
        BadCase{"bad_vusers.lua", {"'vusers' must be an integer >= 1", "2.5"}, ":1:"},
        BadCase{"bad_duration.lua", {"scenario 'd'", "option 'duration'", "2x"}, ":1:"},
        BadCase{"bad_duration_type.lua", {"option 'duration' must be a duration", "boolean"}, ":1:"},
        BadCase{"bad_ramp_up.lua", {"ramp_up", "longer than duration"}, ":1:"},
        BadCase{"bad_stages_with_rps.lua", {"stages cannot be combined with rps"}, ":1:"},
        BadCase{"bad_stage_key.lua", {"stages[2]", "unknown key 'rsp'", "did you mean 'rps'?"}, ":1:"},
        BadCase{"bad_think_time_open.lua", {"think_time applies to the closed model (no rps/stages)"}, ":1:"},
        BadCase{"bad_think_minmax.lua", {"think_time.min", "greater than think_time.max"}, ":1:"},
        BadCase{"bad_thresholds.lua", {"'thresholds' must be a list of strings"}, ":1:"},
        BadCase{"bad_name.lua", {"'name' must be a non-empty string"}, ":1:"},
        BadCase{"bad_no_tasks.lua", {"scenario 'empty' (", "bad_no_tasks.lua:2) has no tasks", "flow:task(\"name\""}, ""},
        BadCase{"bad_no_scenario.lua", {"declares no scenario"}, " declares"},
        BadCase{"bad_duplicate_default.lua", {"'bad_duplicate_default'", "name ="}, ":3:"},
        BadCase{"bad_duplicate_name.lua", {"scenario 'x' is already declared at", "bad_duplicate_name.lua:1"}, ":3:"},
        BadCase{"bad_task_option.lua", {"task 'browse'", "unknown option 'wieght'", "did you mean 'weight'?"}, ":2:"},
        BadCase{"bad_task_extract_option.lua", {"task 'browse'", "unknown option 'on_extract_eror'",
                                                "did you mean 'on_extract_error'?"}, ":2:"},
        BadCase{"bad_task_extract_policy.lua", {"task 'browse'", "on_extract_error must be \"skip\" or \"empty\"",
                                                "got 'emtpy'", "did you mean 'empty'?"}, ":2:"},
        BadCase{"bad_task_weight.lua", {"task 'browse'", "weight must be a number > 0"}, ":2:"},
        BadCase{"bad_task_dup.lua", {"task 'browse' is already declared at", "bad_task_dup.lua:2"}, ":3:"},
        BadCase{"bad_task_dot.lua", {"with a colon"}, ":2:"},
        BadCase{"bad_task_no_fn.lua", {"task 'browse'", "expected a function"}, ":2:"},
        BadCase{"bad_task_name.lua", {"task name must be a non-empty string"}, ":2:"},
        BadCase{"bad_hook.lua", {"unknown hook 'on_strat'", "did you mean 'on_start'?"}, ":4:"},
        BadCase{"bad_hook_prefix.lua", {"unknown hook 'on_error'", "did you mean"}, ":3:"},
        BadCase{"bad_hook_type.lua", {"'on_stop' must be a function"}, ":1:"},
        BadCase{"bad_redirects.lua", {"scenario 'r'", "option 'redirects' must be an integer from 0 (do not follow "
                                       "redirects) to 100", "(got 1.5)"}, ":1:"},
        BadCase{"bad_key_without_cert.lua", {"scenario 'k'", "option 'key' needs option 'cert'"}, ":1:"},
        BadCase{"bad_max_header_size.lua", {"scenario 'h'", "option 'max_header_size' must be a size from 1KiB to "
                                            "1GiB", "(got \"12B\")"}, ":1:"},
        BadCase{"bad_cert.lua", {"scenario 'c'", "option 'cert' must be the path of a PEM file (got a boolean)"},
                ":1:"},
        BadCase{"bad_pcall_declaration.lua", {"unknown option 'rsp'", "did you mean 'rps'?"}, ":2:"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
        std::string name = info.param.file;
        name = name.substr(0, name.size() - 4);
        return name;
    });

}  // namespace
}  // namespace lse::lua
