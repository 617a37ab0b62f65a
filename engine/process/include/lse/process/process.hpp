#pragma once
/// @file
/// One child process that we own: started with fork/exec, polled or waited for, stopped politely then firmly.
/// The one supervision recipe of the tree (embedded nats-server, local agents, test fixtures).

#include <sys/types.h>

#include <optional>
#include <vector>

#include "lse/process/exit_status.hpp"
#include "lse/process/spawn_options.hpp"

namespace lse::process {

/// How long Stop() lets a child handle SIGTERM (flush logs, send final totals) before SIGKILL.
inline constexpr int kDefaultStopGraceMs = 3000;

class Process {
public:
    Process() = default;
    ~Process();  ///< Stop(): no child outlives its owner.
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;

    /// Forks and execs. Returns the failure when the program could not be started (exec errors come back
    /// through a close-on-exec pipe, so "not executable" is told apart from "started and exited 127");
    /// nothing is left running then. Must not be called while Running().
    [[nodiscard]] std::optional<SpawnError> Start(const SpawnOptions& options);

    pid_t Pid() const noexcept { return pid_; }  ///< -1 when not started or already reaped
    /// Started and not yet reaped (a zombie counts as running until Poll/Wait reaps it).
    bool Running() const noexcept { return pid_ > 0; }
    /// How it ended, once reaped; std::nullopt before.
    const std::optional<ExitStatus>& Status() const noexcept { return status_; }

    /// Sends `sig` (SIGSTOP, SIGCONT, SIGTERM...); a no-op when it is not running.
    void Signal(int sig) noexcept;

    /// Non-blocking "has it exited, and how?": reaps it when it has. Also returns the status of a child reaped
    /// earlier; std::nullopt while it runs or when never started.
    std::optional<ExitStatus> Poll() noexcept;

    /// Waits up to timeout_ms (negative: forever) and reaps. std::nullopt on timeout or when never started.
    std::optional<ExitStatus> Wait(int timeout_ms) noexcept;

    /// SIGTERM, wait up to grace_ms, SIGKILL, reap. Idempotent; std::nullopt when never started.
    std::optional<ExitStatus> Stop(int grace_ms = kDefaultStopGraceMs) noexcept;

private:
    pid_t pid_ = -1;
    std::optional<ExitStatus> status_;
};

/// Stop() for many children at once: SIGTERM to all first, so they wind down in parallel within one shared
/// grace period instead of one after another; then SIGKILL the rest and reap them all.
void StopAll(std::vector<Process*> children, int grace_ms = kDefaultStopGraceMs) noexcept;

}  // namespace lse::process
