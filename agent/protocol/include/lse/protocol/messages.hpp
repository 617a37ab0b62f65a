#pragma once
/// @file
/// Every message the coordinator and its agents exchange over NATS, as plain structs. The binary
/// encoding is in codec.hpp, the subjects they travel on in subjects.hpp, the meaning of every
/// field and the sequences they take part in in docs/protocol.md.
///
/// Times: fields named *_coordinator_ns are in the coordinator's monotonic clock, fields named
/// *_agent_ns in the sending agent's; agents convert with the offset from clock_offset.hpp.
/// Ids (cluster_id, run_id, agent_id, group, region) follow subjects.hpp's IsValidId (group and region may be empty).

#include <cstdint>
#include <string>
#include <vector>

#include "lse/sched/shard.hpp"

namespace lse::protocol {

/// First payload byte after the magic: which message this is. Values are wire format: append only.
enum class MessageType : std::uint8_t {
    kRegister,
    kAssignment,
    kAssignmentAck,
    kPlanChunk,
    kStart,
    kStop,
    kRebalance,
    kMetrics,
    kMetricsAck,
    kHeartbeat,
    kCoordinatorHeartbeat,
    kTimeRequest,
    kTimeReply,
    kReject,
    kVuPlans,  ///< protocol 7
    kCount
};

/// Agent -> coordinator on `lse.<cluster>.register`, every kRegisterIntervalNs until an Assignment arrives.
struct Register {
    std::string cluster_id;
    std::string agent_id;
    std::string group;           ///< optional pool name (`--group`); empty = no group
    std::uint32_t capacity = 1;  ///< worker threads the agent will run (weights its shard); >= 1
    std::string version;         ///< lsengine version string, for the coordinator's log
    std::string hostname;
    std::int64_t pid = 0;
    std::uint32_t protocol_version = 0;  ///< kProtocolVersion of the agent
    /// optional (`--region`): where the agent runs, for `--region-weights` and per-region results; empty = none
    std::string region;
    bool operator==(const Register&) const = default;
};

/// Which virtual users of a scenario an agent hosts.
struct VuSelection {
    enum class Kind : std::uint8_t {
        kAll,    ///< every virtual user of the scenario
        kNone,   ///< none (e.g. a zero-capacity share)
        kRange,  ///< ids first..last inclusive
        kList,   ///< the ids in `ids`, strictly increasing, each >= 1
        kCount
    };
    Kind kind = Kind::kAll;
    std::int64_t first = 0;         ///< kRange
    std::int64_t last = 0;          ///< kRange
    std::vector<std::int64_t> ids;  ///< kList

