#pragma once
/// @file
/// Estimates the coordinator's clock offset over NATS request/reply (docs/protocol.md, "Clock
/// offset"): kClockSamples TimeRequests sent back to back, the fastest round trip wins.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lse/protocol/clock_offset.hpp"
#include "lse/transport/nats_client.hpp"

namespace lse::agent {

class ClockSync {
public:
    using Done = std::function<void(bool ok, const protocol::ClockOffset& offset)>;

    ClockSync(transport::NatsClient* nats, std::string subject, std::string agent_id)
        : nats_(nats), subject_(std::move(subject)), agent_id_(std::move(agent_id)) {}

    /// Starts an estimate; `done` runs on the loop thread once, ok=false when no round trip
    /// succeeded. A newer Begin or Cancel silences the previous estimate.
    void Begin(Done done);
    void Cancel();

private:
    struct Round;
    void SendNext(const std::shared_ptr<Round>& round);

    transport::NatsClient* nats_;
    std::string subject_;
    std::string agent_id_;
    std::uint64_t generation_ = 0;
};

}  // namespace lse::agent
