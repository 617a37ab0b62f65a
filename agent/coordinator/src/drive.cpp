#include "lse/coordinator/drive.hpp"

#include <chrono>
#include <thread>

#include "lse/core/clock.hpp"

namespace lse::coordinator {
namespace {

class DriveLoop {
public:
    DriveLoop(DrivenAgents& agents, LocalLoad& local, const DriveTiming& timing, const DriveHooks& hooks)
        : agents_(agents), local_(local), timing_(timing), hooks_(hooks), next_poll_(timing.start_at_ns) {}

    DriveOutcome Run() {
        for (;;) {
            WaitForPollOrSignal();
            const std::int64_t now = Now();
            HandleSignals(now);
            HandleAbort(now);
            out_.broker_lost = agents_.BrokerLost(now);
            if (!out_.broker_lost.empty()) {
                // Nothing more can arrive: stop what still listens and fail the run.
                Log(out_.broker_lost + ": results are incomplete");
                agents_.Stop(protocol::StopReason::kAborted, true, "the NATS broker was lost");
                local_.RequestStop(true);
                break;
            }
            if (now >= next_poll_) Poll(now);
            if (agents_.AllDone() && local_.Done()) break;
            if (stop_sent_at_ == 0 && now >= timing_.EndNs()) {
                SendStop(now, protocol::StopReason::kCompleted, false, "run over");
            }
            if (stop_sent_at_ != 0 && now - stop_sent_at_ >= timing_.final_wait_ns) {
                Log("gave up waiting for final totals");
                break;
            }
        }
        out_.ended_ns = Now();
        out_.stop_sent = stop_sent_at_ != 0;
        return out_;
    }

private:
    std::int64_t Now() const { return hooks_.now ? hooks_.now() : MonotonicClock().NowNs(); }
    int Interrupts() const { return hooks_.signals != nullptr ? hooks_.signals->Count() : 0; }
    void Log(const std::string& line) const {
        if (hooks_.log) hooks_.log(line);
    }

    // Naps until the next poll, but a signal is acted on at once.
    void WaitForPollOrSignal() {
        while (Now() < next_poll_ && Interrupts() == handled_interrupts_) {
            if (hooks_.nap) {
                hooks_.nap();
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
    }

    // The signal policy of the load: the first signal drains (Stop, in-flight requests finish), the second aborts
    // them. The one place that decides it.
    void HandleSignals(std::int64_t now) {
        const int n = Interrupts();
        if (n <= handled_interrupts_) return;
        handled_interrupts_ = n;
        out_.interrupted = true;
        const bool abort = hooks_.signals->Action() == StopAction::kAbort;
        Log(abort ? "second interrupt: aborting in-flight requests" : "interrupted: stopping the agents");
        agents_.Stop(protocol::StopReason::kInterrupted, abort, "interrupted by the user");
        local_.RequestStop(abort);
        if (stop_sent_at_ == 0) stop_sent_at_ = now;
    }

    void HandleAbort(std::int64_t now) {
        if (stop_sent_at_ != 0 || !hooks_.abort_requested || !hooks_.abort_requested()) return;
        const std::string reason = hooks_.abort_reason ? hooks_.abort_reason() : std::string();
        Log("stopping the run: " + reason);
        SendStop(now, protocol::StopReason::kAborted, false, reason);
    }

    void SendStop(std::int64_t now, protocol::StopReason reason, bool abort, const std::string& detail) {
        agents_.Stop(reason, abort, detail);
        local_.RequestStop(abort);
        stop_sent_at_ = now;
    }

    void Poll(std::int64_t now) {
        next_poll_ = now + timing_.poll_ns;
        const metrics::Snapshot from_agents = agents_.TakeInterval();
        const metrics::Snapshot from_local = local_.Take();
        if (hooks_.on_poll) hooks_.on_poll(now, from_agents, from_local);
    }

    DrivenAgents& agents_;
    LocalLoad& local_;
    const DriveTiming& timing_;
    const DriveHooks& hooks_;
    std::int64_t next_poll_;
    std::int64_t stop_sent_at_ = 0;
    int handled_interrupts_ = 0;
    DriveOutcome out_;
};

}  // namespace

DriveOutcome Drive(DrivenAgents& agents, LocalLoad& local, const DriveTiming& timing, const DriveHooks& hooks) {
    return DriveLoop(agents, local, timing, hooks).Run();
}

}  // namespace lse::coordinator
