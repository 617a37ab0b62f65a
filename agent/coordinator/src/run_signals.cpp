#include "lse/coordinator/run_signals.hpp"

#include <atomic>

#include "lse/core/errors.hpp"

namespace lse::coordinator {
namespace {

// A first SIGTERM aborts, as in a single-node run (docs/user-guide.md): it usually comes from a supervisor.
constinit StopSignals g_stop{SigtermRule::kAborts};
std::atomic<bool> g_load_running{false};

void OnSignal(int sig) {
    g_stop.Arrive(sig);
    const int n = g_stop.Count();
    // Past what the run can handle gracefully: the default action ends the process.
    if ((n >= 2 && !g_load_running.load()) || n >= 3) {
        ::signal(sig, SIG_DFL);
        ::raise(sig);
    }
}

}  // namespace

RunSignals::RunSignals() {
    g_stop.Reset();
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
}

RunSignals::~RunSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_load_running = false;
}

int RunSignals::Count() noexcept { return g_stop.Count(); }

const StopSignals& RunSignals::Signals() noexcept { return g_stop; }

void RunSignals::SetLoadRunning(bool running) noexcept { g_load_running = running; }

void RunSignals::ThrowIfInterrupted() {
    if (Count() > 0) throw Error(ExitCode::kInterrupted, "interrupted before the load started");
}

}  // namespace lse::coordinator
