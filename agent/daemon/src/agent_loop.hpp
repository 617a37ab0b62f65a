#pragma once
/// @file
/// The agent's control loop: one libuv loop on the main thread that owns the NATS connection and
/// the agent's state machine (idle -> preparing -> ready -> running -> draining -> idle). Load runs
/// on a LoadThread; everything else (registration, heartbeats, the dead-man switch, metrics and
/// their resends, signals) happens here, so none of it needs locking.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clock_sync.hpp"
#include "load_thread.hpp"
#include "metrics_checkpoint.hpp"
#include "metrics_outbox.hpp"
#include "run_setup.hpp"
#include "lse/agent/agent.hpp"
#include "lse/core/stop_signals.hpp"
#include "lse/protocol/clock_offset.hpp"
#include "lse/protocol/messages.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "lse/transport/nats_client.hpp"

namespace lse::agent {

class AgentLoop {
public:
    /// `quiet`: a retry after the broker refused this agent (Agent::Run says so once a minute, not per retry).
    AgentLoop(uv_loop_t* loop, const AgentOptions& options, bool quiet = false);
    ~AgentLoop();
    AgentLoop(const AgentLoop&) = delete;
    AgentLoop& operator=(const AgentLoop&) = delete;

    /// Connects (or starts retrying), then runs the loop until shutdown. Returns the exit code.
    int Run();
    /// Why the broker closed the connection for good (wrong token, TLS, creds: nats.c does not retry those), in
    /// words naming the flags to check; empty when the loop ended otherwise.
    const std::string& Refusal() const noexcept { return refusal_; }

private:
    enum class State : std::uint8_t { kIdle, kPreparing, kReady, kRunning, kDraining, kCount };

    /// Everything about the run this agent is assigned to; reset when it goes idle.
    struct Session {
        protocol::Assignment assignment;  ///< without the plan bytes
        std::unique_ptr<protocol::PlanAssembler> assembler;
        /// Chunked VuPlans being received (one at a time), and the checksums of those taken (resends are skipped).
        std::unique_ptr<protocol::PlanAssembler> vu_plans_assembler;
        std::vector<std::uint64_t> vu_plans_taken;
        PreparedRun prepared;
        std::vector<ExtraVusers> extra_vusers;  ///< closed-model VUs a Rebalance moved here (supplementary run)
        /// Open-model VUs a Rebalance moved here, served by supplementary run `open_extra_run` (-1: none) with
        /// their part of this agent's arrivals; workload i of that run hosts open_extra_vusers[i].
        std::vector<ExtraVusers> open_extra_vusers;
        int open_extra_run = -1;
        /// Superseded open-model supplementary runs, drained once the agent's clock passes the time: they own no
        /// arrival after their Rebalance's instant but still start the ones due before it.
        std::vector<std::pair<int, std::int64_t>> retiring_runs;
        protocol::ClockOffset offset;
        std::uint32_t epoch = 0;
        std::int64_t last_coordinator_ns = 0;
        std::int64_t prepare_deadline_ns = 0;
        std::int64_t final_deadline_ns = 0;
        std::optional<std::int64_t> pending_start_coordinator_ns;
        int heartbeat_sub = -1;
        bool stop_requested = false;
        bool dead_man_fired = false;
        bool acked = false;
        std::string metrics_subject, heartbeat_subject, ack_subject;
        /// A re-joining agent (Assignment.owns_from_coordinator_ns != 0) starts with empty arrival slices and takes
        /// its shares at owns_from: these Reshards, issued once the run is live (ApplyOwnedFromReshards).
        std::vector<std::pair<size_t, sched::ShardSegment>> owned_from_reshards;
        std::int64_t owns_from_ns = 0;  ///< agent clock
        /// Resume check (docs/protocol.md "Resume check"): after a gap longer than the heartbeat interval the
        /// send lease is not renewed until a CoordinatorHeartbeat sent after the resume shows an epoch this agent
        /// has applied (waiting for the Rebalance when it shows a later one).
        bool resume_check = false;
        std::int64_t resumed_ns = 0;           ///< agent clock: when the gap was noticed
        std::uint32_t awaited_epoch = 0;       ///< the latest fresh heartbeat's epoch
        bool fresh_heartbeat = false;          ///< a heartbeat sent after the resume arrived
    };

