// RunManager with a stand-in for `lsengine run`: a shell script that sources the run's "script" (so each test says
// how its child behaves) and exits 130 on SIGINT like lsengine. Checks the one-run slot, the statuses from exit
// codes, and that DELETE's SIGINT reaches the child and ends the run as interrupted.

#include "run_manager.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lse/core/errors.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::service {
namespace {

using Clock = std::chrono::steady_clock;

class RunManagerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = lse::testing::MakeTempDir("run-manager-");
        fake_ = dir_ + "/fake-lsengine";
        // argv: fake run SCRIPT --quiet ...: the script decides what the "run" does; its argv lands in args.txt.
        std::ofstream(fake_) << "#!/bin/sh\ntrap 'exit 130' INT\necho \"$@\" > \"$(dirname \"$2\")/args.txt\"\n"
                                ". \"$2\"\n";
        std::filesystem::permissions(fake_, std::filesystem::perms::owner_all);
        options_.lsengine_binary = fake_;
        options_.data_dir = dir_ + "/runs";
        options_.child_env = {{"LSENGINE_NATS_TOKEN", "secret-token"}};
    }

    RunInfo WaitFinished(RunManager& m, const std::string& id, int timeout_ms = 10'000) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (Clock::now() < deadline) {
            const auto info = m.Get(id);
            if (info && info->Finished()) return *info;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "run " << id << " did not finish";
        return *m.Get(id);
    }

    static RunRequest Script(const std::string& text) {
        RunRequest r;
        r.script = text;
        r.args = {"--duration=1s"};
        return r;
    }

    std::string dir_;
    std::string fake_;
    RunManagerOptions options_;
};

TEST(RunStatus, ExitCodesMapToTheStatusesTheApiReports) {
    EXPECT_EQ(StatusOfExit(0, false), RunStatus::kPassed);
    EXPECT_EQ(StatusOfExit(3, false), RunStatus::kFailed);
    EXPECT_EQ(StatusOfExit(7, false), RunStatus::kFailed);
    EXPECT_EQ(StatusOfExit(8, false), RunStatus::kFailed);
    EXPECT_EQ(StatusOfExit(130, false), RunStatus::kInterrupted);
    EXPECT_EQ(StatusOfExit(128 + 9, true), RunStatus::kInterrupted);  // killed by the second DELETE
    EXPECT_EQ(StatusOfExit(128 + 9, false), RunStatus::kError);       // killed by someone else
    EXPECT_EQ(StatusOfExit(2, false), RunStatus::kError);
    EXPECT_EQ(StatusOfExit(4, false), RunStatus::kError);
    EXPECT_EQ(StatusOfExit(9, false), RunStatus::kError);
}

TEST_F(RunManagerTest, OneRunAtATimeAndEachEndsWithTheStatusOfItsExitCode) {
    RunManager m(options_);
    const std::string first = m.Submit(Script("sleep 1; exit 3\n"));
    EXPECT_EQ(m.Active()->id, first);
    try {
        m.Submit(Script("exit 0\n"));
        ADD_FAILURE() << "a second run started while the first one ran";
    } catch (const RunConflict& e) {
        EXPECT_EQ(e.Active(), first);
    }
    const RunInfo done = WaitFinished(m, first);
    EXPECT_EQ(done.status, RunStatus::kFailed);
    EXPECT_EQ(done.exit_code, 3);
    EXPECT_FALSE(m.Active().has_value());

    // The child got the run's files and the token in its environment, not in argv.
    const std::string args = lse::testing::ReadWhole(done.files.dir + "/args.txt");
    EXPECT_NE(args.find("run " + done.files.Script() + " --quiet --out=ndjson=" + done.files.Events()),
              std::string::npos)
        << args;
    EXPECT_NE(args.find("--duration=1s"), std::string::npos) << args;
    EXPECT_EQ(args.find("secret-token"), std::string::npos) << args;

    const std::string second = m.Submit(Script("test \"$LSENGINE_NATS_TOKEN\" = secret-token && exit 0; exit 5\n"));
    EXPECT_EQ(WaitFinished(m, second).status, RunStatus::kPassed);
    const auto counts = m.FinishedCounts();
    EXPECT_EQ(counts.at(RunStatus::kFailed), 1);
    EXPECT_EQ(counts.at(RunStatus::kPassed), 1);
    ASSERT_EQ(m.List().size(), 2u);
    EXPECT_EQ(m.List()[0].id, first);
}

TEST_F(RunManagerTest, StopInterruptsTheChildAndAFinishedRunStaysFinished) {
    RunManager m(options_);
    const std::string id = m.Submit(Script("sleep 5 & wait\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the trap is set
    const auto stop_at = Clock::now();
    EXPECT_EQ(m.Stop(id), RunManager::StopResult::kDraining);
    const RunInfo done = WaitFinished(m, id, 4'000);
    EXPECT_LT(Clock::now() - stop_at, std::chrono::seconds(3));
    EXPECT_EQ(done.status, RunStatus::kInterrupted);
    EXPECT_EQ(done.exit_code, 130);
    EXPECT_EQ(done.stop_requests, 1);
    EXPECT_EQ(m.Stop(id), RunManager::StopResult::kAlreadyFinished);
    EXPECT_EQ(m.Stop("run-none"), RunManager::StopResult::kNotFound);
}

TEST_F(RunManagerTest, AChildThatCannotStartIsAnErrorAndFreesTheSlot) {
    options_.lsengine_binary = dir_ + "/missing-lsengine";
    RunManager m(options_);
    EXPECT_THROW(m.Submit(Script("exit 0\n")), SetupError);
    ASSERT_EQ(m.List().size(), 1u);
    EXPECT_EQ(m.List()[0].status, RunStatus::kError);
    EXPECT_NE(m.List()[0].error.find("missing-lsengine"), std::string::npos) << m.List()[0].error;
    EXPECT_FALSE(m.Active().has_value());
}

TEST_F(RunManagerTest, ShutdownDrainsTheActiveRun) {
    RunManager m(options_);
    const std::string id = m.Submit(Script("sleep 5 & wait\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    m.Shutdown(3'000);
    EXPECT_EQ(m.Get(id)->status, RunStatus::kInterrupted);
    EXPECT_THROW(m.Submit(Script("exit 0\n")), SetupError);
}

}  // namespace
}  // namespace lse::service
