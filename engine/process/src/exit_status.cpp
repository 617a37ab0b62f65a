#include "lse/process/exit_status.hpp"

#include <sys/wait.h>

namespace lse::process {

bool ExitStatus::Exited() const noexcept { return known_ && WIFEXITED(raw_); }
bool ExitStatus::Signaled() const noexcept { return known_ && WIFSIGNALED(raw_); }
int ExitStatus::ExitCode() const noexcept { return Exited() ? WEXITSTATUS(raw_) : -1; }
int ExitStatus::TermSignal() const noexcept { return Signaled() ? WTERMSIG(raw_) : 0; }

int ExitStatus::Code() const noexcept {
    if (Exited()) return ExitCode();
    if (Signaled()) return 128 + TermSignal();
    return -1;
}

std::string ExitStatus::Describe() const {
    if (!known_) return "exited (reaped elsewhere, status unknown)";
    if (Exited()) return "exited with code " + std::to_string(ExitCode());
    if (Signaled()) return "was killed by signal " + std::to_string(TermSignal());
    return "stopped";
}

}  // namespace lse::process