    static const char* StateName(State s) noexcept;
    protocol::AgentState WireState() const noexcept;
    void Log(std::string_view text) const;
    void SetState(State s, std::string_view why);

    void EnsureSubscribed();
    void OnConnectionEvent(transport::ConnectionEvent event);
    void OnAgentMessage(const transport::Message& msg);
    void OnCoordinatorHeartbeat(const transport::Message& msg);
    void OnAssignment(std::string_view subject_run, std::string_view data);
    void OnPlanChunk(std::string_view data);
    void OnPlanComplete(std::string plan);
    void OnVuPlans(std::string_view data);
    void OnVuPlansChunk(const protocol::PlanChunk& chunk);
    void TakeVuPlans(std::uint64_t checksum, std::string_view bytes);
    void OnClockSynced(const std::string& run_id, bool ok, const protocol::ClockOffset& offset);
    void OnStart(std::string_view data);
    void OnStop(std::string_view data);
    void OnRebalance(std::string_view data);
    std::string ApplyExtraVusers(std::vector<ExtraVusers> extra, std::int64_t from_ns, std::uint32_t epoch);
    std::string ApplyOpenExtraVusers(std::vector<ExtraVusers> extra,
                                     const std::vector<std::pair<std::string, sched::ShardSegment>>& parts,
                                     std::int64_t from_ns, std::uint32_t epoch);
    void RetireSupplementaryRuns(std::int64_t now);
    void OnMetricsAck(std::string_view data);
    void OnLoadEvents();
    void OnTick();
    void OnSignal(int signum);

    bool IsSessionRun(std::string_view run_id) const noexcept;
    void BeginSession(protocol::Assignment assignment);
    void StartLoad(std::int64_t start_at_coordinator_ns);
    void ApplyOwnedFromReshards();
    void BeginResumeCheck(std::int64_t now, std::int64_t gap_ns);
    void MaybeConfirmAssignment(const std::uint32_t* fresh_epoch);
    void SendAck();
    void FinishRun(metrics::Snapshot total, const std::string& error);
    void EndSession(std::string_view why);
    void Reject(std::string_view run_id, protocol::RejectReason reason, const std::string& detail);
    void PublishRegister();
    void PublishHeartbeat();
    void PublishMetrics(bool is_final, metrics::Snapshot snapshot);
    void Shutdown();

    uv_loop_t* loop_;
    AgentOptions options_;
    transport::NatsClient nats_;
    ClockSync clock_;
    MetricsOutbox outbox_;
    MetricsCheckpoint checkpoint_;  // reset with outbox_
    std::unique_ptr<LoadThread> load_;
    uv_async_t wake_{};
    uv_timer_t tick_{};
    std::int64_t last_tick_ns_ = 0;  // when OnTick last ran (freeze detection)
    uv_signal_t sigint_{};
    uv_signal_t sigterm_{};

    State state_ = State::kIdle;
    Session session_;
    std::string register_subject_;
    std::string inbox_subject_;
    int inbox_sub_ = -1;
    std::int64_t next_register_ns_ = 0;
    std::int64_t next_heartbeat_ns_ = 0;
    bool announced_idle_ = false;
    bool shutting_down_ = false;
    StopSignals signals_{SigtermRule::kDrains};  ///< SIGINT and SIGTERM alike: the first stops, a second insists
    bool closed_ = false;
    int exit_code_ = 0;
    bool quiet_ = false;
    std::string refusal_;
};

}  // namespace lse::agent
