#pragma once
/// @file
/// The coordinator side of docs/protocol.md: registration, plan delivery, synchronised start, metrics
/// merging (exact, deduplicated by (agent, seq)), heartbeats, agent timeout with redistribution and recovery,
/// stop and final totals.
///
/// Threads: the NATS client lives on a private libuv loop thread that runs every handler and the 1 s timer
/// (heartbeat, timeouts, resends); the caller's thread drives the phases through the blocking methods below.
/// One mutex guards the state both share; publishing is thread-safe in the transport.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lse/coordinator/region_weights.hpp"
#include "lse/coordinator/rebalance_policy.hpp"
#include "lse/coordinator/shares.hpp"
#include "lse/coordinator/seq_window.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/protocol/limits.hpp"
#include "lse/protocol/messages.hpp"
#include "lse/transport/nats_options.hpp"

namespace lse::coordinator {

struct CoordinatorOptions {
    transport::NatsOptions nats;
    std::string cluster_id = "default";
    std::string run_id;        ///< unique per run (subjects are scoped by it)
    std::string group;         ///< --agent-group: only agents of this group; empty = any
    int agents = 1;            ///< how many agents the run needs
    std::int64_t agent_timeout_ns = protocol::kAgentTimeoutNs;
    std::int64_t ack_timeout_ns = 30 * kNsPerSec;     ///< all AssignmentAcks within this, else a setup error
    std::int64_t ack_resend_ns = 5 * kNsPerSec;       ///< resend the Assignment to agents that have not acked
    std::int64_t start_lead_ns = 1 * kNsPerSec;       ///< Start{start_at = now + lead}
    std::int64_t rebalance_lead_ns = 1 * kNsPerSec;   ///< Rebalance{from = now + lead}
    /// A restarted agent owns arrivals again from now + this (after the "timed out" Rebalance's instant, and
    /// long enough for it to prepare the plan and ack); it is re-timed when its ack comes later than that.
    std::int64_t rejoin_lead_ns = 2 * kNsPerSec;
    /// --rebalance: move open-model arrivals away from agents whose generator is saturated, and back when they
    /// recover (RebalancePolicy). false: static shares (timeouts still redistribute).
    bool rebalance = true;
    RebalancePolicyOptions rebalance_policy;
    std::function<void(const std::string&)> log;      ///< one line per event (no newline); null = silent
    /// --region-weights (ParseRegionWeights): shares go to regions first, then by capacity within a region
    /// (RegionWeights). Empty: by capacity alone. WaitForAgents checks the agents against it.
    std::vector<RegionWeight> region_weights;
};

/// kRejoined: the agent process restarted during the run and was re-assigned (docs/protocol.md).
enum class AgentState : std::uint8_t { kActive, kTimedOut, kRecovered, kRejoined, kCount };
const char* AgentStateName(AgentState state) noexcept;  ///< "active", "timed out", "recovered", "rejoined"

/// A share move made because an agent's load generator was saturated or recovered (not the timeout moves, which
/// the agent states tell), for the per-agent table and the summary JSON.
struct RebalanceEvent {
    std::int64_t at_ns = 0;         ///< when the share moved (the Rebalance's `from`), from the start of load
    std::string agent;              ///< the agent that was saturated or recovered
    std::vector<std::string> from;  ///< agents whose share went down
    std::vector<std::string> to;    ///< agents whose share went up
    double share_before = 0;        ///< `agent`'s share of the arrivals (0..1) before the move...
    double share_after = 0;         ///< ...and after it
    std::string why;                ///< "saturated: lag p99 23 ms", "recovered"
};

/// A time a --region-weights region had no agent taking load (all of its agents lost or finished early): its part
/// of the mix went to the other regions, so the traffic mix was not the one asked for. Said under the summary.
struct RegionGap {
    std::string region;
    double weight = 0;       ///< its part of --region-weights, 0..1
    std::int64_t from_ns = 0;  ///< from the start of load
    std::int64_t to_ns = -1;   ///< when one of its agents took load again; -1: to the end of the run
};

/// One agent's part of the run, for the per-agent table.
struct AgentReport {
    std::string id;
    std::string host;
    std::string region;               ///< its --region; empty = none
    std::uint32_t capacity = 1;
    double share = 0;                 ///< of the arrivals, in the initial assignment (0..1)
    /// its final cumulative total, or (no final) the sum of its intervals; plus, for a restarted agent, what
    /// its earlier incarnations delivered
    metrics::Snapshot total;
    bool final_received = false;
    AgentState state = AgentState::kActive;
    /// Loss accounting of its open-model arrivals (docs/protocol.md, "Loss accounting"), in arrivals: task
    /// iterations (requests for a scenario without tasks). planned = sent + dropped + lost, exactly. Filled only
    /// with totals, and only for scenarios with a profile.
    std::int64_t planned = 0;  ///< arrivals its share history gave it over the load window
    std::int64_t sent = 0;     ///< arrivals it reported started
    std::int64_t dropped = 0;  ///< arrivals it reported dropped (overdue, no free VU)
    /// Planned for it but never reported: non-zero only for an agent (or an earlier incarnation of it) whose
    /// final totals never came. Some of them were sent before it died: see unreported_estimate.
    std::int64_t lost = 0;
    /// Of `lost`, about how many it sent but never reported (its last interval's rate over the time from that
    /// interval's end until it died, assumed half a heartbeat interval after it was last seen). An estimate.
    std::int64_t unreported_estimate = 0;
    /// Requests (any model) it probably sent but never reported because its final totals (or an earlier
    /// incarnation's) never came: its last interval's request rate over the same gap. An estimate; 0 for an agent
    /// whose every incarnation delivered its final totals.
    std::int64_t unreported_requests = 0;
    std::int64_t last_seen_ns = 0;  ///< when it was last heard of, from the run's start (0: before the start)
    double share_now = 0;           ///< of the arrivals, in the latest epoch (0..1)
    std::vector<RebalanceEvent> rebalances;  ///< the health moves of which it was the subject, in order
};

class Coordinator {
public:
    explicit Coordinator(CoordinatorOptions options);
    ~Coordinator();  ///< Close().
    Coordinator(const Coordinator&) = delete;
    Coordinator& operator=(const Coordinator&) = delete;

