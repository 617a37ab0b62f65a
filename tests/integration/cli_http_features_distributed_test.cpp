// Issue 15 items 2 and 6 in distributed mode: an agent replays a captured plan that offers compression (the
// Accept-Encoding header travels in the plan), takes a response value from a gzip JSON body (decoded natively
// before extraction) and sends it with a custom method token (plan format 5). nginx's log is the referee.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr int kVusers = 4;  // at most this many iterations are cut by the end of the run

std::vector<std::string> LogLines(const std::string& path, const std::string& needle) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.find(needle) != std::string::npos) lines.push_back(line);
    }
    return lines;
}

TEST(CliHttpFeaturesDistributed, AgentDecodesGzipBeforeExtractingAndSendsACustomMethod) {
    NginxServer nginx;
    NginxOptions o;
    o.extra_http =
        "  log_format lse_enc '\"$request\" $status \"$http_accept_encoding\" \"$sent_http_content_encoding\"';\n";
    o.extra_server =
        "    access_log {dir}/encoding.log lse_enc;\n"
        "    gzip on; gzip_types application/json; gzip_min_length 0;\n"
        "    location = /item.json { default_type application/json; }\n"
        "    location /purge/ { return 200 \"purged\\n\"; }\n";
    nginx.Start(o);
    const std::string item_json = R"({"id":"it-42","pad":")" + std::string(2000, 'x') + "\"}";
    {
        std::ofstream item(nginx.Dir() + "/www/item.json");
        item << item_json;
    }
    const std::string script = WriteTempScenario(R"lua(
local s = scenario { name = "dav", rps = 10, vusers = 4, duration = "2s" }
s:task("purge", function(self, http)
  local r = http:get("/item.json")
  http:request("PURGE", "/purge/" .. r:json().id, { name = "PURGE /purge/{id}" })
end)
)lua");
    const std::string target = "http://127.0.0.1:" + std::to_string(nginx.HttpPort());
    const std::string summary_path = TempPath("lse-test-dist-decoded", ".json");
    std::remove(summary_path.c_str());
    const CliResult r =
        RunLsengine({"run", script, "--target", target, "--agents", "1", "-q", "--summary-json", summary_path});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

    const std::string log = nginx.Dir() + "/encoding.log";
    const auto gets = LogLines(log, "\"GET /item.json HTTP/1.1\" 200");
    const auto purges = LogLines(log, "\"PURGE /purge/it-42 HTTP/1.1\" 200");
    // The plan capture runs the task on the coordinator once per virtual user (its requests are not sent);
    // what nginx saw is the agent's load: 20 arrivals, every GET answered in gzip because the agent offered it.
    ASSERT_GE(gets.size(), 20u - kVusers) << r.out;
    ASSERT_LE(gets.size(), 20u) << r.out;
    for (const auto& line : gets) EXPECT_NE(line.find("\"gzip, deflate, br\" \"gzip\""), std::string::npos) << line;
    // Every GET's id came out of the decoded body: one PURGE with it per GET (the last ones may be cut by the end).
    EXPECT_GE(purges.size() + kVusers, gets.size());
    EXPECT_LE(purges.size(), gets.size());
    EXPECT_EQ(LogLines(log, "PURGE /purge/ HTTP").size(), 0u) << "an empty id: the body was not decoded";
    // The agent's extraction decoded each GET's body once: the row's bytes_decoded (RequestStats wire version 2,
    // shipped to the coordinator) is that many documents; the PURGE row decoded nothing.
    std::ifstream in(summary_path);
    const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(summary.is_object()) << r.out;
    for (const auto& row : summary["scenarios"][0]["requests"]) {
        if (row["name"] == "GET /item.json") {
            EXPECT_EQ(row["requests"], gets.size());
            EXPECT_EQ(row["bytes_decoded"], gets.size() * item_json.size());
        } else {
            EXPECT_FALSE(row.contains("bytes_decoded")) << row.dump();
        }
    }
}

}  // namespace
}  // namespace lse::testing
