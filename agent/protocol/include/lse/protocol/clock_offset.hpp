#pragma once
/// @file
/// NTP-style estimate of the offset between an agent's monotonic clock and the coordinator's,
/// from TimeRequest/TimeReply round trips (docs/protocol.md, "Clock offset"):
///
///   agent sends t0 (agent clock) -> coordinator answers c (its clock) -> agent receives at t1
///   rtt    = t1 - t0
///   offset = c - (t0 + t1) / 2        so that  coordinator_time = agent_time + offset
///
/// assuming the reply took as long as the request; the error is at most rtt / 2. Of kClockSamples
/// round trips the one with the smallest rtt wins: queueing delay only ever adds to rtt, so the
/// fastest exchange is the least distorted one. Pure computation: the transport does the I/O.

#include <cstdint>
#include <span>

namespace lse::protocol {

struct ClockSample {
    std::int64_t t0_agent_ns = 0;         ///< request sent
    std::int64_t coordinator_ns = 0;      ///< TimeReply::now_coordinator_ns
    std::int64_t t1_agent_ns = 0;         ///< reply received
};

struct ClockOffset {
    std::int64_t offset_ns = 0;  ///< coordinator clock minus agent clock
    std::int64_t rtt_ns = 0;     ///< of the sample used; the estimate is good to +-rtt/2

    std::int64_t ToAgentNs(std::int64_t coordinator_ns) const noexcept { return coordinator_ns - offset_ns; }
    std::int64_t ToCoordinatorNs(std::int64_t agent_ns) const noexcept { return agent_ns + offset_ns; }
};

/// The offset of one sample (overflow-safe midpoint). Requires t1 >= t0.
ClockOffset OffsetOf(const ClockSample& sample) noexcept;

/// The estimate from the sample with the smallest rtt (the earliest on ties). Samples with
/// t1 < t0 are ignored; returns false when no sample is usable.
bool EstimateClockOffset(std::span<const ClockSample> samples, ClockOffset* out) noexcept;

}  // namespace lse::protocol
