// group() (issue 15 item 10) end to end, the demo target as referee: requests made in a group are rows of their
// own in the summary JSON (with a `group` field), each group has a row merging its nested groups, and a
// group:NAME threshold passes or fails on those numbers, on one node and replayed by a local agent.

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

// Each iteration: one ungrouped request, one in "checkout" (30 ms at the target), one in "checkout::payment".
std::string WriteScenario() {
    const std::string dir = MakeTempDir("lse-test-groups-");
    std::ofstream(dir + "/groups.lua") << R"(
local s = scenario { name = 'shop', rps = 20, vusers = 4, duration = '1s' }
s:task('buy', function(self, http)
  http:get('/api/products')
  local paid = group('checkout', function()
    local cart = http:get('/slow', { query = { ms = 30 }, name = 'cart' })
    check('cart answered', cart.status == 200)
    return group('payment', function()
      http:get('/', { name = 'pay' })
      return 'paid'
    end)
  end)
  check('group returns what its function returns', paid == 'paid')
end)
)";
    return dir + "/groups.lua";
}

const json* FindRow(const json& rows, const std::string& name, const std::string& group) {
    for (const json& row : rows) {
        if (row.value("name", "") == name && row.value("group", "") == group) return &row;
    }
    return nullptr;
}

class CliGroupsTest : public CliDistributedTest {
protected:
    // Runs the scenario with `extra` flags; returns the summary JSON (null when it was not written).
    json Run(const std::vector<std::string>& extra, CliResult* result) {
        const std::string summary_path = TempPath("lse-test-groups-summary", ".json");
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", WriteScenario(), "--target", Target(), "-q", "--summary-json",
                                         summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        *result = RunLsengine(args);
        std::ifstream in(summary_path);
        if (!in) return json();
        return json::parse(in, nullptr, false);
    }

    // `local`: a run on one node, whose Lua ran the check (agents replay requests natively, without checks).
    void ExpectGroupedRows(const json& summary, bool local = true) {
        ASSERT_TRUE(summary.is_object());
        SCOPED_TRACE(summary.dump(1));
        const json& shop = summary["scenarios"][0];
        const json* products = FindRow(shop["requests"], "GET /api/products", "");
        const json* cart = FindRow(shop["requests"], "cart", "checkout");
        const json* pay = FindRow(shop["requests"], "pay", "checkout::payment");
        ASSERT_NE(products, nullptr);
        ASSERT_NE(cart, nullptr);
        ASSERT_NE(pay, nullptr);
        EXPECT_FALSE(products->contains("group"));  // ungrouped rows are as before
        EXPECT_EQ((*products)["requests"], kIterations);
        EXPECT_EQ((*cart)["requests"], kIterations);
        EXPECT_EQ((*pay)["requests"], kIterations);
        // Group rows: checkout holds its nested payment group.
        ASSERT_TRUE(shop.contains("groups"));
        const json* checkout = FindRow(shop["groups"], "checkout", "");
        const json* payment = FindRow(shop["groups"], "checkout::payment", "");
        ASSERT_NE(checkout, nullptr);
        ASSERT_NE(payment, nullptr);
        EXPECT_EQ((*checkout)["requests"], 2 * kIterations);
        EXPECT_EQ((*payment)["requests"], kIterations);
        // The target saw each request once.
        EXPECT_EQ(Route("GET /api/products"), kIterations);
        EXPECT_EQ(Route("GET /slow"), kIterations);
        EXPECT_EQ(Route("GET /"), kIterations);
        if (!local) return;
        // group() handed back what its function returned, through the nested group; the check made inside the
        // group is a row of that group.
        ASSERT_EQ(shop["checks"].size(), 2u);
        EXPECT_EQ(shop["checks"][0]["name"], "group returns what its function returns");
        EXPECT_FALSE(shop["checks"][0].contains("group"));
        EXPECT_EQ(shop["checks"][0]["passes"], kIterations);
        EXPECT_EQ(shop["checks"][0]["fails"], 0);
        EXPECT_EQ(shop["checks"][1]["name"], "cart answered");
        EXPECT_EQ(shop["checks"][1]["group"], "checkout");
        EXPECT_EQ(shop["checks"][1]["passes"], kIterations);
    }
};

const std::vector<std::string> kPassing = {"--threshold", "group:checkout.requests == 40", "--threshold",
                                           "group:checkout::payment.requests == 20", "--threshold",
                                           "group:checkout.p95 > 25ms", "--threshold", "group:checkout.error_rate < 1%"};

TEST_F(CliGroupsTest, GroupedRowsAndPassingGroupThresholdsOnOneNode) {
    CliResult r;
    std::vector<std::string> extra = kPassing;
    extra.insert(extra.end(), {"--threshold", "group:checkout.checks == 100%"});  // checks run in Lua only
    const json summary = Run(extra, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectGroupedRows(summary);
    EXPECT_EQ(summary["thresholds"].size(), 5u) << summary["thresholds"].dump();
}

TEST_F(CliGroupsTest, AFailingGroupThresholdFailsTheRunAndNamesTheGroup) {
    CliResult r;
    // Every cart request takes 30 ms at the target: the checkout group's p95 cannot be under 5 ms.
    const json summary = Run({"--threshold", "group:checkout.p95 < 5ms", "--threshold", "group:chekout.p95 < 1s",
                              "--threshold", "group:checkout::payment.checks > 99%"},
                             &r);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("group:checkout.p95 < 5ms"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no request was made in group 'chekout'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no check was made in group 'checkout::payment'"), std::string::npos) << r.out;
    ExpectGroupedRows(summary);
}

TEST_F(CliGroupsTest, AnAgentRecordsUnderTheSameGroupedRows) {
    CliResult r;
    std::vector<std::string> extra = kPassing;
    extra.insert(extra.end(), {"--agents", "1"});
    const json summary = Run(extra, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectGroupedRows(summary, /*local=*/false);
    EXPECT_EQ(summary["thresholds"].size(), 4u) << summary["thresholds"].dump();
}

// The tutorial example runs as documented (shortened), its group thresholds pass, and its group rows add up.
TEST_F(CliGroupsTest, TheExampleScriptRunsWithItsGroupThresholds) {
    const std::string summary_path = TempPath("lse-test-groups-example", ".json");
    std::remove(summary_path.c_str());
    const CliResult r = RunLsengine({"run", std::string(LSE_EXAMPLES_DIR) + "/groups.lua", "--target", Target(), "-q",
                                     "--duration", "2s", "--summary-json", summary_path});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::ifstream in(summary_path);
    const json summary = json::parse(in, nullptr, false);
    ASSERT_TRUE(summary.is_object());
    const json& shop = summary["scenarios"][0];
    SCOPED_TRACE(shop.dump(1));
    EXPECT_EQ(summary["thresholds"].size(), 4u);
    const json* checkout = FindRow(shop["groups"], "checkout", "");
    const json* payment = FindRow(shop["groups"], "checkout::payment", "");
    ASSERT_NE(checkout, nullptr);
    ASSERT_NE(payment, nullptr);
    // 10 arrivals a second for 2 s; each checkout creates a project and pays once.
    EXPECT_EQ((*payment)["requests"], 20);
    EXPECT_EQ((*checkout)["requests"], 40);
    EXPECT_EQ(Route("POST /api/v1/projects"), 20);
    EXPECT_EQ(Route("GET /slow"), 20);
}

}  // namespace
}  // namespace lse::testing
