#pragma once
/// @file
/// A child process owned by a test: started with fork/exec, killed when the test (or the
/// whole test binary) goes away, so a failing test never leaves servers running.

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

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
    ChildProcess() = default;
    ~ChildProcess();  ///< Calls Stop().

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;

    /// Starts argv[0] (searched in PATH when it has no '/'). The child gets PR_SET_PDEATHSIG=SIGKILL
    /// so it dies with the test binary. Throws lse::SetupError when the program cannot be executed
    /// (the exec errno is reported back through a close-on-exec pipe) or when already running.
    void Start(std::vector<std::string> argv, ChildOptions options = {});

    /// Process id, or -1 when not started / already reaped.
    pid_t Pid() const noexcept { return pid_; }
    /// True while started and not yet reaped (a zombie counts as running until Wait reaps it).
    bool Running() const noexcept { return pid_ > 0; }

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
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace lse::testing
