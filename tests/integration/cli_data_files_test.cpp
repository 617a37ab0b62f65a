// Data files (lsengine.data.csv, issue 15 item 8) with the demo target as referee: every CSV row is a user that
// logs in, and the target counts logins per user. In unique mode each row must log in exactly once, on one node
// and across two agents (each agent draws only from its own slice), and the run reports the rows running out.

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

constexpr int kRows = 40;

std::string UserName(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "row%03d", i);
    return buf;
}

// A directory with users.csv (kRows users) and the scenario beside it: the script names the file relatively.
// Open model: 30 arrivals a second for 3 s, more than the rows, so they run out (bounded in time and count).
std::string WriteScenarioWithCsv(const std::string& on_exhausted) {
    const std::string dir = MakeTempDir("lse-test-data-");
    std::ofstream csv(dir + "/users.csv");
    csv << "username,password\r\n";
    for (int i = 1; i <= kRows; ++i) csv << UserName(i) << ",\"secret\"\r\n";
    csv.close();
    std::ofstream(dir + "/login.lua") << "local users = lsengine.data.csv('users.csv', { mode = 'unique', on_exhausted = '"
                                      << on_exhausted << R"(' })
local s = scenario { name = 'logins', rps = 30, vusers = 4, duration = '3s' }
s:task('login', function(self, http)
  local u = users:next()
  http:post('/auth/login', { json = { user = u.username, pass = u.password }, name = 'login' })
end)
)";
    return dir + "/login.lua";
}

class CliDataFilesTest : public CliDistributedTest {
protected:
    CliResult Run(const std::string& script, std::vector<std::string> extra) {
        std::vector<std::string> args = {"run", script, "--target", Target(), "-q"};
        args.insert(args.end(), extra.begin(), extra.end());
        return RunLsengine(args);
    }

    // Every row logged in exactly once; nobody else did.
    void ExpectEveryRowExactlyOnce() {
        const json logins = target_.Stats()["logins"];
        SCOPED_TRACE(logins.dump());
        EXPECT_EQ(logins.size(), static_cast<size_t>(kRows));
        for (int i = 1; i <= kRows; ++i) EXPECT_EQ(logins.value(UserName(i), 0), 1) << UserName(i);
        EXPECT_EQ(Route("POST /auth/login"), kRows);
    }
};

TEST_F(CliDataFilesTest, UniqueRowsAreUsedExactlyOnceOnOneNode) {
    const CliResult r = Run(WriteScenarioWithCsv("stop"), {});
    // The iteration that found no row left fails with a script error naming the file, and no new one starts.
    EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("users.csv: every one of its 40 rows was used"), std::string::npos) << r.out << r.err;
    ExpectEveryRowExactlyOnce();
}

TEST_F(CliDataFilesTest, UniqueRowsAreUsedExactlyOnceAcrossTwoAgents) {
    const std::string summary_path = TempPath("lse-test-data-summary", ".json");
    std::remove(summary_path.c_str());
    const CliResult r = Run(WriteScenarioWithCsv("stop"), {"--agents", "2", "--summary-json", summary_path});
    EXPECT_EQ(r.exit_code, 7) << r.out << r.err;  // as on one node: the iterations that found no row
    ExpectEveryRowExactlyOnce();
    // Each agent holds only its half of the rows: both must have logged users in for every row to be used.
    std::ifstream in(summary_path);
    const json summary = json::parse(in, nullptr, false);
    ASSERT_TRUE(summary.is_object()) << r.out << r.err;
    ASSERT_EQ(summary["agents"].size(), 2u) << summary.dump(2);
    long sent = 0;
    for (const json& agent : summary["agents"]) {
        const long requests = agent["totals"]["requests"].get<long>();
        EXPECT_GE(requests, kRows / 2 - 1) << agent.dump();
        sent += requests;
    }
    EXPECT_EQ(sent, kRows) << "an agent sent a request without a row of its own";
    // The agents ran out of their slices: the summary says so, as the Lua run's error does.
    bool reported = false;
    for (const json& scenario : summary["scenarios"]) {
        for (const json& e : scenario["errors"]) {
            if (e["kind"] == "script" && e["message"].get<std::string>().find(
                                             "users.csv: every one of this agent's 20 rows was used") != std::string::npos) {
                reported = true;
            }
        }
    }
    EXPECT_TRUE(reported) << summary.dump(2);
    std::remove(summary_path.c_str());
}

TEST_F(CliDataFilesTest, WrapStartsOverWithOneWarning) {
    const CliResult r = Run(WriteScenarioWithCsv("wrap"), {});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const json logins = target_.Stats()["logins"];
    ASSERT_EQ(logins.size(), static_cast<size_t>(kRows)) << logins.dump();
    long total = 0;
    for (const auto& [user, n] : logins.items()) total += n.get<long>();
    EXPECT_GT(total, kRows);  // ~90 arrivals: rows were used again
    const std::string all = r.out + r.err;
    const auto first = all.find("every row was used once");
    ASSERT_NE(first, std::string::npos) << all;
    EXPECT_EQ(all.find("every row was used once", first + 1), std::string::npos) << "warned more than once\n" << all;
}

}  // namespace
}  // namespace lse::testing
