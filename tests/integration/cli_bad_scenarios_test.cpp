// The bad-scenario catalogue (tests/lua/bad_scenarios/EXPECTED.txt): every malformed scenario file is
// refused by `lsengine run FILE` and by `lsengine run FILE --dry-run` with the documented exit code, a
// message pointing at file:line and saying what is wrong, and without a single request reaching the target.

#include <gtest/gtest.h>

#include <dirent.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::testing {
namespace {

// LSE_SCENARIO_DIR is tests/integration/scenarios; the catalogue sits beside the Lua binding's tests.
const std::string kCatalogueDir = std::string(LSE_SCENARIO_DIR) + "/../../lua/bad_scenarios";
constexpr size_t kMinimumEntries = 25;

struct BadScenario {
    std::string file;
    std::string exit;      ///< "2", "4" or "pending" (a known bug, skipped)
    std::string location;  ///< "file.lua:LINE:" (or just the file name when the message has no line)
    std::string fragment;  ///< bytes that must appear in stderr
};

// Readable test output instead of gtest's byte dump of the parameter.
void PrintTo(const BadScenario& bad, std::ostream* os) { *os << bad.file; }

// lsengine names the file by the path it was given; the catalogue names it by its file name.
std::string WithoutDirectory(std::string text) {
    const std::string prefix = kCatalogueDir + "/";
    for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
        text.erase(at, prefix.size());
    }
    return text;
}

// "\xHH" in the catalogue stands for the byte HH, so that the files that are not UTF-8 can be matched.
std::string Unescape(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "\\x") == 0 && i + 4 <= text.size()) {
            out.push_back(static_cast<char>(std::strtol(text.substr(i + 2, 2).c_str(), nullptr, 16)));
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::vector<BadScenario> LoadCatalogue() {
    std::vector<BadScenario> entries;
    std::ifstream in(kCatalogueDir + "/EXPECTED.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> columns;
        std::stringstream split(line);
        std::string column;
        while (std::getline(split, column, '\t')) columns.push_back(column);
        if (columns.size() != 4) {
            // Surfaces as a failing entry instead of a silently shorter catalogue.
            entries.push_back({"malformed EXPECTED.txt line: " + line, "?", "", ""});
            continue;
        }
        entries.push_back({columns[0], columns[1], Unescape(columns[2]), Unescape(columns[3])});
    }
    return entries;
}

std::set<std::string> LuaFilesInCatalogueDir() {
    std::set<std::string> files;
    if (DIR* dir = opendir(kCatalogueDir.c_str())) {
        while (dirent* e = readdir(dir)) {
            const std::string name = e->d_name;
            if (name.size() > 4 && name.ends_with(".lua")) files.insert(name);
        }
        closedir(dir);
    }
    return files;
}

// Printable test names: "bad_threshold_table.lua" -> "bad_threshold_table".
std::string TestName(const ::testing::TestParamInfo<BadScenario>& info) {
    std::string name = info.param.file.substr(0, info.param.file.rfind(".lua"));
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name + "_" + std::to_string(info.index);
}

TEST(CliBadScenarioCatalogue, EveryFileHasExactlyOneEntryAndThereAreEnough) {
    const std::vector<BadScenario> entries = LoadCatalogue();
    EXPECT_GE(entries.size(), kMinimumEntries);
    std::set<std::string> listed;
    for (const BadScenario& e : entries) {
        EXPECT_TRUE(listed.insert(e.file).second) << "listed twice: " << e.file;
        EXPECT_TRUE(e.exit == "2" || e.exit == "4" || e.exit == "pending") << e.file << ": exit " << e.exit;
        EXPECT_FALSE(e.fragment.empty()) << e.file;
    }
    EXPECT_EQ(listed, LuaFilesInCatalogueDir()) << "EXPECTED.txt and the .lua files of " << kCatalogueDir
                                                << " must name the same files";
}

class CliBadScenarioTest : public ::testing::TestWithParam<BadScenario> {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }

    // Runs lsengine on the file with `extra` flags and checks exit code, message and the target's counts.
    void ExpectRefused(const std::vector<std::string>& extra, const char* mode) {
        const BadScenario& bad = GetParam();
        std::vector<std::string> args = {"run", kCatalogueDir + "/" + bad.file, "--target", Target()};
        args.insert(args.end(), extra.begin(), extra.end());
        CliOptions options;
        options.timeout_ms = 30'000;
        const CliResult r = RunLsengine(args, options);
        const std::string err = WithoutDirectory(r.err);
        SCOPED_TRACE(std::string(mode) + ": " + bad.file + "\nstderr:\n" + err + "\nstdout:\n" + r.out);
        ASSERT_NE(r.exit_code, -1) << "did not finish";
        EXPECT_EQ(std::to_string(r.exit_code), bad.exit);
        EXPECT_NE(err.find(bad.location), std::string::npos) << "location " << bad.location;
        EXPECT_NE(err.find(bad.fragment), std::string::npos) << "fragment " << bad.fragment;
        // The message must be the cause, not a crash report or an internal error.
        EXPECT_EQ(err.find("internal error"), std::string::npos);
        EXPECT_EQ(target_.Stats()["total"].get<int>(), 0) << "a request reached the target";
    }

    DemoTargetProcess target_;
};

TEST_P(CliBadScenarioTest, RunAndDryRunRefuseTheFileWithItsMessage) {
    const BadScenario& bad = GetParam();
    if (bad.exit == "pending") {
        GTEST_SKIP() << bad.file << " is a known bug (see EXPECTED.txt): lsengine should refuse it with '"
                     << bad.fragment << "' at " << bad.location;
    }
    ExpectRefused({"--dry-run"}, "--dry-run");
    ExpectRefused({"-q"}, "run");
}

INSTANTIATE_TEST_SUITE_P(Catalogue, CliBadScenarioTest, ::testing::ValuesIn(LoadCatalogue()), TestName);

}  // namespace
}  // namespace lse::testing
