#include "lse/core/stop_signals.hpp"

#include <csignal>

namespace lse {

StopAction StopSignals::Arrive(int signum) noexcept {
    // SIGTERM is recorded before the count: a thread that sees the new count also sees why.
    if (signum == SIGTERM) sigterm_.store(true);
    count_.fetch_add(1);
    return Action();
}

StopAction StopSignals::Action() const noexcept {
    const bool term_aborts = rule_ == SigtermRule::kAborts && sigterm_.load();
    return count_.load() >= 2 || term_aborts ? StopAction::kAbort : StopAction::kDrain;
}

void StopSignals::Reset() noexcept {
    count_.store(0);
    sigterm_.store(false);
}

}  // namespace lse
