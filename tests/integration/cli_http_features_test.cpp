// Issue 15 items 2, 6 and 7 end to end against nginx, checked at nginx's log: compressed responses (gzip from
// nginx's gzip module, br and raw deflate served pre-compressed) read by a script, --no-compression; custom method
// tokens in Lua and URL mode; the response-header limit and the flag that raises it.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/compress.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr int kIterations = 10;  // rps 10 for 1 s: the open model starts exactly this many iterations

// The JSON document nginx serves (gzip on the fly) and, pre-compressed, as br and raw deflate.
std::string Document() {
    std::string items;
    for (int i = 0; i < 200; ++i) {
        items += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"name\":\"item\"}";
    }
    return R"({"title":"compressed","count":200,"items":[)" + items + "]}";
}

void WriteFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << path;
}

// nginx (nginx-light has no brotli module): gzip on for JSON and text; .br and .deflate files sent as they are with
// their Content-Encoding; /purge answers any method; /big-headers sends 20 headers of 3500 bytes (70 KB > 64 KiB).
NginxOptions FeatureConfig() {
    NginxOptions o;
    o.extra_http =
        "  log_format lse_enc '\"$request\" $status $body_bytes_sent \"$http_accept_encoding\" "
        "\"$sent_http_content_encoding\"';\n";
    std::string big;
    const std::string value(3500, 'v');
    for (int i = 0; i < 20; ++i) big += "add_header X-Big-" + std::to_string(i) + " \"" + value + "\"; ";
    o.extra_server =
        "    access_log {dir}/access.log lse;\n"
        "    access_log {dir}/encoding.log lse_enc;\n"
        "    gzip on; gzip_types application/json text/plain; gzip_min_length 0; gzip_comp_level 1;\n"
        "    location = /data.json { default_type application/json; }\n"
        "    location = /data.br { gzip off; default_type application/json; add_header Content-Encoding br; }\n"
        "    location = /data.deflate { gzip off; default_type application/json;"
        " add_header Content-Encoding deflate; }\n"
        "    location = /purge { return 200 \"purged\\n\"; }\n"
        "    location = /big-headers { " + big + "return 200 \"big\\n\"; }\n";
    return o;
}

class CliHttpFeaturesTest : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_.Start(FeatureConfig());
        const std::string doc = Document();
        WriteFile(nginx_.Dir() + "/www/data.json", doc);
        WriteFile(nginx_.Dir() + "/www/data.br", Brotli(doc));
        WriteFile(nginx_.Dir() + "/www/data.deflate", RawDeflate(doc));
    }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(nginx_.HttpPort()); }
    std::vector<std::string> EncodingLog(const std::string& needle) {
        std::vector<std::string> lines;
        std::ifstream in(nginx_.Dir() + "/encoding.log");
        for (std::string line; std::getline(in, line);) {
            if (line.find(needle) != std::string::npos) lines.push_back(line);
        }
        return lines;
    }
    CliResult Run(const std::string& script, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"run", script, "--target", Target(), "-q"};
        args.insert(args.end(), extra.begin(), extra.end());
        return RunLsengine(args);
    }
    NginxServer nginx_;
};

// Every encoded body decodes to the document when the script reads it (r.body, r:json()); the raise makes a wrong
// body fail the run (exit 7).
constexpr const char* kReadBodies = R"lua(
local s = scenario { name = "enc", rps = 10, duration = "1s" }
s:task("read", function(self, http)
  for _, path in ipairs({ "/data.json", "/data.br", "/data.deflate" }) do
    local r = http:get(path)
    local doc = r:json()
    if doc.title ~= "compressed" or #doc.items ~= 200 or doc.items[200].id ~= 199 then
      error(path .. ": wrong document " .. r.body:sub(1, 40))
    end
    if r.compressed_size >= #r.body then
      error(path .. ": came uncompressed (" .. r.compressed_size .. " bytes)")
    end
  end
end)
)lua";

TEST_F(CliHttpFeaturesTest, GzipBrotliAndDeflateBodiesAreDecodedForTheScript) {
    const CliResult r = Run(WriteTempScenario(kReadBodies));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    // At nginx: every request offered the three codings, and each answer was encoded as the script saw it.
    const std::string offered = "\"gzip, deflate, br\"";
    const auto json = EncodingLog("\"GET /data.json ");
    ASSERT_EQ(json.size(), static_cast<size_t>(kIterations)) << r.out;
    for (const auto& line : json) EXPECT_NE(line.find(offered + " \"gzip\""), std::string::npos) << line;
    const auto br = EncodingLog("\"GET /data.br ");
    ASSERT_EQ(br.size(), static_cast<size_t>(kIterations));
    for (const auto& line : br) EXPECT_NE(line.find(offered + " \"br\""), std::string::npos) << line;
    const auto deflate = EncodingLog("\"GET /data.deflate ");
    ASSERT_EQ(deflate.size(), static_cast<size_t>(kIterations));
    for (const auto& line : deflate) EXPECT_NE(line.find(offered + " \"deflate\""), std::string::npos) << line;
}