    /// Starts the loop thread, connects, subscribes. Throws lse::SetupError (cannot connect...).
    void Connect();

    /// Blocks until `options.agents` agents of the cluster (and group) registered; returns their Registers (sorted
    /// by agent id). Throws lse::SetupError after wait_ns listing who registered, or when `check` throws
    /// (it is called about every 100 ms: local agents that died, Ctrl-C).
    std::vector<protocol::Register> WaitForAgents(std::int64_t wait_ns, const std::function<void()>& check);

    /// Sends every selected agent its Assignment (plan inline or chunked) and waits for all acks, resending to
    /// the silent ones. Throws lse::SetupError on a Reject or after ack_timeout_ns (naming the agents).
    void Assign(const std::string& plan_bytes, const std::vector<AgentScenario>& scenarios,
                const std::function<void()>& check);
    /// Before Assign: each agent gets plan_for_agent(its index, every agent's capacity, its Assignment's shares)
    /// instead of plan_bytes: only the virtual users it hosts and its slice of the data files
    /// (PlanAssembly::BytesForAgent). A re-assignment sends the agent the same plan. Virtual users a Rebalance
    /// moves to an agent that was not sent their plans go first in VuPlans messages, cut from their first host's
    /// plan (MovedPlans; docs/protocol.md "Plan slices").
    using AgentPlan = std::function<std::string(std::size_t agent, const std::vector<double>& capacities,
                                                const std::vector<protocol::ScenarioShare>& shares)>;
    void SetAgentPlans(AgentPlan plan_for_agent);