    bool Contains(std::int64_t id) const noexcept;
    bool operator==(const VuSelection&) const = default;
};

/// One scenario's share for one agent.
struct ScenarioShare {
    std::string scenario;       ///< ScenarioPlan::name
    sched::ShardSegment shard;  ///< arrivals this agent owns (ShardSegment::SplitByWeights over capacities)
    VuSelection vusers;
    bool operator==(const ScenarioShare&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.plan`: what to run. The plan (plan_codec.hpp bytes, opaque
/// here) is either inline (`plan_chunks == 0`, `plan` holds all of it) or follows as `plan_chunks`
/// PlanChunk messages on the same subject (`plan` empty). Either way plan_size/plan_checksum
/// describe the whole plan (FNV-1a 64, plan_chunks.hpp).
struct Assignment {
    std::string cluster_id;
    std::string run_id;
    std::string agent_id;
    std::uint32_t agent_index = 0;  ///< 0-based position among the run's agents (< agent_count)
    std::uint32_t agent_count = 1;
    std::uint32_t epoch = 0;        ///< shard generation: 0 here, +1 per Rebalance
    std::vector<ScenarioShare> scenarios;  ///< the scenarios this agent runs (unique names)
    std::uint64_t plan_size = 0;
    std::uint64_t plan_checksum = 0;
    std::uint32_t plan_chunks = 0;
    std::string plan;
    /// Incarnation of this agent in the run: 0 for the first Assignment, +1 for every re-assignment of a
    /// restarted agent. Echoed in AssignmentAck, Metrics and Heartbeat so that late messages of an earlier
    /// (dead) incarnation are never taken for the current one's (its Metrics seq start again at 1).
    std::uint32_t attempt = 0;
    /// 0: the shares apply from the start. Otherwise (a restarted agent re-joining a running run) the agent
    /// runs on the run's original start_at but owns no arrival intended before this instant (coordinator
    /// clock), and `scenarios`' shards from it on; closed-model virtual users start at once.
    std::int64_t owns_from_coordinator_ns = 0;
    bool operator==(const Assignment&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.plan`: one piece of a plan too large to go inline.
struct PlanChunk {
    std::string run_id;
    std::uint32_t index = 0;  ///< 0-based, < count
    std::uint32_t count = 1;
    std::uint64_t plan_size = 0;      ///< of the whole plan: lets the agent match chunks to the Assignment
    std::uint64_t plan_checksum = 0;  ///< of the whole plan
    std::string bytes;
    bool operator==(const PlanChunk&) const = default;
};

/// Agent -> coordinator on `...ack.<agent-id>`: the plan arrived complete, decoded, and the agent is
/// prepared (connections may be warming); it waits for Start.
struct AssignmentAck {
    std::string run_id;
    std::string agent_id;
    std::uint64_t plan_checksum = 0;
    std::uint32_t attempt = 0;  ///< the acknowledged Assignment's attempt
    bool operator==(const AssignmentAck&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.start`: begin load at start_at (coordinator clock).
struct Start {
    std::string run_id;
    std::int64_t start_at_coordinator_ns = 0;
    bool operator==(const Start&) const = default;
};

enum class StopReason : std::uint8_t {
    kCompleted,     ///< the run's duration elapsed (agents normally stop by themselves first)
    kInterrupted,   ///< the user pressed Ctrl-C on the coordinator
    kAborted,       ///< a threshold with abort_on_fail, or a coordinator error
    kCount
};

/// Coordinator -> agent on `...agent.<id>.stop`.
struct Stop {
    std::string run_id;
    StopReason reason = StopReason::kCompleted;
    bool abort = false;   ///< true: drop in-flight requests; false: let them finish (drain)
    std::string detail;   ///< human-readable, for the agent's log
    bool operator==(const Stop&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.rebalance`: from from_coordinator_ns on, own these shares
/// instead (an agent timed out or came back). Applies only if epoch > the agent's current epoch.
struct Rebalance {
    std::string run_id;
    std::uint32_t epoch = 1;
    std::int64_t from_coordinator_ns = 0;
    std::uint32_t agent_index = 0;
    std::uint32_t agent_count = 1;
    std::vector<ScenarioShare> scenarios;  ///< same scenario names as the Assignment
    bool operator==(const Rebalance&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.plan` (protocol 7), just before a Rebalance that moves virtual users here
/// whose plans this agent was never sent (an agent's plan holds only the virtual users of its Assignment): their
/// plans, as plan_codec.hpp bytes (the moved virtual users of each scenario and the requests they use; data feeds
/// without rows: the agent draws from its own slices). Inline (`plan_chunks == 0`) or followed by `plan_chunks`
/// PlanChunk messages with this plan_size/plan_checksum, like an Assignment's plan. An agent takes a Rebalance only
/// once it has the plan of every virtual user it selects; the coordinator resends both while it lags.
struct VuPlans {
    std::string run_id;
    std::uint32_t epoch = 1;   ///< the Rebalance that needs them
    std::uint32_t attempt = 0; ///< the agent's Assignment attempt they are for (a restarted agent starts afresh)
    std::uint64_t plan_size = 0;
    std::uint64_t plan_checksum = 0;
    std::uint32_t plan_chunks = 0;
    std::string plan;
    bool operator==(const VuPlans&) const = default;
};

/// Agent -> coordinator on `...metrics.<agent-id>`: one interval's statistics.
struct Metrics {
    std::string run_id;
    std::string agent_id;
    std::uint64_t seq = 1;         ///< 1, 2, 3, ... per agent and run; the coordinator dedupes on (agent, seq)
    bool is_final = false;         ///< the last message: `snapshot` is the agent's cumulative total of the run
    std::uint32_t active_vusers = 0;
    std::string snapshot;          ///< lse::metrics::Snapshot::AppendTo bytes (decode with Snapshot::Decode)
    std::uint32_t attempt = 0;     ///< the sender's Assignment attempt (seq restart at 1 per attempt)
    /// Not an interval: `snapshot` is the sum of every interval this attempt sent with a smaller seq (protocol
    /// version 7, docs/protocol.md "Checkpoints"). The coordinator keeps it, undecoded, in case the final never
    /// comes, instead of summing every interval per agent itself.
    bool is_checkpoint = false;
    bool operator==(const Metrics&) const = default;
};

/// Coordinator -> agent on `...agent.<id>.metrics-ack`: Metrics `seq` was merged (or was a duplicate).
struct MetricsAck {
    std::string run_id;
    std::uint64_t seq = 1;
    bool operator==(const MetricsAck&) const = default;
};

enum class AgentState : std::uint8_t {
    kIdle,       ///< registered, no assignment
    kPreparing,  ///< assignment received, plan arriving or being prepared
    kRunning,    ///< load is running (or waiting for start_at)
    kDraining,   ///< stopping: in-flight requests finish, final metrics pending
    kCount
};

/// Agent -> coordinator on `...heartbeat.<agent-id>` every kHeartbeatIntervalNs while assigned.
struct Heartbeat {
    std::string run_id;
    std::string agent_id;
    AgentState state = AgentState::kIdle;
    std::uint32_t epoch = 0;          ///< shard generation the agent applies (coordinator resends a newer Rebalance)
    std::uint64_t last_seq = 0;       ///< last Metrics seq published (0 = none yet)
    std::int64_t now_agent_ns = 0;
    std::uint32_t attempt = 0;        ///< the sender's Assignment attempt
    bool operator==(const Heartbeat&) const = default;
};

/// Coordinator -> all agents on `...coordinator.heartbeat` every kHeartbeatIntervalNs: the dead-man
/// switch. An agent that hears none for kDeadManTimeoutNs stops its load.
struct CoordinatorHeartbeat {
    std::string run_id;
    std::uint32_t epoch = 0;
    std::int64_t now_coordinator_ns = 0;
    bool operator==(const CoordinatorHeartbeat&) const = default;
};

/// Agent -> coordinator as a NATS request on `lse.<cluster>.time`.
struct TimeRequest {
    std::string agent_id;
    std::int64_t t0_agent_ns = 0;  ///< agent clock when sent
    bool operator==(const TimeRequest&) const = default;
};

/// Coordinator -> agent, the reply to a TimeRequest (to its NATS reply inbox).
struct TimeReply {
    std::int64_t t0_agent_ns = 0;         ///< echoed from the request
    std::int64_t now_coordinator_ns = 0;  ///< coordinator clock when answering
    bool operator==(const TimeReply&) const = default;
};

enum class RejectReason : std::uint8_t {
    kWrongCluster,   ///< the Assignment names another cluster id than the agent's
    kMalformed,      ///< a message or the plan did not decode
    kTooLarge,       ///< the plan exceeds kMaxPlanBytes / kMaxPlanChunks
    kChecksum,       ///< the reassembled plan's size or FNV-1a 64 differs from the Assignment
    kBusy,           ///< the agent is already running another run
    kVersion,        ///< protocol version mismatch
    kCount
};

/// Agent -> coordinator on `...ack.<agent-id>`: the assignment is refused; the agent stays idle.
struct Reject {
    std::string cluster_id;  ///< the agent's own cluster id
    std::string run_id;
    std::string agent_id;
    RejectReason reason = RejectReason::kMalformed;
    std::string detail;
    bool operator==(const Reject&) const = default;
};

}  // namespace lse::protocol
