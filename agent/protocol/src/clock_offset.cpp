#include "lse/protocol/clock_offset.hpp"

namespace lse::protocol {

ClockOffset OffsetOf(const ClockSample& s) noexcept {
    const std::int64_t rtt = s.t1_agent_ns - s.t0_agent_ns;
    // t0 + rtt/2 rather than (t0 + t1)/2: agent clocks may be large enough for the sum to overflow.
    const std::int64_t midpoint = s.t0_agent_ns + rtt / 2;
    return ClockOffset{s.coordinator_ns - midpoint, rtt};
}

bool EstimateClockOffset(std::span<const ClockSample> samples, ClockOffset* out) noexcept {
    bool found = false;
    ClockOffset best;
    for (const ClockSample& s : samples) {
        if (s.t1_agent_ns < s.t0_agent_ns) continue;  // a reply before its request: a broken clock or a stale reply
        const ClockOffset candidate = OffsetOf(s);
        if (!found || candidate.rtt_ns < best.rtt_ns) {
            best = candidate;
            found = true;
        }
    }
    if (found) *out = best;
    return found;
}

}  // namespace lse::protocol
