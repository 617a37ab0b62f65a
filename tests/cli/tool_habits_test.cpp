// wrk/hey/ab habits: an implied command, and other tools' flags refused naming the lsengine flag.

#include "tool_habits.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lse/core/errors.hpp"

namespace lse::cli {
namespace {

using Args = std::vector<std::string>;

TEST(InsertImpliedCommand, AUrlWithoutACommandIsUrlModeAndALuaFileIsRun) {
    EXPECT_EQ(InsertImpliedCommand({"http://h/", "-c", "5"}), (Args{"url", "http://h/", "-c", "5"}));
    EXPECT_EQ(InsertImpliedCommand({"-t2", "-c50", "-d30s", "https://h/x"}),
              (Args{"url", "-t2", "-c50", "-d30s", "https://h/x"}));
    EXPECT_EQ(InsertImpliedCommand({"flow.lua", "--target", "http://h"}),
              (Args{"run", "flow.lua", "--target", "http://h"}));
    EXPECT_EQ(InsertImpliedCommand({"flow.lua", "http://h"}), (Args{"run", "flow.lua", "http://h"}))
        << "`run` then explains --target";
    EXPECT_EQ(InsertImpliedCommand({"-s", "wrk.lua", "http://h"}), (Args{"url", "-s", "wrk.lua", "http://h"}))
        << "url mode then explains wrk's -s";
    EXPECT_EQ(InsertImpliedCommand({"flow.lua", "-d", "5s"}), (Args{"run", "flow.lua", "-d", "5s"}));
    EXPECT_EQ(InsertImpliedCommand({"run", "flow.lua", "--target", "http://h"}),
              (Args{"run", "flow.lua", "--target", "http://h"}));
    EXPECT_EQ(InsertImpliedCommand({"--version"}), (Args{"--version"}));
    EXPECT_EQ(InsertImpliedCommand({}), Args{});
}

TEST(InsertImpliedCommand, NeitherCommandNorUrlSaysWhatToType) {
    auto message = [](const Args& args) {
        try {
            InsertImpliedCommand(args);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(message({"127.0.0.1:8080/"}).find("lsengine http://127.0.0.1:8080/"), std::string::npos);
    EXPECT_NE(message({"runn", "x"}).find("not a command (run, url, compare)"), std::string::npos);
    EXPECT_NE(message({"-c", "5", "-n", "10"}).find("lsengine URL [flags]"), std::string::npos);
}

TEST(RejectForeignSpellings, HeysSingleDashLongFlagsAndQpsNameTheLsengineFlag) {
    auto message = [](const Args& args) {
        try {
            RejectForeignSpellings(args);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(message({"http://h/", "-disable-compression"}).find("--no-compression"), std::string::npos);
    EXPECT_NE(message({"http://h/", "-cpus", "2"}).find("--threads"), std::string::npos);
    EXPECT_NE(message({"http://h/", "-q", "10"}).find("--rps"), std::string::npos);
    EXPECT_EQ(message({"http://h/", "-q", "-c", "10"}), "") << "-q alone is --quiet";
    EXPECT_EQ(message({"http://h/", "--", "-cpus"}), "");
}

// Parses `args` after `url URL`, as the url command registers its flags, and returns Check()'s message.
std::string UrlCheck(Args args, HabitCommand command = HabitCommand::kUrl) {
    CLI::App app;
    CLI::App* cmd = app.add_subcommand(command == HabitCommand::kUrl ? "url" : "run", "");
    std::string positional;
    std::string duration;
    int vusers = 0;
    bool quiet = false;
    std::vector<std::string> headers;
    cmd->add_option("TARGET", positional)->required();
    cmd->add_option("-H,--header", headers, "h");
    cmd->add_option("-d,-z,--duration", duration, "d");
    cmd->add_option("-c,--vusers", vusers, "c");
    cmd->add_flag("-q,--quiet", quiet, "q");
    ForeignFlags foreign(cmd, command);
    Args argv_s{"lsengine", cmd->get_name()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    app.parse(static_cast<int>(argv.size()), argv.data());
    EXPECT_TRUE(positional == "http://h/" || positional == "flow.lua") << "a foreign flag's value was taken as the "
                                                                         "positional: "
                                                                      << positional;
    try {
        foreign.Check();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(ForeignFlags, OtherToolsFlagsNameTheLsengineFlagAndTheirValuesAreNotTheUrl) {
    EXPECT_EQ(UrlCheck({"-c", "5", "http://h/", "-d", "1s"}), "");
    EXPECT_EQ(UrlCheck({"-H", "Accept: a", "-H", "X-A: b", "http://h/"}), "") << "a header flag took the URL";
    EXPECT_NE(UrlCheck({"-T", "application/json", "http://h/"}).find("-H 'Content-Type: VALUE'"), std::string::npos);
    EXPECT_NE(UrlCheck({"-p", "body.json", "http://h/"}).find("--body-file"), std::string::npos);
    EXPECT_NE(UrlCheck({"http://h/", "-s", "script.lua"}).find("lsengine run SCRIPT.lua"), std::string::npos);
    EXPECT_NE(UrlCheck({"http://h/", "--latency"}).find("percentiles"), std::string::npos);
    EXPECT_NE(UrlCheck({"http://h/", "-i"}).find("-X HEAD"), std::string::npos);
    EXPECT_NE(UrlCheck({"flow.lua", "-n", "100"}, HabitCommand::kRun).find("--iterations"), std::string::npos);
}

TEST(ForeignFlags, LeftoversAreExplainedNeverAnUnexpectedUrl) {
    const std::string second = UrlCheck({"http://h/", "http://other/"});
    EXPECT_NE(second.find("takes one URL"), std::string::npos) << second;
    const std::string target = UrlCheck({"flow.lua", "http://h/"}, HabitCommand::kRun);
    EXPECT_NE(target.find("--target http://h/"), std::string::npos) << target;
    const std::string typo = UrlCheck({"http://h/", "--durration", "5s"});
    EXPECT_NE(typo.find("unknown flag '--durration'"), std::string::npos) << typo;
    EXPECT_NE(typo.find("did you mean '--duration'"), std::string::npos) << typo;
}

}  // namespace
}  // namespace lse::cli
