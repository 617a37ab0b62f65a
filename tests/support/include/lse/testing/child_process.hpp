#pragma once
/// @file
/// A child process owned by a test: started with fork/exec, killed when the test (or the
/// whole test binary) goes away, so a failing test never leaves servers running.
/// A thin test-flavoured face of lse::process::Process (shell-style exit codes, throwing Start).

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lse/process/process.hpp"

namespace lse::testing {

struct ChildOptions {
    /// Variables added to (or overriding) the parent's environment.
    std::vector<std::pair<std::string, std::string>> env;
    /// When non-empty, the child's stdout / stderr are redirected to (truncated) files at these paths.
    /// Both may name the same file. Empty means "inherit the test's stream".
    std::string stdout_path;
    std::string stderr_path;
};

class ChildProcess {
public:
    // Destroying (or assigning over) a running child calls Stop(): process::Process does it.
    ChildProcess() = default;

    /// Starts argv[0] (searched in PATH when it has no '/'). The child gets PR_SET_PDEATHSIG=SIGKILL
    /// so it dies with the test binary. Throws lse::SetupError when the program cannot be executed
    /// (the exec errno is reported back through a close-on-exec pipe) or when already running.
    void Start(std::vector<std::string> argv, ChildOptions options = {});

    /// Process id, or -1 when not started / already reaped.
    pid_t Pid() const noexcept { return process_.Pid(); }
    /// True while started and not yet reaped (a zombie counts as running until Wait reaps it).
    bool Running() const noexcept { return process_.Running(); }

    /// Sends `sig` to the child; a no-op when it is not running.
    void Signal(int sig) noexcept;

    /// Waits up to timeout_ms (negative = forever) for the child to exit. Returns the exit code,
    /// or 128 + signal number when it was killed by a signal, or std::nullopt on timeout.
    /// After the child is reaped, repeated calls return the same status.
    std::optional<int> Wait(int timeout_ms);

    /// SIGTERM, wait up to 3 s, then SIGKILL. Returns the exit status as Wait() does, or
    /// std::nullopt when the process was never started.
    std::optional<int> Stop() noexcept;

private:
    process::Process process_;
};

}  // namespace lse::testing
