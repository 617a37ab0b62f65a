#pragma once
/// @file
/// The Drive phase of a distributed run: from the start instant until every source delivered its final totals.
/// Every 100 ms it takes the merged intervals of the agents and of the coordinator's own load and hands them to
/// the caller (the live view); it sends Stop when the run is over, on a signal, on a threshold abort or when the
/// broker is lost, and gives up waiting for final totals 10 s after the Stop. The agents and the local load are
/// interfaces so the phase is tested with fakes and a fake clock.

#include <cstdint>
#include <functional>
#include <string>

#include "lse/core/clock.hpp"
#include "lse/core/stop_signals.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/protocol/messages.hpp"

namespace lse::coordinator {

/// The coordinator scenarios' own load (a runtime::LoadRun on a thread, in the CLI).
class LocalLoad {
public:
    virtual ~LocalLoad() = default;
    virtual bool Done() const = 0;
    virtual void RequestStop(bool abort) = 0;
    /// Intervals completed since the previous call.
    virtual metrics::Snapshot Take() = 0;
};

/// The agents as the Drive phase sees them (the Coordinator and its broker in a run).
class DrivenAgents {
public:
    virtual ~DrivenAgents() = default;
    virtual void Stop(protocol::StopReason reason, bool abort, const std::string& detail) = 0;
    virtual metrics::Snapshot TakeInterval() = 0;
    virtual bool AllDone() const = 0;
    /// Why the run cannot complete any more (its broker is lost); empty while it can. Called every loop.
    virtual std::string BrokerLost(std::int64_t now_ns) = 0;
};

struct DriveTiming {
    std::int64_t start_at_ns = 0;
    std::int64_t run_ns = 0;      ///< the longest scenario's length
    std::int64_t grace_ns = 0;    ///< in-flight requests may finish this long after the run's end
    std::int64_t final_wait_ns = 10 * kNsPerSec;  ///< after the Stop, how long final totals may take
    std::int64_t poll_ns = 100 * kNsPerMs;
    /// When the coordinator sends Stop itself (agents normally stop on their own first; 2 s of slack for that).
    std::int64_t EndNs() const noexcept { return start_at_ns + run_ns + grace_ns + 2 * kNsPerSec; }
};

struct DriveHooks {
    const StopSignals* signals = nullptr;     ///< signals received so far (RunSignals::Signals); null = none
    std::function<bool()> abort_requested;    ///< a threshold with abort_on_fail failed; null = never
    std::function<std::string()> abort_reason;
    /// Every poll: what arrived from the agents and from the local load since the previous one.
    std::function<void(std::int64_t now_ns, const metrics::Snapshot& agents, const metrics::Snapshot& local)> on_poll;
    std::function<void(const std::string&)> log;
    std::function<std::int64_t()> now;        ///< monotonic ns; null = the monotonic clock
    std::function<void()> nap;                ///< waits a little (20 ms); null = sleeps
};

struct DriveOutcome {
    std::int64_t ended_ns = 0;   ///< when the loop ended
    bool interrupted = false;    ///< a signal stopped the run
    bool stop_sent = false;      ///< a Stop went to the agents
    std::string broker_lost;     ///< why the run could not complete; empty = it could
};

/// Runs the phase; returns when the agents and the local load are done, the broker is lost, or the final
/// totals are given up on.
DriveOutcome Drive(DrivenAgents& agents, LocalLoad& local, const DriveTiming& timing, const DriveHooks& hooks);

}  // namespace lse::coordinator