// bytes_decoded (issue 15, second part): a row whose bodies the script read counts their decoded size; a row whose
// compressed bodies nobody read counts none (decoding is lazy), though it received them. The text summary says
// "received ... (decoded ...)".
TEST_F(CliHttpFeaturesTest, DecodedBytesCountWhatTheScriptDecodedPerRow) {
    const std::string script = WriteTempScenario(R"lua(
local s = scenario { name = "dec", rps = 10, duration = "1s" }
s:task("read", function(self, http)
  local r = http:get("/data.json", { name = "read" })
  if #r.body < 1000 or r:json().count ~= 200 then error("wrong body") end
  local br = http:get("/data.br", { name = "read br" })
  if br:json().count ~= 200 then error("wrong br body") end
  http:get("/data.json", { name = "unread" })
end)
)lua");
    const std::string summary_path = TempPath("lse-test-decoded", ".json");
    std::remove(summary_path.c_str());
    const CliResult r = Run(script, {"--summary-json", summary_path});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    // At nginx: every answer was compressed, the unread ones too.
    EXPECT_EQ(EncodingLog("\"GET /data.json ").size(), 2u * kIterations);
    for (const auto& line : EncodingLog("\"GET /data.json ")) EXPECT_NE(line.find(" \"gzip\""), std::string::npos);
    std::ifstream in(summary_path);
    const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(summary.is_object()) << r.out;
    const auto row = [&](const std::string& name) {
        for (const auto& x : summary["scenarios"][0]["requests"]) {
            if (x["name"] == name) return x;
        }
        return nlohmann::json();
    };
    const std::uint64_t doc = Document().size();
    ASSERT_TRUE(row("read").is_object()) << summary.dump(1);
    EXPECT_EQ(row("read")["requests"], kIterations);
    EXPECT_EQ(row("read")["bytes_decoded"], kIterations * doc) << "decoded once per response, read twice";
    EXPECT_EQ(row("read br")["bytes_decoded"], kIterations * doc);
    EXPECT_LT(row("read")["bytes_received"].get<std::uint64_t>(), kIterations * doc) << "it came compressed";
    EXPECT_GT(row("unread")["bytes_received"].get<std::uint64_t>(), 0u);
    EXPECT_FALSE(row("unread").contains("bytes_decoded")) << "nobody read those bodies";
    EXPECT_EQ(summary["totals"]["bytes_decoded"], 2 * kIterations * doc);
    EXPECT_NE(r.out.find("MiB received (decoded "), std::string::npos) << r.out;
}

