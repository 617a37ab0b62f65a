#pragma once
/// @file
/// NATS subjects of the protocol, all under `lse.<cluster-id>`, run traffic under
/// `lse.<cluster-id>.<run-id>` (docs/protocol.md, "Subjects"). Ids are single subject tokens, so
/// they are validated before they are spliced in: a '.' would add tokens, '*' and '>' are
/// wildcards, and a space ends the subject in the NATS text protocol.
///
/// Builders validate their ids and throw lse::UsageError: call them at setup and keep the strings.

#include <cstdint>
#include <string>
#include <string_view>

namespace lse::protocol {

/// 1..kMaxIdLength printable ASCII characters, none of them space, '.', '*' or '>'. On false,
/// *why (when non-null) says what is wrong.
bool IsValidId(std::string_view id, std::string* why = nullptr);

/// Throws lse::UsageError naming `what` (a flag like "--agent-id" or a field name) and the id.
void ValidateId(std::string_view what, std::string_view id);
/// As ValidateId, but the empty string is accepted (the optional --group).
void ValidateOptionalId(std::string_view what, std::string_view id);

/// What the coordinator sends one agent: the last token of `lse.<c>.<r>.agent.<a>.<channel>`.
enum class AgentChannel : std::uint8_t {
    kPlan,        ///< Assignment, PlanChunk
    kStart,       ///< Start
    kStop,        ///< Stop
    kRebalance,   ///< Rebalance
    kMetricsAck,  ///< MetricsAck
    kCount
};
std::string_view AgentChannelName(AgentChannel channel) noexcept;  ///< "plan", ..., "metrics-ack"

namespace subjects {

std::string Register(std::string_view cluster);  ///< lse.<c>.register
std::string Time(std::string_view cluster);      ///< lse.<c>.time (request/reply)
/// lse.<c>.<r>.agent.<a>.<channel>
std::string Agent(std::string_view cluster, std::string_view run, std::string_view agent, AgentChannel channel);
/// lse.<c>.*.agent.<a>.* : what an agent subscribes to before it knows the run id.
std::string AgentInbox(std::string_view cluster, std::string_view agent);
/// lse.<c>.<r>.metrics.<a>
std::string Metrics(std::string_view cluster, std::string_view run, std::string_view agent);
/// lse.<c>.<r>.heartbeat.<a>
std::string Heartbeat(std::string_view cluster, std::string_view run, std::string_view agent);
/// lse.<c>.<r>.ack.<a>
std::string Ack(std::string_view cluster, std::string_view run, std::string_view agent);
/// lse.<c>.<r>.coordinator.heartbeat
std::string CoordinatorHeartbeat(std::string_view cluster, std::string_view run);
/// Coordinator subscriptions: lse.<c>.<r>.metrics.* / heartbeat.* / ack.*
std::string AllMetrics(std::string_view cluster, std::string_view run);
std::string AllHeartbeats(std::string_view cluster, std::string_view run);
std::string AllAcks(std::string_view cluster, std::string_view run);

/// The last token of a subject (the agent id of metrics/heartbeat/ack subjects, the channel of
/// agent subjects): the coordinator checks it against the message's agent_id.
std::string_view LastToken(std::string_view subject) noexcept;

}  // namespace subjects
}  // namespace lse::protocol
