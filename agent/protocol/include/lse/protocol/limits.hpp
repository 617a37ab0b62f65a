#pragma once
/// @file
/// Size and timing constants of the coordinator/agent protocol (docs/protocol.md). Decoders enforce
/// the size limits, so a peer (or anything else that can publish on the broker) cannot make the
/// other side allocate without bound.

#include <cstddef>
#include <cstdint>

#include "lse/core/clock.hpp"

namespace lse::protocol {

/// Bumped when a message layout changes incompatibly; agents announce it in Register and the
/// coordinator refuses agents that speak another one.
inline constexpr std::uint32_t kProtocolVersion = 7;  // 2: attempt and owns_from (agents re-joining a run); 3: error kind "extract" in request stats, plan format 4 (correlated flows); 4: plan format 5 (issue 15); 5: metrics snapshot version 4 (custom metrics), plan format 6 (issue 15); 6: issue 16 (Register.region; metrics snapshot version 5: generator health); 7: issue 16 items 4 and 5 (Metrics.is_checkpoint; per-agent plan slices and VuPlans for moved virtual users)

/// NATS's default max_payload. Every message, encoded, must fit; decoders reject anything longer.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 20;
/// Ids (cluster, run, agent, group) are single NATS subject tokens.
inline constexpr std::size_t kMaxIdLength = 64;
/// Scenario names, hostnames, version strings.
inline constexpr std::size_t kMaxNameLength = 256;
/// Free-text reasons (Stop, Reject).
inline constexpr std::size_t kMaxReasonLength = 1024;
inline constexpr std::size_t kMaxScenarios = 256;
/// Virtual-user ids listed for one scenario in an Assignment or Rebalance.
inline constexpr std::size_t kMaxVuIds = std::size_t{1} << 20;

/// A plan larger than this is refused by SplitPlan and by the agent's PlanAssembler.
inline constexpr std::size_t kMaxPlanBytes = std::size_t{256} << 20;
/// Chunk payload size used by PreparePlanDelivery: leaves room for the chunk's own fields
/// (ids are at most kMaxIdLength) under kMaxMessageBytes.
inline constexpr std::size_t kDefaultPlanChunkBytes = std::size_t{768} << 10;
inline constexpr std::size_t kMaxPlanChunkBytes = kMaxMessageBytes - 1024;
inline constexpr std::uint32_t kMaxPlanChunks = 4096;

/// Timing (docs/protocol.md, "Timers").
inline constexpr std::int64_t kRegisterIntervalNs = 3 * kNsPerSec;        ///< re-announce until assigned
inline constexpr std::int64_t kHeartbeatIntervalNs = 1 * kNsPerSec;       ///< agent and coordinator
inline constexpr std::int64_t kAgentTimeoutNs = 15 * kNsPerSec;           ///< coordinator marks an agent timed out
inline constexpr std::int64_t kDeadManTimeoutNs = 15 * kNsPerSec;         ///< agent stops load without a coordinator
inline constexpr int kClockSamples = 5;                                   ///< TimeRequest round trips per estimate

}  // namespace lse::protocol
