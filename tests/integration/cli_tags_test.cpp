// Tags (issue 15 item 10) end to end, the demo target as referee: requests with tags (the scenario's, merged with
// a request's own) are rows of their own in the summary JSON with a "tags" object, and tag:KEY=VALUE thresholds
// pass or fail on those numbers, on one node and replayed by a local agent.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

constexpr int kIterations = 20;  // 20 arrivals a second for 1 s

// Each iteration: one request with the scenario's tags only, one that overrides env and adds tier (30 ms at the
// target), one untagged-by-itself request in a group.
std::string WriteScenario() {
    const std::string dir = MakeTempDir("lse-test-tags-");
    std::ofstream(dir + "/tags.lua") << R"(
local s = scenario { name = 'shop', rps = 20, vusers = 4, duration = '1s', tags = { env = 'prod' } }
s:task('buy', function(self, http)
  http:get('/', { name = 'home' })
  http:get('/slow', { query = { ms = 30 }, name = 'cart', tags = { env = 'staging', tier = 2 } })
  group('checkout', function()
    http:get('/', { name = 'pay' })
  end)
end)
)";
    return dir + "/tags.lua";
}

const json* FindRow(const json& rows, const std::string& name, const json& tags) {
    for (const json& row : rows) {
        if (row.value("name", "") == name && row.value("tags", json::object()) == tags) return &row;
    }
    return nullptr;
}

class CliTagsTest : public CliDistributedTest {
protected:
    json Run(const std::vector<std::string>& extra, CliResult* result) {
        const std::string summary_path = TempPath("lse-test-tags-summary", ".json");
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", WriteScenario(), "--target", Target(), "-q", "--summary-json",
                                         summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        *result = RunLsengine(args);
        std::ifstream in(summary_path);
        if (!in) return json();
        return json::parse(in, nullptr, false);
    }

    void ExpectTaggedRows(const json& summary) {
        ASSERT_TRUE(summary.is_object());
        SCOPED_TRACE(summary.dump(1));
        const json& shop = summary["scenarios"][0];
        const json prod = {{"env", "prod"}};
        const json* products = FindRow(shop["requests"], "home", prod);
        const json* cart = FindRow(shop["requests"], "cart", {{"env", "staging"}, {"tier", "2"}});
        const json* pay = FindRow(shop["requests"], "pay", prod);
        ASSERT_NE(products, nullptr);
        ASSERT_NE(cart, nullptr);
        ASSERT_NE(pay, nullptr);
        EXPECT_EQ((*products)["requests"], kIterations);
        EXPECT_EQ((*cart)["requests"], kIterations);
        EXPECT_EQ((*pay)["requests"], kIterations);
        EXPECT_EQ((*pay)["group"], "checkout");
        EXPECT_EQ(shop["requests"].size(), 3u);  // no untagged copies
        // The target saw each request once.
        EXPECT_EQ(Route("GET /slow"), kIterations);
        EXPECT_EQ(Route("GET /"), 2 * kIterations);
    }
};

const std::vector<std::string> kPassing = {"--threshold", "tag:env=prod.requests == 40", "--threshold",
                                           "tag:env=staging.p95 > 25ms", "--threshold",
                                           "shop:tag:tier=2.requests == 20", "--threshold",
                                           "tag:env=prod.error_rate < 1%"};

TEST_F(CliTagsTest, TaggedRowsAndPassingTagThresholdsOnOneNode) {
    CliResult r;
    const json summary = Run(kPassing, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectTaggedRows(summary);
    EXPECT_EQ(summary["thresholds"].size(), 4u) << summary["thresholds"].dump();
}

TEST_F(CliTagsTest, AFailingTagThresholdFailsTheRunAndNamesTheTag) {
    CliResult r;
    // Every cart request takes 30 ms at the target: the staging p95 cannot be under 5 ms.
    const json summary =
        Run({"--threshold", "tag:env=staging.p95 < 5ms", "--threshold", "tag:env=stagin.p95 < 1s"}, &r);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("tag:env=staging.p95 < 5ms"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no data (no request had tag env=stagin)"), std::string::npos) << r.out;
    ExpectTaggedRows(summary);
}

TEST_F(CliTagsTest, AnAgentRecordsUnderTheSameTaggedRows) {
    CliResult r;
    std::vector<std::string> extra = kPassing;
    extra.insert(extra.end(), {"--agents", "1"});
    const json summary = Run(extra, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectTaggedRows(summary);
    EXPECT_EQ(summary["thresholds"].size(), 4u) << summary["thresholds"].dump();
}

}  // namespace
}  // namespace lse::testing
