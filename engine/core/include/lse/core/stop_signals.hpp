#pragma once
/// @file
/// The one rule for SIGINT/SIGTERM during a run: the first signal drains (stop starting work, let in-flight
/// work finish, run on_stop), a second signal aborts (cancel in-flight work). Each loop wires the signals
/// itself (uv_signal, sigaction); this type only decides what the arrivals so far ask for.

#include <atomic>

namespace lse {

enum class StopAction {
    kDrain,  ///< finish gracefully
    kAbort,  ///< cancel in-flight work now
};

/// What a first SIGTERM means. A terminal's Ctrl-C is a person who may want the summary; SIGTERM usually comes
/// from a supervisor (systemd, Kubernetes, `timeout`) that will SIGKILL soon, so `lsengine run` aborts at once.
enum class SigtermRule {
    kAborts,  ///< SIGTERM aborts like a second signal (lsengine run's load: docs/user-guide.md)
    kDrains,  ///< SIGTERM counts like SIGINT (the agent and the distributed coordinator: their drain is short)
};

class StopSignals {
public:
    /// constexpr: a global used by a sigaction handler is initialised before any signal can arrive.
    constexpr explicit StopSignals(SigtermRule rule = SigtermRule::kAborts) noexcept : rule_(rule) {}

    /// Records one arrival of `signum` (SIGINT or SIGTERM) and returns what all arrivals so far ask for.
    /// Async-signal-safe (lock-free atomics only): a sigaction handler may call it, another thread may poll.
    StopAction Arrive(int signum) noexcept;

    /// What the arrivals so far ask for: kAbort after a second signal (or a SIGTERM under kAborts).
    /// Meaningful once Count() > 0.
    StopAction Action() const noexcept;

    int Count() const noexcept { return count_.load(); }
    bool Interrupted() const noexcept { return Count() > 0; }

    void Reset() noexcept;  ///< forget earlier arrivals (a new run)

private:
    static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
                  "Arrive must be async-signal-safe");
    SigtermRule rule_;
    std::atomic<int> count_{0};
    std::atomic<bool> sigterm_{false};
};

}  // namespace lse
