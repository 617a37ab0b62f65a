#pragma once
/// @file
/// How a reaped child ended, as waitpid reported it.

#include <string>

namespace lse::process {

class ExitStatus {
public:
    /// `raw` is the status word waitpid filled in.
    static ExitStatus FromWait(int raw) noexcept { return ExitStatus(raw, true); }
    /// The child was reaped by someone else (waitpid said ECHILD): gone, but how is unknown.
    static ExitStatus Lost() noexcept { return ExitStatus(0, false); }

    bool Exited() const noexcept;          ///< ended through exit()/_exit()
    bool Signaled() const noexcept;        ///< ended by a signal
    int ExitCode() const noexcept;         ///< valid when Exited()
    int TermSignal() const noexcept;       ///< valid when Signaled()

    /// Shell convention: the exit code, or 128 + signal number; -1 when Lost().
    int Code() const noexcept;

    /// "exited with code 3", "was killed by signal 9" (error messages and tests quote these words).
    std::string Describe() const;

private:
    ExitStatus(int raw, bool known) noexcept : raw_(raw), known_(known) {}
    int raw_;
    bool known_;
};

}  // namespace lse::process
