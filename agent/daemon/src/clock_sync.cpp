#include "clock_sync.hpp"

#include <uv.h>

#include <vector>

#include "lse/core/clock.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/limits.hpp"

namespace lse::agent {
namespace {

// One second per round trip: a coordinator that needs longer is not one to synchronise with.
constexpr std::int64_t kTimeRequestTimeoutNs = 1 * kNsPerSec;

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

}  // namespace

struct ClockSync::Round {
    std::uint64_t generation = 0;
    int sent = 0;
    std::vector<protocol::ClockSample> samples;
    Done done;
};

void ClockSync::Begin(Done done) {
    auto round = std::make_shared<Round>();
    round->generation = ++generation_;
    round->done = std::move(done);
    SendNext(round);
}

void ClockSync::Cancel() { ++generation_; }

void ClockSync::SendNext(const std::shared_ptr<Round>& round) {
    if (round->generation != generation_) return;
    if (round->sent == protocol::kClockSamples) {
        protocol::ClockOffset offset;
        const bool ok = protocol::EstimateClockOffset(round->samples, &offset);
        round->done(ok, offset);
        return;
    }
    ++round->sent;
    protocol::TimeRequest request;
    request.agent_id = agent_id_;
    request.t0_agent_ns = NowNs();
    const std::int64_t t0 = request.t0_agent_ns;
    try {
        nats_->Request(subject_, protocol::EncodeTimeRequest(request), kTimeRequestTimeoutNs,
                       [this, round, t0](bool ok, const transport::Message& reply) {
                           const std::int64_t t1 = NowNs();
                           protocol::TimeReply r;
                           if (ok && protocol::DecodeTimeReply(reply.data, &r, nullptr) && r.t0_agent_ns == t0) {
                               round->samples.push_back(protocol::ClockSample{t0, r.now_coordinator_ns, t1});
                           }
                           SendNext(round);
                       });
    } catch (const std::exception&) {
        // Not connected right now: count the attempt as lost and go on (the round still ends).
        round->sent = protocol::kClockSamples;
        SendNext(round);
    }
}

}  // namespace lse::agent