TEST_F(CliHttpFeaturesTest, NoCompressionFlagScenarioOptionAndRequestOption) {
    const std::string plain = WriteTempScenario(R"lua(
local s = scenario { name = "plain", rps = 10, duration = "1s" }
s:task("read", function(self, http)
  local r = http:get("/data.json")
  if r:json().count ~= 200 or r.compressed_size ~= #r.body then error("not plain") end
end)
)lua");
    CliResult r = Run(plain, {"--no-compression"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    auto lines = EncodingLog("\"GET /data.json ");
    ASSERT_EQ(lines.size(), static_cast<size_t>(kIterations));
    for (const auto& line : lines) {
        EXPECT_NE(line.find("\"-\" \"-\""), std::string::npos) << "offered nothing: " << line;
    }

    // compression = false on the scenario, and one request turning it back on
    const std::string mixed = WriteTempScenario(R"lua(
local s = scenario { name = "mixed", rps = 10, duration = "1s", compression = false }
s:task("read", function(self, http)
  http:get("/purge")
  local r = http:get("/data.json", { compression = true })
  if r:json().count ~= 200 then error("bad document") end
end)
)lua");
    r = Run(mixed);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto purge = EncodingLog("\"GET /purge ");
    ASSERT_EQ(purge.size(), static_cast<size_t>(kIterations));
    for (const auto& line : purge) EXPECT_NE(line.find("\"-\" \"-\""), std::string::npos) << line;
    lines = EncodingLog("\"GET /data.json ");
    ASSERT_EQ(lines.size(), static_cast<size_t>(2 * kIterations));
    EXPECT_NE(lines.back().find("\"gzip, deflate, br\" \"gzip\""), std::string::npos) << lines.back();
}

TEST_F(CliHttpFeaturesTest, CustomMethodTokensReachTheServer) {
    const std::string script = WriteTempScenario(R"lua(
local s = scenario { name = "dav", rps = 10, duration = "1s" }
s:task("dav", function(self, http)
  local r = http:request("PURGE", "/purge")
  if r.status ~= 200 or r.body ~= "purged\n" then error("PURGE: " .. r.status) end
  http:request("PROPFIND", "/purge", { headers = { Depth = "1" } })
end)
)lua");
    CliResult r = Run(script);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(nginx_.CountRequests("\"PURGE /purge HTTP/1.1\" 200"), kIterations);
    EXPECT_EQ(nginx_.CountRequests("\"PROPFIND /purge HTTP/1.1\" 200"), kIterations);
    EXPECT_NE(r.out.find("PURGE /purge"), std::string::npos) << "the stats name carries the method\n" << r.out;

    // lower case: refused with the fix, nothing sent
    const std::string lower = WriteTempScenario(R"lua(
local s = scenario { name = "lower", rps = 10, duration = "1s" }
s:task("t", function(self, http) http:request("purge", "/purge") end)
)lua");
    r = Run(lower);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("HTTP methods are case-sensitive: did you mean 'PURGE'?"), std::string::npos)
        << r.out << r.err;
    EXPECT_EQ(nginx_.CountRequests("purge /purge"), 0);

    // URL mode
    r = RunLsengine({"url", Target() + "/purge", "-X", "PURGE", "--rps", "5", "--duration", "1s", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(nginx_.CountRequests("\"PURGE /purge HTTP/1.1\" 200"), kIterations + 5);
    r = RunLsengine({"url", Target() + "/purge", "-X", "get", "--rps", "5", "--duration", "1s", "-q"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--method: invalid HTTP method 'get': HTTP methods are case-sensitive: did you mean 'GET'?"),
              std::string::npos)
        << r.err;
}

TEST_F(CliHttpFeaturesTest, ResponseHeaderLimitNamesItsFlagAndCanBeRaised) {
    const std::string script = WriteTempScenario(R"lua(
local s = scenario { name = "big", rps = 5, duration = "1s" }
s:task("big", function(self, http) http:get("/big-headers") end)
)lua");
    CliResult r = Run(script);
    EXPECT_EQ(r.exit_code, 8) << "every request failed" << r.err << r.out;
    EXPECT_NE(r.out.find("response headers larger than 65536 bytes (raise the limit with --max-header-size, or a "
                         "scenario's max_header_size)"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(nginx_.CountRequests("\"GET /big-headers HTTP/1.1\" 200"), 5) << "nginx answered each";

    r = Run(script, {"--max-header-size", "1MiB"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(nginx_.CountRequests("\"GET /big-headers HTTP/1.1\" 200"), 10);

    // The scenario option max_header_size raises it for that scenario only (issue 15, second part).
    const std::string per_scenario = WriteTempScenario(R"lua(
local big = scenario { name = "big", rps = 5, duration = "1s", max_header_size = "1MiB" }
big:task("big", function(self, http) http:get("/big-headers", { name = "raised" }) end)
local small = scenario { name = "small", rps = 5, duration = "1s" }
small:task("big", function(self, http) http:get("/big-headers", { name = "default" }) end)
)lua");
    const std::string summary_path = TempPath("lse-test-header-limit", ".json");
    std::remove(summary_path.c_str());
    r = Run(per_scenario, {"--summary-json", summary_path});
    EXPECT_EQ(nginx_.CountRequests("\"GET /big-headers HTTP/1.1\" 200"), 20) << r.err << r.out;
    EXPECT_NE(r.out.find("response headers larger than 65536 bytes"), std::string::npos) << r.out;  // small's
    std::ifstream in(summary_path);
    const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(summary.is_object()) << r.out;
    for (const auto& s : summary["scenarios"]) {
        ASSERT_EQ(s["requests"].size(), 1u) << s.dump();
        const auto& row = s["requests"][0];
        EXPECT_EQ(row["requests"], 5) << row.dump();
        EXPECT_EQ(row["ok"], s["name"] == "big" ? 5 : 0) << row.dump();
    }

    // URL mode names it too; a bad size names the flag
    r = RunLsengine({"url", Target() + "/big-headers", "--rps", "5", "--duration", "1s", "-q"});
    EXPECT_EQ(r.exit_code, 8) << r.err << r.out;
    EXPECT_NE(r.out.find("--max-header-size"), std::string::npos) << r.out;
    r = RunLsengine({"url", Target() + "/big-headers", "--max-header-size", "lots", "--rps", "5", "--duration", "1s"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--max-header-size"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lse::testing