    /// Sends Start{now + start_lead}; returns start_at (this process's monotonic clock).
    std::int64_t Start();

    /// Merged interval metrics received since the previous call (exact merge). With `regions` (and when some agent
    /// of the run has a --region), also the same interval per region (RegionOf each agent): the regions' snapshots
    /// add up to the returned one exactly. Without regions `*regions` is left empty.
    metrics::Snapshot TakeInterval(std::map<std::string, metrics::Snapshot>* regions = nullptr);
    /// True when some agent of the run has a --region: results are broken down by region.
    bool HasRegions() const;

    /// True when every agent either delivered its final total or is timed out.
    bool AllDone() const;

    /// Stop to every agent (reason, abort); later calls resend it.
    void Stop(protocol::StopReason reason, bool abort, const std::string& detail);

    /// Waits until AllDone() or timeout; false on timeout.
    bool WaitForFinals(std::int64_t timeout_ns, const std::function<bool()>& cancelled);

    /// Per agent, in agent-index order. with_totals=false leaves AgentReport::total empty (the live view asks
    /// every second and needs only the states).
    std::vector<AgentReport> Reports(bool with_totals = true) const;
    /// Merge of every agent's total (finals; last known sums for the others).
    metrics::Snapshot Total() const;
    /// Agents whose final total is missing.
    std::vector<std::string> MissingFinals() const;
    /// The times a --region-weights region had no agent taking load, in order.
    std::vector<RegionGap> RegionGaps() const;
    /// Generator health entries dropped because an agent's Metrics carried an id other than its own (each agent
    /// reports only its own generator: another id would let one agent speak for another in the health table).
    std::uint64_t ForeignGeneratorsDropped() const;

    /// Stops the loop thread and closes the connection. Idempotent.
    void Close() noexcept;

    /// Since when (monotonic ns) the connection to the broker is down, 0 while it is up. nats.c keeps trying to
    /// reconnect meanwhile; the caller decides how long a run may go on without its broker (agents' metrics are
    /// held in their outboxes and resent on reconnect, but nothing can be stopped or rebalanced).
    std::int64_t DisconnectedSinceNs() const noexcept { return disconnected_since_ns_.load(); }
    /// True once nats.c gave up reconnecting (ConnectionEvent::kClosed): the broker is lost for good.
    bool ConnectionClosed() const noexcept { return connection_closed_.load(); }

private:
    struct Agent {
        protocol::Register reg;
        std::uint32_t index = 0;
        std::int64_t last_seen_ns = 0;
        bool acked = false;
        std::int64_t assigned_at_ns = 0;
        std::vector<protocol::ScenarioShare> shares;  ///< current epoch's shares
        SeqWindow seen_seqs;  // metrics seqs merged (bounded: see seq_window.hpp)
        // In case its final never comes (docs/protocol.md, "Checkpoints"): its latest checkpoint (the sum of its
        // intervals before checkpoint_seq) and the intervals it sent after that, all as the snapshot bytes they
        // came in. Each interval is merged once, into the pending interval; these are decoded only when needed
        // (IntervalSum), instead of a running sum per agent that every interval was also merged into.
        std::string checkpoint;
        std::uint64_t checkpoint_seq = 0;
        std::map<std::uint64_t, std::string> since_checkpoint;
        bool warned_foreign = false;  // logged once that its Metrics carried another generator's health
        metrics::Snapshot final_total;
        bool final_received = false;
        AgentState state = AgentState::kActive;
        std::uint32_t epoch_seen = 0;
        double initial_share = 0;
        std::vector<protocol::ScenarioShare> initial_shares;
        std::string plan;  // its own plan (SetAgentPlans), else empty: plan_
        // Plan slices (SetAgentPlans): the ids, per scenario and increasing, whose plans its current incarnation was
        // sent (its Assignment's, then VuPlans'), and each epoch's VuPlans (encoded messages, chunks after) with
        // when they last went, for resends while it lags.
        std::vector<std::vector<std::int64_t>> has_plans;
        std::map<std::uint32_t, std::vector<std::string>> vu_plans;
        std::map<std::uint32_t, std::int64_t> vu_plans_sent_ns;
        // Restarts (OnRegister of an agent of the run): the current incarnation is `attempt`; what earlier
        // incarnations delivered is kept in `archived`. While `rejoin_pending`, its re-Assignment (owning
        // arrivals from `owns_from_ns`) waits for the ack; `rejoin_began_ns` bounds the wait.
        std::uint32_t attempt = 0;
        metrics::Snapshot archived;
        bool rejoin_pending = false;
        std::int64_t owns_from_ns = 0;
        std::int64_t rejoin_began_ns = 0;
        // Loss accounting: every Rebalance's (from, shares) in order, after the Assignment's initial_shares; the
        // end (coordinator clock) and arrival rate of its latest interval; the estimate of what earlier
        // incarnations sent but never reported.
        std::vector<std::pair<std::int64_t, std::vector<protocol::ScenarioShare>>> share_history;
        std::int64_t last_interval_end_ns = 0;
        double last_interval_rate = 0;          // arrivals per second (open-model scenarios)
        double last_interval_request_rate = 0;  // requests per second (every scenario, any model)
        double archived_unreported = 0;
        double archived_unreported_requests = 0;
    };

