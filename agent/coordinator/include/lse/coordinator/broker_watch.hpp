#pragma once
/// @file
/// The broker under a distributed run, checked with everything else the run polls. An embedded nats-server that
/// dies is restarted at once (same port and token: the coordinator and the agents reconnect, and the agents
/// resend their unacked metrics); one that cannot be restarted, one that keeps dying, or a connection that stays
/// down beyond kBrokerDownBoundNs loses the run (exit 9, totals marked incomplete).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/core/clock.hpp"

namespace lse::transport {
class EmbeddedBroker;
}

namespace lse::coordinator {

class Coordinator;

/// How long a run may go on without a connection to its broker (an external broker that stays down, a restarted
/// embedded one the coordinator cannot reach again). Well below the agents' timeout: while the broker is away
/// nothing can be stopped or rebalanced, and the agents' unacked metrics pile up.
inline constexpr std::int64_t kBrokerDownBoundNs = 10 * kNsPerSec;
/// An embedded broker that keeps dying is not restarted forever.
inline constexpr int kMaxBrokerRestarts = 3;

class BrokerWatch {
public:
    BrokerWatch(transport::EmbeddedBroker& broker, const Coordinator& coordinator,
                std::function<void(const std::string&)> log);

    /// Times in messages are told from this instant (the load's start, once known).
    void SetSince(std::int64_t since_ns) noexcept { since_ns_ = since_ns; }
    /// Restarts a dead embedded broker, or decides the broker is lost; returns Lost(). Sticky once lost.
    const std::string& Check(std::int64_t now_ns);
    /// Why the run cannot complete ("the NATS broker was unreachable for 10.2 s at 8.0 s"); empty while fine.
    const std::string& Lost() const noexcept { return lost_; }
    /// Each restart: "was killed by signal 9 at 8.0 s".
    const std::vector<std::string>& Restarts() const noexcept { return restarts_; }

private:
    void RestartDeadBroker(const std::string& how, const std::string& at);

    transport::EmbeddedBroker& broker_;
    const Coordinator& coordinator_;
    std::function<void(const std::string&)> log_;
    std::int64_t since_ns_ = 0;
    std::string lost_;
    std::vector<std::string> restarts_;
};

/// "8.0 s"
std::string SecondsText(std::int64_t ns);

}  // namespace lse::coordinator
