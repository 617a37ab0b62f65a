#pragma once
/// @file
/// Binary encoding of messages.hpp. Every payload starts with three bytes:
///   'L' (magic), MessageType, kCodecVersion
/// followed by the message's fields in declaration order (docs/protocol.md, "Wire format"):
/// unsigned integers as LEB128 varints, signed ones zigzag varints (lse/core/byte_codec.hpp),
/// enums and bools as one byte, strings and byte strings as varint length + bytes.
///
/// Decoders take bytes straight from the network: they never read out of bounds, never allocate
/// more than the input could justify (every count and length is bounded, limits.hpp), reject
/// payloads over kMaxMessageBytes, unknown enum values, invalid ids, trailing bytes and messages of
/// another type. On failure they return false, describe why in *error (when non-null) and leave
/// *out valid but unspecified.

#include <optional>
#include <string>
#include <string_view>

#include "lse/protocol/messages.hpp"

namespace lse::protocol {

inline constexpr char kMagic = 'L';
inline constexpr std::uint8_t kCodecVersion = 1;

/// The type of an encoded message, or nullopt when the header is not ours (wrong magic, unknown
/// type or version). Does not validate the body.
std::optional<MessageType> PeekMessageType(std::string_view payload) noexcept;

/// Stable lower-case name ("register", "plan-chunk", ...) for logs.
std::string_view MessageTypeName(MessageType type) noexcept;
std::string_view AgentStateName(AgentState state) noexcept;
std::string_view StopReasonName(StopReason reason) noexcept;
std::string_view RejectReasonName(RejectReason reason) noexcept;

std::string EncodeRegister(const Register& m);
std::string EncodeAssignment(const Assignment& m);
std::string EncodeAssignmentAck(const AssignmentAck& m);
std::string EncodePlanChunk(const PlanChunk& m);
std::string EncodeStart(const Start& m);
std::string EncodeStop(const Stop& m);
std::string EncodeRebalance(const Rebalance& m);
std::string EncodeMetrics(const Metrics& m);
std::string EncodeMetricsAck(const MetricsAck& m);
std::string EncodeHeartbeat(const Heartbeat& m);
std::string EncodeCoordinatorHeartbeat(const CoordinatorHeartbeat& m);
std::string EncodeTimeRequest(const TimeRequest& m);
std::string EncodeTimeReply(const TimeReply& m);
std::string EncodeReject(const Reject& m);
std::string EncodeVuPlans(const VuPlans& m);

bool DecodeRegister(std::string_view in, Register* out, std::string* error);
bool DecodeAssignment(std::string_view in, Assignment* out, std::string* error);
bool DecodeAssignmentAck(std::string_view in, AssignmentAck* out, std::string* error);
bool DecodePlanChunk(std::string_view in, PlanChunk* out, std::string* error);
bool DecodeStart(std::string_view in, Start* out, std::string* error);
bool DecodeStop(std::string_view in, Stop* out, std::string* error);
bool DecodeRebalance(std::string_view in, Rebalance* out, std::string* error);
bool DecodeMetrics(std::string_view in, Metrics* out, std::string* error);
bool DecodeMetricsAck(std::string_view in, MetricsAck* out, std::string* error);
bool DecodeHeartbeat(std::string_view in, Heartbeat* out, std::string* error);
bool DecodeCoordinatorHeartbeat(std::string_view in, CoordinatorHeartbeat* out, std::string* error);
bool DecodeTimeRequest(std::string_view in, TimeRequest* out, std::string* error);
bool DecodeTimeReply(std::string_view in, TimeReply* out, std::string* error);
bool DecodeReject(std::string_view in, Reject* out, std::string* error);
bool DecodeVuPlans(std::string_view in, VuPlans* out, std::string* error);

}  // namespace lse::protocol