    void LoopMain(std::promise<void>* connected);
    void OnRegister(const transport::Message& m);
    void OnTime(const transport::Message& m);
    void OnMetrics(const transport::Message& m);
    void OnHeartbeat(const transport::Message& m);
    void OnAck(const transport::Message& m);
    void OnTick();
    void SendAssignment(Agent& a);          // mu_ held
    void BeginRejoin(Agent& a, std::int64_t now);   // mu_ held: a restarted agent registered during the run
    void RetimeRejoin(Agent& a, std::int64_t now);  // mu_ held: new attempt, owns_from = now + rejoin lead
    void CompleteRejoin(Agent& a, std::int64_t now);  // mu_ held: its ack came in time: Start + Rebalance
    /// from_ns = 0: now + rebalance_lead_ns.
    void Rebalance(const char* why, std::int64_t from_ns = 0);  // mu_ held
    /// The Rebalance of `epoch` (its from and a's shares then: share_history); 0 = the current one.
    void SendRebalance(const Agent& a, std::uint32_t epoch = 0);  // mu_ held
    /// Plan slices: for every agent that takes load, the VuPlans of the virtual users `shares` give it whose plans
    /// it was not sent (kept in vu_plans[epoch_], not sent yet). Returns how many users' plans go out.
    std::int64_t PrepareVuPlans(const std::vector<std::vector<protocol::ScenarioShare>>& shares);  // mu_ held
    void SendVuPlans(Agent& a, std::uint32_t epoch, std::int64_t now);  // mu_ held; no-op without any
    void ResetPlansSent(Agent& a);  // mu_ held: what its Assignment's plan holds (a new incarnation)
    /// The weights arrivals are split by: capacities of the agents that take load (0 for the others), times
    /// the rebalance policy's factors (mu_ held).
    std::vector<double> ArrivalWeights(const Agent* also_taking = nullptr) const;
    void ObserveHealth(const Agent& a, const metrics::Snapshot& interval);  // mu_ held
    void RebalanceForHealth(std::int64_t now);                             // mu_ held
    double ArrivalShare(const Agent& a) const;                             // mu_ held
    void Seen(Agent& a, std::int64_t now);  // mu_ held
    /// The sum of the agent's intervals of its current incarnation: its checkpoint plus the intervals after it
    /// (mu_ held; decodes them).
    metrics::Snapshot IntervalSum(const Agent& a) const;
    /// Drops generator entries other than the agent's own from a decoded final or checkpoint; returns how many.
    std::size_t DropForeignGenerators(Agent& a, metrics::Snapshot* s);  // mu_ held
    void CountForeign(Agent& a, std::size_t n);                         // mu_ held: counts, logs once
    /// The run's agent with this id, or null (mu_ held). A lookup, not a scan: with 1000 agents every message of
    /// every agent would otherwise compare ids with half of them.
    Agent* FindAgent(std::string_view id);
    /// What it sent but never reported since its last interval, if it died (mu_ held; arrivals, unrounded).
    /// What an agent probably sent after its last reported interval until it died, at `rate` per second.
    double UnreportedSinceLastInterval(const Agent& a, double rate) const;
    void Account(const Agent& a, AgentReport* r) const;  // mu_ held: fills planned..last_seen_ns
    /// The weights shares are split by: `capacities` (one per agent, 0 = takes nothing) through the run's
    /// --region-weights (mu_ held).
    std::vector<double> ShareWeights(const std::vector<double>& capacities) const;
    /// Logs the --region-weights regions whose agents all stopped taking load (and those back again) and records
    /// the gap (region_gaps_) from at_ns (absolute).
    void LogRegionsWithoutTaker(const std::vector<double>& weights, std::int64_t at_ns);
    void Log(const std::string& line) const;
    bool Publish(const std::string& subject, const std::string& data);

