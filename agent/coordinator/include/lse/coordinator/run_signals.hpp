#pragma once
/// @file
/// SIGINT/SIGTERM during a distributed run, kept in one place so the run can adopt a shared "first signal
/// drains, second aborts" policy without touching the phases. Before the load starts, the first signal cancels
/// the setup (ThrowIfInterrupted) and the second kills the process (children die with it: PDEATHSIG); during the
/// load the first stops the run gracefully, the second aborts in-flight work and the third kills the process.
/// The handler only records arrivals in a StopSignals (the one "first drains, second aborts" rule, with a first
/// SIGTERM aborting as in a single-node run); the Drive phase reads it and decides.

#include <csignal>

#include "lse/core/stop_signals.hpp"

namespace lse::coordinator {

class RunSignals {
public:
    RunSignals();   ///< installs the handlers and resets the count
    ~RunSignals();  ///< restores the previous handlers
    RunSignals(const RunSignals&) = delete;
    RunSignals& operator=(const RunSignals&) = delete;

    /// Signals received since the constructor (async-signal-safe counter).
    static int Count() noexcept;
    /// The arrivals so far, and what they ask for (StopSignals::Action).
    static const StopSignals& Signals() noexcept;
    /// While the load runs, a second signal aborts instead of killing the process.
    static void SetLoadRunning(bool running) noexcept;
    /// Throws lse::Error(kInterrupted, "interrupted before the load started") once a signal came.
    static void ThrowIfInterrupted();

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace lse::coordinator
