// Multipart uploads (issue 15 item 3), with the demo target as referee (tests/demo_target/src/upload_routes.hpp): it
// parses multipart/form-data itself and counts each part by name, filename, Content-Type, size and FNV-1a of its
// bytes, so the tests check at the target that every upload arrived whole. The file is binary (NUL bytes, CRLF,
// "--"): it must survive Lua, the plan capture and an agent's native replay intact. Every load is bounded: an open
// model of 10 arrivals per second for 1 s.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/core/byte_codec.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

std::string Hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// 6000 bytes of every value, CRLFs and dashes included: what a boundary search or a text path would break.
std::string BinaryFile() {
    std::string bytes;
    for (int i = 0; i < 6000; ++i) bytes.push_back(static_cast<char>((i * 7 + i / 256) & 0xff));
    bytes.replace(100, 8, std::string("\r\n--\0\r\n-", 8));
    return bytes;
}

class CliMultipartTest : public CliDistributedTest {
protected:
    void SetUp() override {
        CliDistributedTest::SetUp();
        dir_ = MakeTempDir("lse-multipart-");
        std::filesystem::create_directories(dir_ + "/assets");
        std::ofstream(dir_ + "/assets/avatar.bin", std::ios::binary) << file_;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    struct Outcome {
        CliResult cli;
        json summary;
    };
    // Writes the script beside its assets (file paths are relative to it) and runs it.
    Outcome Run(const std::string& script, std::vector<std::string> extra = {}) {
        const std::string path = dir_ + "/upload.lua";
        std::ofstream(path) << script;
        const std::string summary_path = dir_ + "/summary.json";
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", path, "--target", Target(), "-q", "--summary-json", summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        Outcome o{RunLsengine(args), nullptr};
        std::ifstream in(summary_path);
        if (in) o.summary = json::parse(in, nullptr, false);
        return o;
    }

    // At the target: `n` uploads, none rejected, each with its three parts exactly as sent.
    void ExpectUploadsAtTheTarget(long min_uploads) {
        const json stats = target_.Stats();
        SCOPED_TRACE(stats["uploads"].dump(2));
        const long n = stats["uploads"]["received"].get<long>();
        EXPECT_GE(n, min_uploads);
        EXPECT_EQ(stats["uploads"]["rejected"].get<long>(), 0);
        const json& parts = stats["uploads"]["parts"];
        EXPECT_EQ(parts.size(), 3u) << "one distinct form of each part: the same bytes every time";
        EXPECT_EQ(parts.value("name=avatar filename=avatar.bin type=image/png size=6000 fnv1a=" + Hex(Fnv1a64(file_)),
                              0L),
                  n);
        EXPECT_EQ(parts.value("name=note filename=- type=- size=5 fnv1a=" + Hex(Fnv1a64("hello")), 0L), n);
        EXPECT_EQ(parts.value("name=rows filename=rows.csv type=text/csv size=7 fnv1a=" + Hex(Fnv1a64("a,b\n1,2")), 0L),
                  n);
    }

    const std::string file_ = BinaryFile();
    std::string dir_;
};

std::string UploadScript(bool with_checks) {
    std::string s = "local s = scenario { name = 'upload', rps = 10, vusers = 2, duration = '1s' }\n"
                    "s:task('upload', function(self, http)\n"
                    "  local r = http:post('/upload', { name = 'upload', expect = 200, files = {\n"
                    "    avatar = { path = 'assets/avatar.bin', content_type = 'image/png' },\n"
                    "    note = 'hello',\n"
                    "    rows = { content = 'a,b\\n1,2', filename = 'rows.csv', content_type = 'text/csv' } } })\n";
    if (with_checks) {
        s += "  local parts = r:json().parts\n"
             "  check('the target parsed 3 parts', #parts == 3)\n"
             "  check('the file arrived whole', parts[1].name == 'avatar' and parts[1].size == 6000)\n";
    }
    return s + "end)\n";
}

// Failed checks over all scenarios; *counted: how many were evaluated.
long ChecksFailed(const json& summary, long* counted) {
    long fails = 0;
    *counted = 0;
    for (const json& scenario : summary["scenarios"]) {
        for (const json& c : scenario["checks"]) {
            fails += c["fails"].get<long>();
            *counted += c["fails"].get<long>() + c["passes"].get<long>();
        }
    }
    return fails;
}

TEST_F(CliMultipartTest, LuaUploadsAFileAndFieldsTheTargetParses) {
    const Outcome r = Run(UploadScript(/*with_checks=*/true));
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    long checks = 0;
    EXPECT_EQ(ChecksFailed(r.summary, &checks), 0) << r.summary.dump(2);
    EXPECT_GE(checks, 10);
    ExpectUploadsAtTheTarget(5);
}

TEST_F(CliMultipartTest, AnAgentReplaysTheCapturedUploadIntact) {
    const Outcome r = Run(UploadScript(/*with_checks=*/false), {"--agents", "1"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    ExpectUploadsAtTheTarget(5);
}

// --dry-run lists the upload readable: the file's binary bytes escaped (\xNN), never raw on the terminal.
TEST_F(CliMultipartTest, DryRunShowsTheBodyWithBinaryBytesEscaped) {
    for (const std::vector<std::string>& extra : {std::vector<std::string>{"--dry-run"},
                                                   std::vector<std::string>{"--dry-run", "--agents", "1"}}) {
        const Outcome r = Run(UploadScript(/*with_checks=*/false), extra);
        SCOPED_TRACE(extra.size());
        EXPECT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
        EXPECT_NE(r.cli.out.find("Content-Type: multipart/form-data; boundary=----lsengine-"), std::string::npos)
            << r.cli.out;
        EXPECT_NE(r.cli.out.find("Content-Disposition: form-data; name=\"avatar\"; filename=\"avatar.bin\"\n"
                                 "Content-Type: image/png\n\n\\x00"),
                  std::string::npos)
            << r.cli.out;
        EXPECT_EQ(r.cli.out.find('\0'), std::string::npos);
    }
}

TEST_F(CliMultipartTest, AMissingFileIsNamedWithTheOption) {
    std::string script = UploadScript(false);
    script.replace(script.find("assets/avatar.bin"), 17, "assets/nope.png");
    const Outcome r = Run(script, {"--agents", "1"});  // the capture reads the file: the run does not start
    EXPECT_NE(r.cli.exit_code, 0);
    EXPECT_NE(r.cli.err.find("option 'files': field 'avatar': cannot read '" + dir_ + "/assets/nope.png': No such file"),
              std::string::npos)
        << r.cli.err;
    EXPECT_EQ(target_.Stats()["uploads"]["received"].get<long>(), 0);
}

}  // namespace
}  // namespace lse::testing