    CoordinatorOptions options_;
    std::unique_ptr<struct LoopState> loop_;
    std::thread thread_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, protocol::Register> registered_;
    std::vector<std::string> ignored_;  ///< already logged (wrong group, version)
    std::vector<Agent> agents_;         ///< selected for the run, by index
    std::map<std::string, std::size_t, std::less<>> agent_index_;  ///< agent id -> index in agents_
    std::string plan_;
    AgentPlan plan_for_agent_;
    bool sliced_ = false;  ///< agents got only their virtual users' plans (SetAgentPlans): takeovers send VuPlans
    std::vector<AgentScenario> scenarios_;
    std::vector<std::string> rejected_;
    bool started_ = false;
    std::int64_t start_at_ns_ = 0;
    std::uint32_t epoch_ = 0;
    std::vector<std::string> regions_without_taker_;  ///< LogRegionsWithoutTaker's last finding
    std::vector<RegionGap> region_gaps_;               ///< every gap so far, in order
    std::int64_t rebalance_from_ns_ = 0;
    std::int64_t rebalance_sent_ns_ = 0;
    std::int64_t stop_sent_ns_ = 0;
    std::int64_t first_stop_ns_ = 0;  ///< the first Stop: arrivals planned after it are not owed by anyone
    std::map<std::string, std::int64_t> last_register_ns_;
    bool stopping_ = false;
    protocol::Stop stop_msg_;
    metrics::Snapshot pending_interval_;
    // With regions, each agent's intervals are merged into its region's pending snapshot only (pending_interval_
    // stays empty) and TakeInterval adds the few regions up: one merge per message, as without regions.
    bool regions_ = false;
    std::map<std::string, metrics::Snapshot> pending_regions_;
    std::unique_ptr<RebalancePolicy> policy_;  // after Assign, when rebalancing is on and arrivals can move
    std::vector<RebalanceEvent> rebalances_;
    metrics::Snapshot decode_scratch_;  // OnMetrics decodes finals into it (guarded by mu_)
    metrics::AddSummary add_summary_;   // what OnMetrics' fused merge of an interval read (guarded by mu_)
    std::uint64_t foreign_generators_ = 0;
    std::atomic<std::int64_t> disconnected_since_ns_{0};  // set by the loop thread's connection events
    std::atomic<bool> connection_closed_{false};
};

/// Each region's total (AgentReport::total summed over its agents; agents without a region under kNoRegion);
/// empty when no agent has a region.
std::map<std::string, metrics::Snapshot> TotalsByRegion(const std::vector<AgentReport>& reports);

}  // namespace lse::coordinator
