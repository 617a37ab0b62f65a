// `lsengine compare BASE.json NEW.json`: the exit codes and messages of the command, on summary files written
// here (the comparison rules themselves are unit-tested in tests/report/compare_test.cpp).

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cli_test_util.hpp"

namespace lse::testing {
namespace {

// A version-1 --summary-json document with one scenario "checkout" and one request name.
std::string Summary(int p95_us, double error_rate, int version = 1) {
    const std::string latency = "{\"count\": 1000, \"min\": 1000, \"mean\": 9000, \"p50\": 8000, \"p90\": 15000, "
                                "\"p95\": " + std::to_string(p95_us) + ", \"p99\": 30000, \"p99.9\": 40000, "
                                "\"max\": 50000}";
    const std::string stats = "\"requests\": 1000, \"ok\": 1000, \"errors\": 0, \"error_rate\": " +
                              std::to_string(error_rate) + ", \"rps\": 100, \"dropped\": 0, \"response_time_us\": " +
                              latency;
    return "{\"version\": " + std::to_string(version) + ", \"interrupted\": false, \"duration_s\": 10, " +
           "\"scenarios\": [{\"name\": \"checkout\", \"dropped\": 0, \"checks\": [], " +
           "\"requests\": [{\"name\": \"GET /api/products\", " + stats + "}], \"totals\": {" + stats + "}}], " +
           "\"totals\": {" + stats + "}, \"thresholds\": [], \"thresholds_passed\": true}";
}

class CliCompareTest : public ::testing::Test {
protected:
    std::string Write(const std::string& name, const std::string& text) {
        const char* dir = std::getenv("TMPDIR");
        const std::string path = std::string(dir != nullptr ? dir : ".") + "/lse-cli-compare-" + name;
        std::ofstream(path) << text;
        files_.push_back(path);
        return path;
    }
    void TearDown() override {
        for (const auto& f : files_) std::remove(f.c_str());
    }
    std::vector<std::string> files_;
};

TEST_F(CliCompareTest, SameRunsExitZero) {
    const std::string base = Write("base.json", Summary(20000, 0));
    const std::string now = Write("new.json", Summary(20500, 0));
    const CliResult r = RunLsengine({"compare", base, now});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("scenario 'checkout': request 'GET /api/products'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no regression"), std::string::npos) << r.out;
}

TEST_F(CliCompareTest, RegressionExitsSixAndNamesTheMetric) {
    const std::string base = Write("base.json", Summary(20000, 0));
    const std::string now = Write("new.json", Summary(30000, 0.004));
    const CliResult r = RunLsengine({"compare", base, now});
    EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
    EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("checkout p95"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("checkout error_rate"), std::string::npos) << r.out;

    // Only p99 may fail, and it did not change: exit 0, the others are shown as "worse".
    const CliResult only_p99 = RunLsengine({"compare", base, now, "--fail-on", "p99"});
    EXPECT_EQ(only_p99.exit_code, 0) << only_p99.out << only_p99.err;
    EXPECT_NE(only_p99.out.find("worse"), std::string::npos) << only_p99.out;

    // A wide enough tolerance lets the +50% latency pass.
    const CliResult wide = RunLsengine({"compare", base, now, "--tolerance", "60%", "--fail-on", "p95"});
    EXPECT_EQ(wide.exit_code, 0) << wide.out << wide.err;
}

TEST_F(CliCompareTest, BadFilesAndFlagsAreUsageErrorsNamingThem) {
    const std::string base = Write("base.json", Summary(20000, 0));
    // A version from the future (the summary JSON is at 3 since issue 16's generator health): refused, named.
    const std::string v4 = Write("v4.json", Summary(20000, 0, 4));
    const std::string other = Write("other.json", "{\"name\": \"not a summary\"}");
    const std::string garbage = Write("garbage.json", "{ nope");

    CliResult r = RunLsengine({"compare", base, v4});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(v4 + ": summary version 4 is not supported"), std::string::npos) << r.err;

    r = RunLsengine({"compare", other, base});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(other + ": not a --summary-json file"), std::string::npos) << r.err;

    r = RunLsengine({"compare", base, garbage});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(garbage + ": not valid JSON"), std::string::npos) << r.err;

    r = RunLsengine({"compare", base, base + ".missing"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(base + ".missing: cannot read"), std::string::npos) << r.err;

    r = RunLsengine({"compare", base, base, "--tolerance", "10"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("did you mean 10%?"), std::string::npos) << r.err;

    r = RunLsengine({"compare", base, base, "--fail-on", "p95,p59"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown metric 'p59'"), std::string::npos) << r.err;

    r = RunLsengine({"compare", base});
    EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace lse::testing
