// lsengine.toml: defaults for the flags a command line leaves out, refused with file:line when wrong.

#include "config_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lse/core/errors.hpp"

namespace lse::cli {
namespace {

class ConfigFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tmp = std::getenv("TMPDIR");
        dir_ = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
               ("lse-config-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string Write(const std::string& text, const std::string& name = "lsengine.toml") {
        const std::string path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    // A command with flags of each kind, as `lsengine run` registers them.
    struct Flags {
        std::string target;
        std::string duration = "30s";
        int vusers = 0;
        bool insecure = false;
        std::vector<std::string> thresholds;
        std::vector<std::string> env;
        std::string file;
    };
    CLI::App* MakeCommand(CLI::App& app, Flags* f) {
        CLI::App* cmd = app.add_subcommand("run", "");
        cmd->add_option("FILE", f->file);
        cmd->add_option("--target", f->target, "t");
        cmd->add_option("-d,--duration", f->duration, "d");
        cmd->add_option("-c,--vusers", f->vusers, "v");
        cmd->add_flag("-k,--insecure", f->insecure, "k");
        cmd->add_option("--threshold", f->thresholds, "th");
        cmd->add_option("-e,--env", f->env, "env");
        return cmd;
    }

    // Parses `args` (after "run"), then applies the file's [run] table; returns the error, or "".
    std::string ParseAndApply(const std::string& path, std::vector<std::string> args, Flags* f) {
        CLI::App app;
        CLI::App* cmd = MakeCommand(app, f);
        std::vector<std::string> argv_s{"lsengine", "run"};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        app.parse(static_cast<int>(argv.size()), argv.data());
        try {
            ApplyConfigFile(LoadConfigFile(path), "run", cmd);
        } catch (const UsageError& e) {
            return e.what();
        }
        return "";
    }

    std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, FillsFlagsTheCommandLineLeftOutAndTheCommandLineWins) {
    const std::string path = Write(R"(# defaults for this project
[run]
target = "http://127.0.0.1:8080"
duration = "2m"
vusers = 25
insecure = true
threshold = ["p95 < 200ms", "error_rate < 1%"]
env = { API_USER = "alice", RETRIES = 3 }

[url]
duration = "5s"
)");
    Flags f;
    ASSERT_EQ(ParseAndApply(path, {"a.lua", "--duration", "10s"}, &f), "");
    EXPECT_EQ(f.target, "http://127.0.0.1:8080");
    EXPECT_EQ(f.duration, "10s") << "an explicit flag wins over the file";
    EXPECT_EQ(f.vusers, 25);
    EXPECT_TRUE(f.insecure);
    EXPECT_EQ(f.thresholds, (std::vector<std::string>{"p95 < 200ms", "error_rate < 1%"}));
    EXPECT_EQ(f.env, (std::vector<std::string>{"API_USER=alice", "RETRIES=3"}));
}

TEST_F(ConfigFileTest, ExplicitShortFlagAlsoWinsAndFalseLeavesAFlagOff) {
    const std::string path = Write("[run]\nvusers = 25\ninsecure = false\n");
    Flags f;
    ASSERT_EQ(ParseAndApply(path, {"a.lua", "-c", "3"}, &f), "");
    EXPECT_EQ(f.vusers, 3);
    EXPECT_FALSE(f.insecure);
}

TEST_F(ConfigFileTest, UnknownKeyNamesFileLineAndTheFlagMeant) {
    const std::string path = Write("[run]\ntarget = \"http://x\"\n\ndurration = \"30s\"\n");
    Flags f;
    const std::string err = ParseAndApply(path, {"a.lua"}, &f);
    EXPECT_NE(err.find(path + ":4:"), std::string::npos) << err;
    EXPECT_NE(err.find("durration"), std::string::npos) << err;
    EXPECT_NE(err.find("did you mean 'duration'"), std::string::npos) << err;
}

TEST_F(ConfigFileTest, ShortNamesPositionalsAndTheConfigKeyAreNotKeys) {
    for (const char* text : {"[run]\nc = 5\n", "[run]\nFILE = \"x.lua\"\n", "[run]\nconfig = \"other.toml\"\n"}) {
        const std::string path = Write(text);
        Flags f;
        const std::string err = ParseAndApply(path, {"a.lua"}, &f);
        EXPECT_NE(err.find(path + ":2:"), std::string::npos) << text << " -> " << err;
    }
}

TEST_F(ConfigFileTest, WrongShapesAreRefusedWithTheirLine) {
    struct Case {
        const char* text;
        int line;
        const char* says;
    };
    const Case cases[] = {
        {"duration = \"30s\"\n", 1, "outside a table"},
        {"[runn]\nduration = \"30s\"\n", 1, "did you mean 'run'"},
        {"[run]\ninsecure = \"yes\"\n", 2, "on/off flag"},
        {"[run]\nduration = [\"1s\", \"2s\"]\n", 2, "one value"},
        {"[run]\nvusers = \"many\"\n", 2, "vusers"},
        {"[run]\nduration = 1979-05-27\n", 2, "unsupported value"},
        {"[run]\nduration = \"30s\n", 2, ""},  // TOML syntax error: toml++'s own words, with the line
    };
    for (const Case& c : cases) {
        const std::string path = Write(c.text);
        Flags f;
        const std::string err = ParseAndApply(path, {"a.lua"}, &f);
        EXPECT_NE(err.find(path + ":" + std::to_string(c.line) + ":"), std::string::npos) << c.text << " -> " << err;
        EXPECT_NE(err.find(c.says), std::string::npos) << c.text << " -> " << err;
    }
}

TEST_F(ConfigFileTest, NumbersReachTheFlagAsTyped) {
    const std::string path = Write("[run]\nduration = 30\ntarget = 2.5\n");
    Flags f;
    ASSERT_EQ(ParseAndApply(path, {"a.lua"}, &f), "");
    EXPECT_EQ(f.duration, "30") << "the duration parser then asks 'did you mean 30s?'";
    EXPECT_EQ(f.target, "2.5");
}

TEST_F(ConfigFileTest, FindsTheFileBesideTheScriptOrTheOneNamed) {
    EXPECT_EQ(FindConfigFile("", dir_.string()), "");
    const std::string beside = Write("[run]\n");
    EXPECT_EQ(FindConfigFile("", dir_.string()), beside);
    const std::string other = Write("[run]\n", "other.toml");
    EXPECT_EQ(FindConfigFile(other, dir_.string()), other);
    EXPECT_EQ(FindConfigFile("", ""), "");
    try {
        FindConfigFile((dir_ / "missing.toml").string(), "");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--config"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lse::cli
