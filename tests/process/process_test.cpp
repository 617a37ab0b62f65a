#include "lse/process/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lse/process/find_program.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::process {
namespace {

using lse::testing::ReadWhole;

SpawnOptions Argv(std::vector<std::string> argv) {
    SpawnOptions options;
    options.argv = std::move(argv);
    return options;
}

std::string TempPath(const std::string& name) {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/lse-process-test-" +
           std::to_string(getpid()) + "-" + name;
}

TEST(ProcessTest, TrueExitsWithZero) {
    Process p;
    ASSERT_FALSE(p.Start(Argv({"/bin/true"})));
    EXPECT_TRUE(p.Running());
    const auto status = p.Wait(10000);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->Code(), 0);
    EXPECT_EQ(status->Describe(), "exited with code 0");
    EXPECT_FALSE(p.Running());
    EXPECT_EQ(p.Pid(), -1);
    EXPECT_EQ(p.Wait(0)->Code(), 0);  // the status stays after the reap
}

TEST(ProcessTest, ExitCodeIsReported) {
    Process p;
    ASSERT_FALSE(p.Start(Argv({"sh", "-c", "exit 3"})));  // "sh" is searched in PATH
    const auto status = p.Wait(10000);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->Describe(), "exited with code 3");
    EXPECT_EQ(status->Code(), 3);
}

TEST(ProcessTest, PollIsNonBlocking) {
    Process p;
    ASSERT_FALSE(p.Start(Argv({"/bin/sh", "-c", "exec sleep 30"})));
    EXPECT_FALSE(p.Poll());
    EXPECT_TRUE(p.Running());
    p.Signal(SIGKILL);
    std::optional<ExitStatus> status;
    for (int i = 0; i < 1000 && !status; ++i) {
        status = p.Poll();
        if (!status) usleep(5000);
    }
    ASSERT_TRUE(status);
    EXPECT_EQ(status->Describe(), "was killed by signal 9");
}

TEST(ProcessTest, StopEndsASleeperWithSigterm) {
    Process p;
    ASSERT_FALSE(p.Start(Argv({"/bin/sh", "-c", "exec sleep 30"})));
    EXPECT_FALSE(p.Wait(50));  // still running
    const auto started = std::chrono::steady_clock::now();
    const auto status = p.Stop();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->Describe(), "was killed by signal 15");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_FALSE(p.Running());
}

TEST(ProcessTest, StopKillsAChildThatIgnoresSigterm) {
    Process p;
    const std::string ready = TempPath("ready");
    std::remove(ready.c_str());
    // The trap is in place once the file exists: a SIGTERM before that would end the shell.
    ASSERT_FALSE(p.Start(Argv({"/bin/sh", "-c", "trap '' TERM; : > \"$1\"; while :; do sleep 1; done", "sh", ready})));
    for (int i = 0; i < 2000 && access(ready.c_str(), F_OK) != 0; ++i) usleep(5000);
    ASSERT_EQ(access(ready.c_str(), F_OK), 0);
    const auto status = p.Stop(200);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->Describe(), "was killed by signal 9");
    std::remove(ready.c_str());
}

TEST(ProcessTest, StopAllSharesOneGracePeriod) {
    Process a, b;
    ASSERT_FALSE(a.Start(Argv({"/bin/sh", "-c", "exec sleep 30"})));
    ASSERT_FALSE(b.Start(Argv({"/bin/sh", "-c", "exec sleep 30"})));
    StopAll({&a, &b});
    ASSERT_TRUE(a.Status());
    ASSERT_TRUE(b.Status());
    EXPECT_EQ(a.Status()->Describe(), "was killed by signal 15");
    EXPECT_EQ(b.Status()->Describe(), "was killed by signal 15");
}

TEST(ProcessTest, SigstopAndSigcontPauseAndResume) {
    Process p;
    ASSERT_FALSE(p.Start(Argv({"/bin/sh", "-c", "exec sleep 30"})));
    p.Signal(SIGSTOP);
    EXPECT_FALSE(p.Poll());  // a stopped child has not exited
    p.Signal(SIGCONT);
    EXPECT_FALSE(p.Poll());
    EXPECT_EQ(p.Stop()->Describe(), "was killed by signal 15");
}

TEST(ProcessTest, EnvAndStdoutRedirection) {
    const std::string out = TempPath("out");
    Process p;
    SpawnOptions options = Argv({"/bin/sh", "-c", "echo \"$LSE_PROCESS_TEST\"; echo oops >&2"});
    options.env = {{"LSE_PROCESS_TEST", "hello"}, {"PATH", std::getenv("PATH") != nullptr ? std::getenv("PATH") : ""}};
    options.stdout_path = out;
    options.stderr_path = out;
    ASSERT_FALSE(p.Start(options));
    ASSERT_EQ(p.Wait(10000)->Code(), 0);
    EXPECT_EQ(ReadWhole(out), "hello\noops\n");
    // append keeps what was there; truncate (the default) starts over
    options.append = true;
    ASSERT_FALSE(p.Start(options));
    ASSERT_EQ(p.Wait(10000)->Code(), 0);
    EXPECT_EQ(ReadWhole(out), "hello\noops\nhello\noops\n");
    std::remove(out.c_str());
}

TEST(ProcessTest, MissingProgramIsNotFound) {
    Process p;
    const auto error = p.Start(Argv({"lse-no-such-program-xyz"}));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->stage, SpawnError::Stage::kNotFound);
    EXPECT_EQ(error->Text(), "No such file or directory");
    EXPECT_FALSE(p.Running());
}

TEST(ProcessTest, UnwritableOutputFileIsReported) {
    Process p;
    SpawnOptions options = Argv({"/bin/true"});
    options.stdout_path = "/nonexistent-dir-lse/out.log";
    const auto error = p.Start(options);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->stage, SpawnError::Stage::kOpenFile);
    EXPECT_EQ(error->path, "/nonexistent-dir-lse/out.log");
    EXPECT_FALSE(p.Running());
}

TEST(ProcessTest, ExecFailureIsReported) {
    const std::string path = TempPath("not-exec");
    { std::ofstream(path) << "\x7f" "ELF garbage"; }
    chmod(path.c_str(), 0700);
    Process p;
    const auto error = p.Start(Argv({path}));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->stage, SpawnError::Stage::kExec);
    EXPECT_FALSE(p.Running());
    std::remove(path.c_str());
}

TEST(FindProgramTest, FindsShAndRejectsMissing) {
    EXPECT_FALSE(FindProgram("sh").empty());
    EXPECT_EQ(FindProgram("/bin/sh"), "/bin/sh");
    EXPECT_EQ(FindProgram("lse-no-such-program-xyz"), "");
    EXPECT_EQ(FindProgram("/nonexistent/prog"), "");
}

}  // namespace
}  // namespace lse::process
