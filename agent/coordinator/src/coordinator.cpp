#include "lse/coordinator/coordinator.hpp"

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "lse/coordinator/arrival_count.hpp"
#include "lse/coordinator/moved_plans.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/sched/arrival_schedule.hpp"
#include "lse/transport/nats_client.hpp"
#include "lse/uv/close.hpp"

namespace lse::coordinator {

namespace subj = protocol::subjects;
using protocol::AgentChannel;

struct LoopState {
    uv_loop_t loop{};
    uv_timer_t tick{};
    uv_async_t stop{};
    std::unique_ptr<transport::NatsClient> client;
    Coordinator* owner = nullptr;
};

namespace {

std::int64_t NowNs() { return MonotonicClock().NowNs(); }

// Registrations older than this are from agents that went away (idle agents re-announce every 3 s).
constexpr std::int64_t kRegistrationStaleNs = 10 * kNsPerSec;
// A re-joining agent's ack must come at least this long before its owns_from: Start and Rebalance still have
// to reach it (and the others) before that instant.
constexpr std::int64_t kRejoinMarginNs = 300 * kNsPerMs;
// A lagging agent's VuPlans (up to a lost agent's whole slice) go again at most this often; its Rebalance more often.
constexpr std::int64_t kVuPlansResendNs = 5 * kNsPerSec;

}  // namespace

const char* AgentStateName(AgentState state) noexcept {
    switch (state) {
        case AgentState::kActive: return "active";
        case AgentState::kTimedOut: return "timed out";
        case AgentState::kRecovered: return "recovered";
        case AgentState::kRejoined: return "rejoined";
        case AgentState::kCount: break;
    }
    return "?";
}

Coordinator::Coordinator(CoordinatorOptions options) : options_(std::move(options)) {
    protocol::ValidateId("--cluster-id", options_.cluster_id);
    protocol::ValidateId("run id", options_.run_id);
    protocol::ValidateOptionalId("--agent-group", options_.group);
    if (options_.agents < 1) throw UsageError("the number of agents must be at least 1");
}

Coordinator::~Coordinator() { Close(); }

void Coordinator::Log(const std::string& line) const {
    if (options_.log) options_.log(line);
}

bool Coordinator::Publish(const std::string& subject, const std::string& data) {
    return loop_ && loop_->client && loop_->client->Publish(subject, data);
}

void Coordinator::Connect() {
    loop_ = std::make_unique<LoopState>();
    loop_->owner = this;
    std::promise<void> connected;
    std::future<void> done = connected.get_future();
    thread_ = std::thread([this, &connected] { LoopMain(&connected); });
    try {
        done.get();
    } catch (...) {
        if (thread_.joinable()) thread_.join();
        loop_.reset();
        throw;
    }
}

void Coordinator::LoopMain(std::promise<void>* connected) {
    LoopState& s = *loop_;
    uv_loop_init(&s.loop);
    try {
        s.client = std::make_unique<transport::NatsClient>(&s.loop, options_.nats);
        s.client->Connect();
        const std::string& c = options_.cluster_id;
        const std::string& r = options_.run_id;
        s.client->Subscribe(subj::Register(c), [this](const transport::Message& m) { OnRegister(m); });
        s.client->Subscribe(subj::Time(c), [this](const transport::Message& m) { OnTime(m); });
        s.client->Subscribe(subj::AllMetrics(c, r), [this](const transport::Message& m) { OnMetrics(m); });
        s.client->Subscribe(subj::AllHeartbeats(c, r), [this](const transport::Message& m) { OnHeartbeat(m); });
        s.client->Subscribe(subj::AllAcks(c, r), [this](const transport::Message& m) { OnAck(m); });
        s.client->OnEvent([this](transport::ConnectionEvent e) {
            if (e == transport::ConnectionEvent::kDisconnected) {
                std::int64_t none = 0;
                disconnected_since_ns_.compare_exchange_strong(none, NowNs());
            } else if (e == transport::ConnectionEvent::kReconnected || e == transport::ConnectionEvent::kConnected) {
                disconnected_since_ns_ = 0;
            } else if (e == transport::ConnectionEvent::kClosed) {
                connection_closed_ = true;
            }
            Log(std::string("NATS connection: ") + transport::ToString(e));
        });
        s.client->Flush(2 * kNsPerSec);
    } catch (...) {
        if (s.client) {
            s.client->Close();
            s.client.reset();
        }
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        connected->set_exception(std::current_exception());
        return;
    }
    s.tick.data = this;
    uv_timer_init(&s.loop, &s.tick);
    uv_timer_start(
        &s.tick, [](uv_timer_t* t) { static_cast<Coordinator*>(t->data)->OnTick(); },
        static_cast<std::uint64_t>(protocol::kHeartbeatIntervalNs / kNsPerMs),
        static_cast<std::uint64_t>(protocol::kHeartbeatIntervalNs / kNsPerMs));
    s.stop.data = &s;
    uv_async_init(&s.loop, &s.stop, [](uv_async_t* a) {
        auto* st = static_cast<LoopState*>(a->data);
        uv_timer_stop(&st->tick);
        uv::Close(&st->tick);  // members of the loop state, which outlives uv_run
        uv::Close(&st->stop);
        st->client->Close();
    });
    connected->set_value();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    s.client.reset();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
}

void Coordinator::Close() noexcept {
    if (!thread_.joinable()) return;
    uv_async_send(&loop_->stop);
    thread_.join();
    loop_.reset();
}

// ---- handlers (loop thread) ----

void Coordinator::OnRegister(const transport::Message& m) {
    protocol::Register reg;
    std::string error;
    if (!protocol::DecodeRegister(m.data, &reg, &error)) {
        Log("ignoring a malformed registration: " + error);
        return;
    }
    if (reg.cluster_id != options_.cluster_id) return;
    std::lock_guard lock(mu_);
    auto note_ignored = [&](const std::string& why) {
        const std::string line = reg.agent_id + " (" + why + ")";
        if (std::find(ignored_.begin(), ignored_.end(), line) != ignored_.end()) return;
        ignored_.push_back(line);
        Log("ignoring agent " + line);
    };
    if (reg.protocol_version != protocol::kProtocolVersion) {
        note_ignored("protocol version " + std::to_string(reg.protocol_version) + ", this coordinator speaks " +
                     std::to_string(protocol::kProtocolVersion));
        return;
    }
    if (!options_.group.empty() && reg.group != options_.group) {
        note_ignored("group '" + reg.group + "', not '" + options_.group + "'");
        return;
    }
    const bool is_new = registered_.find(reg.agent_id) == registered_.end();
    last_register_ns_[reg.agent_id] = NowNs();
    if (is_new) {
        Log("agent " + reg.agent_id + " registered (" + reg.hostname + ", capacity " + std::to_string(reg.capacity) +
            ")");
    }
    registered_[reg.agent_id] = reg;
    for (Agent& a : agents_) {
        // A registering agent is idle: one of the run registering while the run goes on restarted and lost its
        // run (unless it is already being re-assigned and just has not seen its Assignment yet).
        if (a.reg.agent_id != reg.agent_id || !started_ || stopping_ || a.final_received || a.rejoin_pending) continue;
        a.reg = reg;  // the new process (pid, capacity)
        BeginRejoin(a, NowNs());
    }
    cv_.notify_all();
}

void Coordinator::OnTime(const transport::Message& m) {
    protocol::TimeRequest req;
    if (m.reply.empty() || !protocol::DecodeTimeRequest(m.data, &req, nullptr)) return;
    protocol::TimeReply reply{req.t0_agent_ns, NowNs()};
    loop_->client->Publish(m.reply, protocol::EncodeTimeReply(reply));
}

void Coordinator::OnAck(const transport::Message& m) {
    const auto type = protocol::PeekMessageType(m.data);
    if (!type) return;
    std::lock_guard lock(mu_);
    if (*type == protocol::MessageType::kAssignmentAck) {
        protocol::AssignmentAck ack;
        if (!protocol::DecodeAssignmentAck(m.data, &ack, nullptr) || ack.run_id != options_.run_id) return;
        if (subj::LastToken(m.subject) != ack.agent_id) return;
        for (Agent& a : agents_) {
            if (a.reg.agent_id != ack.agent_id || ack.attempt != a.attempt) continue;  // an earlier incarnation's
            if (a.rejoin_pending) {
                CompleteRejoin(a, NowNs());
                continue;
            }
            if (!a.acked) Log("agent " + a.reg.agent_id + " is ready");
            a.acked = true;
            a.last_seen_ns = NowNs();
        }
    } else if (*type == protocol::MessageType::kReject) {
        protocol::Reject rej;
        if (!protocol::DecodeReject(m.data, &rej, nullptr)) return;
        if (!rej.run_id.empty() && rej.run_id != options_.run_id) return;
        const std::string line = rej.agent_id + ": " + std::string(protocol::RejectReasonName(rej.reason)) +
                                 (rej.detail.empty() ? "" : " (" + rej.detail + ")");
        Log("agent rejected the plan: " + line);
        rejected_.push_back(line);
    }
    cv_.notify_all();
}

void Coordinator::OnMetrics(const transport::Message& m) {
    protocol::Metrics msg;
    std::string error;
    if (!protocol::DecodeMetrics(m.data, &msg, &error)) {
        Log("ignoring malformed metrics: " + error);
        return;
    }
    if (msg.run_id != options_.run_id || subj::LastToken(m.subject) != msg.agent_id) return;
    std::lock_guard lock(mu_);
    Agent* found = FindAgent(msg.agent_id);
    if (found == nullptr) return;
    Agent& a = *found;
    // Late messages of an earlier incarnation (its seqs overlap the current one's): archived already, or lost.
    if (msg.attempt != a.attempt) return;
    // Acked before merging: a duplicate (the agent missed our ack) is acked again, never merged twice.
    Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kMetricsAck),
            protocol::EncodeMetricsAck(protocol::MetricsAck{options_.run_id, msg.seq}));
    if (!a.seen_seqs.Insert(msg.seq)) return;
    if (msg.is_final) {
        // Decoded into a snapshot kept across messages: its entries and histogram pages are reused.
        metrics::Snapshot& snap = decode_scratch_;
        if (!metrics::Snapshot::Decode(msg.snapshot, &snap, &error)) {
            Log("agent " + a.reg.agent_id + " sent undecodable metrics (seq " + std::to_string(msg.seq) + "): " + error);
            return;
        }
        DropForeignGenerators(a, &snap);
        a.final_total = std::move(snap);
        a.checkpoint.clear();
        a.since_checkpoint.clear();
        if (!a.final_received) Log("agent " + a.reg.agent_id + " delivered its final totals");
        a.final_received = true;
    } else if (msg.is_checkpoint) {
        // Kept as bytes (decoded only if the final never comes); an older one (a resend) is covered already.
        if (msg.seq > a.checkpoint_seq) {
            a.checkpoint = std::move(msg.snapshot);
            a.checkpoint_seq = msg.seq;
            a.since_checkpoint.erase(a.since_checkpoint.begin(), a.since_checkpoint.lower_bound(msg.seq));
        }
    } else {
        // Merged once, straight from the wire into the pending interval (bench/merge_benchmark.cpp: no scratch
        // snapshot, no per-agent running sum to merge into as well).
        metrics::Snapshot& into = regions_ ? pending_regions_[RegionOf(a.reg)] : pending_interval_;
        metrics::AddSummary& seen = add_summary_;
        if (!metrics::Snapshot::AddEncoded(msg.snapshot, &into, &error, &seen, a.reg.agent_id)) {
            // Part of it may be in the live view's interval now; the totals (finals, or checkpoints and the
            // intervals kept below, decoded whole) leave it out as before.
            Log("agent " + a.reg.agent_id + " sent undecodable metrics (seq " + std::to_string(msg.seq) + "): " + error);
            return;
        }
        if (seen.foreign_generators > 0) CountForeign(a, seen.foreign_generators);
        ObserveHealth(a, *seen.health);
        // Its latest interval's rate: what it probably kept sending after its last report, if it dies.
        if (seen.end_ns > seen.start_ns && seen.end_ns > a.last_interval_end_ns) {
            a.last_interval_end_ns = seen.end_ns;
            const double secs = static_cast<double>(seen.end_ns - seen.start_ns) / 1e9;
            a.last_interval_rate = static_cast<double>(CountArrivals(seen.rows, scenarios_).sent) / secs;
            a.last_interval_request_rate = static_cast<double>(seen.requests) / secs;
        }
        // Not covered by its latest checkpoint: kept until a later one covers it (or the final comes).
        if (msg.seq > a.checkpoint_seq) a.since_checkpoint.emplace(msg.seq, std::move(msg.snapshot));
    }
    Seen(a, NowNs());
    cv_.notify_all();
}

void Coordinator::OnHeartbeat(const transport::Message& m) {
    protocol::Heartbeat hb;
    if (!protocol::DecodeHeartbeat(m.data, &hb, nullptr)) return;
    if (hb.run_id != options_.run_id || subj::LastToken(m.subject) != hb.agent_id) return;
    std::lock_guard lock(mu_);
    if (Agent* found = FindAgent(hb.agent_id); found != nullptr && hb.attempt == found->attempt) {
        Agent& a = *found;
        const std::int64_t now = NowNs();
        Seen(a, now);
        a.epoch_seen = hb.epoch;
        // Epochs it applied needed every plan they named: those VuPlans will not go again.
        a.vu_plans.erase(a.vu_plans.begin(), a.vu_plans.upper_bound(hb.epoch));
        a.vu_plans_sent_ns.erase(a.vu_plans_sent_ns.begin(), a.vu_plans_sent_ns.upper_bound(hb.epoch));
        if (started_ && !stopping_ && hb.epoch < epoch_ && a.state != AgentState::kTimedOut &&
            now - rebalance_sent_ns_ > 2 * kNsPerSec) {
            // A Rebalance was lost (reconnect), or waits for plans that were: every one it missed goes again, in
            // order, each after the plans it needs. Only the latest would not do: the agent would keep its old
            // slice until that one's `from`, over the others' new slices since the missed one's (it waits for each
            // epoch in turn, docs/protocol.md).
            for (std::uint32_t e = hb.epoch + 1; e <= epoch_; ++e) {
                const auto sent = a.vu_plans_sent_ns.find(e);
                if (sent != a.vu_plans_sent_ns.end() && now - sent->second >= kVuPlansResendNs) SendVuPlans(a, e, now);
                SendRebalance(a, e);
            }
        }
    }
}

Coordinator::Agent* Coordinator::FindAgent(std::string_view id) {
    const auto it = agent_index_.find(id);
    return it == agent_index_.end() ? nullptr : &agents_[it->second];
}

void Coordinator::Seen(Agent& a, std::int64_t now) {
    a.last_seen_ns = now;
    if (a.rejoin_pending) return;  // alive while it prepares its re-assignment; not "back" with its old run
    if (a.state == AgentState::kTimedOut) {
        a.state = AgentState::kRecovered;
        Log("agent " + a.reg.agent_id + " is back: restoring its share");
        if (started_ && !stopping_) Rebalance("recovered");
    }
}

void Coordinator::OnTick() {
    const std::int64_t now = NowNs();
    Publish(subj::CoordinatorHeartbeat(options_.cluster_id, options_.run_id),
            protocol::EncodeCoordinatorHeartbeat(protocol::CoordinatorHeartbeat{options_.run_id, epoch_, now}));
    std::lock_guard lock(mu_);
    if (!started_) {
        for (Agent& a : agents_) {
            if (!a.acked && a.assigned_at_ns > 0 && now - a.assigned_at_ns >= options_.ack_resend_ns) {
                Log("agent " + a.reg.agent_id + " has not acknowledged its plan: sending it again");
                SendAssignment(a);
            }
        }
        return;
    }
    if (stopping_) {
        if (now - stop_sent_ns_ >= 3 * kNsPerSec) {
            stop_sent_ns_ = now;
            for (const Agent& a : agents_) {
                if (a.final_received) continue;
                Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kStop),
                        protocol::EncodeStop(stop_msg_));
            }
        }
        return;
    }
    // A re-assignment whose ack did not come in time: its owns_from is about to pass, so it is re-timed (a new
    // attempt), or abandoned once the agent had as long as a first assignment gets.
    for (Agent& a : agents_) {
        if (!a.rejoin_pending || now + kRejoinMarginNs < a.owns_from_ns) continue;
        if (now - a.rejoin_began_ns >= options_.ack_timeout_ns) {
            a.rejoin_pending = false;
            Log("agent " + a.reg.agent_id + " did not acknowledge its re-assignment within " +
                FormatDurationNs(options_.ack_timeout_ns) + ": its share stays redistributed");
        } else {
            RetimeRejoin(a, now);
        }
    }
    bool lost = false;
    for (Agent& a : agents_) {
        if (a.state == AgentState::kTimedOut || a.final_received) continue;
        if (now - a.last_seen_ns > options_.agent_timeout_ns) {
            a.state = AgentState::kTimedOut;
            Log("agent " + a.reg.agent_id + " timed out (silent for " + FormatDurationNs(now - a.last_seen_ns) +
                "): redistributing its share");
            lost = true;
        }
    }
    if (lost) {
        Rebalance("timed out");
    } else {
        RebalanceForHealth(now);
    }
}

// ---- sending (mu_ held) ----

void Coordinator::SendAssignment(Agent& a) {
    protocol::Assignment as;
    as.cluster_id = options_.cluster_id;
    as.run_id = options_.run_id;
    as.agent_id = a.reg.agent_id;
    as.agent_index = a.index;
    as.agent_count = static_cast<std::uint32_t>(agents_.size());
    as.epoch = 0;
    as.scenarios = a.initial_shares;
    as.attempt = a.attempt;
    if (a.rejoin_pending) {
        // Its shares from owns_from on, as the "rejoined" Rebalance will compute them if nothing changes before
        // (it is sent at that Rebalance's epoch, so the Rebalance itself is a no-op for it; when something did
        // change, the Rebalance has a later epoch and wins).
        std::vector<std::vector<protocol::ScenarioShare>> initial;  // open-model VU slices stay the Assignment's
        for (const Agent& o : agents_) initial.push_back(o.initial_shares);
        const auto shares = ComputeShares(ArrivalWeights(&a), scenarios_, &initial);
        for (size_t s = 0; s < as.scenarios.size() && s < shares[a.index].size(); ++s) {
            as.scenarios[s].shard = shares[a.index][s].shard;
        }
        as.epoch = epoch_ + 1;
        as.owns_from_coordinator_ns = a.owns_from_ns;
    }
    protocol::PlanDelivery d = protocol::PreparePlanDelivery(std::move(as), a.plan.empty() ? plan_ : a.plan);
    const std::string subject =
        subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kPlan);
    Publish(subject, protocol::EncodeAssignment(d.assignment));
    for (const auto& chunk : d.chunks) Publish(subject, protocol::EncodePlanChunk(chunk));
    a.assigned_at_ns = NowNs();
}

void Coordinator::BeginRejoin(Agent& a, std::int64_t now) {
    if (a.state != AgentState::kTimedOut) {
        // Its old run died with the old process: what it owned goes to the others at once, as for a timeout.
        a.state = AgentState::kTimedOut;
        Rebalance("restarted");
    }
    // What the old incarnation delivered stays its contribution (its final never came: the caller checked).
    a.archived += IntervalSum(a);
    a.archived_unreported += UnreportedSinceLastInterval(a, a.last_interval_rate);
    a.archived_unreported_requests += UnreportedSinceLastInterval(a, a.last_interval_request_rate);
    a.last_interval_end_ns = 0;
    a.last_interval_rate = 0;
    a.last_interval_request_rate = 0;
    a.checkpoint.clear();
    a.checkpoint_seq = 0;
    a.since_checkpoint.clear();
    a.final_total = metrics::Snapshot{};
    a.seen_seqs.Clear();
    ResetPlansSent(a);  // the new process has only what its re-Assignment brings: its own slice
    a.rejoin_began_ns = now;
    RetimeRejoin(a, now);
    Log("agent " + a.reg.agent_id + " restarted during the run: re-assigning it from +" +
        FormatDurationNs(a.owns_from_ns - now));
}

void Coordinator::RetimeRejoin(Agent& a, std::int64_t now) {
    ++a.attempt;
    a.rejoin_pending = true;
    a.acked = false;
    // After the "restarted" Rebalance's instant, so the two switches never fold into one on the others.
    a.owns_from_ns = now + std::max(options_.rejoin_lead_ns, options_.rebalance_lead_ns + kRejoinMarginNs);
    a.last_seen_ns = now;
    SendAssignment(a);
}

void Coordinator::CompleteRejoin(Agent& a, std::int64_t now) {
    if (stopping_) return;  // no more load: the Stop it gets (no final yet) ends its session
    if (now + kRejoinMarginNs >= a.owns_from_ns) {
        RetimeRejoin(a, now);  // too late to switch at owns_from everywhere: a new attempt with a later instant
        return;
    }
    a.rejoin_pending = false;
    a.acked = true;
    a.state = AgentState::kRejoined;
    a.last_seen_ns = now;
    Log("agent " + a.reg.agent_id + " is ready again (attempt " + std::to_string(a.attempt) + ")");
    // The run's original start: its schedule and end line up with everyone else's; it owns no arrival before
    // owns_from (the Assignment says so), and the Rebalance gives the others' shares back at that instant.
    Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kStart),
            protocol::EncodeStart(protocol::Start{options_.run_id, start_at_ns_}));
    Rebalance("rejoined", a.owns_from_ns);
}

void Coordinator::Rebalance(const char* why, std::int64_t from_ns) {
    std::vector<double> caps;
    bool any = false;
    for (const Agent& a : agents_) {
        const bool takes = a.state != AgentState::kTimedOut && !a.final_received;
        caps.push_back(takes ? a.reg.capacity : 0.0);
        any = any || takes;
    }
    caps = ShareWeights(caps);
    if (!any) {
        Log(std::string("no agent left to take over the load (") + why + ")");
        return;
    }
    ++epoch_;
    std::vector<std::vector<protocol::ScenarioShare>> initial_shares;
    for (const Agent& a : agents_) initial_shares.push_back(a.initial_shares);
    // Arrivals by capacity times the rebalance factors (a saturated agent gives part of its share away).
    auto shares = ComputeShares(ArrivalWeights(), scenarios_, &initial_shares);
    // Virtual users, both models: each agent keeps its initial ones (a VU's state lives where it runs), and the
    // timed-out agents' VUs are split among the takers by capacity, so every identity stays in use and evenly
    // (issue 12 item 4); a recovered agent gets its own back. By plain capacity, not the rebalance factors: a
    // saturated agent keeps its VUs (an open-model pool is fixed at the Assignment, and a live closed-model VU
    // cannot move cleanly), so health moves only arrivals and never churn the moved-in VU sets.
    // A timed-out agent's users stay in its region while an agent of the region takes load.
    std::vector<bool> lost;
    std::vector<std::string> regions;
    for (const Agent& a : agents_) {
        lost.push_back(a.state == AgentState::kTimedOut);
        regions.push_back(a.reg.region);
    }
    std::vector<int> vusers(agents_.size(), 0);
    for (size_t s = 0; s < scenarios_.size(); ++s) {
        std::vector<protocol::VuSelection> initial;
        for (const Agent& a : agents_) initial.push_back(a.initial_shares[s].vusers);
        std::vector<protocol::VuSelection> moved = MoveVusers(scenarios_[s], initial, lost, caps, regions);
        for (Agent& a : agents_) {
            vusers[a.index] += static_cast<int>(moved[a.index].ids.size());
            shares[a.index][s].vusers = std::move(moved[a.index]);
        }
    }
    // The plans of moved users their new host was not sent go first (cutting them from slices takes a moment, so
    // the instant is set after: the lead stays a lead).
    const std::int64_t moved_plans = sliced_ ? PrepareVuPlans(shares) : 0;
    const std::int64_t now = NowNs();
    rebalance_from_ns_ = from_ns > 0 ? from_ns : now + options_.rebalance_lead_ns;
    rebalance_sent_ns_ = now;
    LogRegionsWithoutTaker(caps, rebalance_from_ns_);
    for (Agent& a : agents_) {
        a.shares = shares[a.index];
        a.share_history.emplace_back(rebalance_from_ns_, a.shares);
        SendVuPlans(a, epoch_, now);
        SendRebalance(a);
    }
    std::ostringstream line;
    line << "rebalanced (" << why << ", epoch " << epoch_ << "):";
    for (const Agent& a : agents_) {
        const double share = a.shares.empty() ? 0 : a.shares[0].shard.Share();
        line << " " << a.reg.agent_id << " " << static_cast<int>(share * 1000 + 0.5) / 10.0 << "% " << vusers[a.index]
             << " VUs";
    }
    if (moved_plans > 0) line << "; plans of " << moved_plans << " moved VUs sent to their new agents";
    Log(line.str());
}

void Coordinator::LogRegionsWithoutTaker(const std::vector<double>& weights, std::int64_t at_ns) {
    // --region-weights asked for a mix; when every agent of a region is gone, RegionWeights gives its part to the
    // other regions (the load stays whole), so the mix is no longer the one asked for: say so, once per change.
    std::vector<std::string> empty;
    for (const RegionWeight& w : options_.region_weights) {
        bool taker = false;
        for (const Agent& a : agents_) taker = taker || (a.reg.region == w.region && weights[a.index] > 0);
        if (!taker) empty.push_back(w.region);
    }
    if (empty == regions_without_taker_) return;
    for (const std::string& region : empty) {
        if (std::find(regions_without_taker_.begin(), regions_without_taker_.end(), region) ==
            regions_without_taker_.end()) {
            Log("region " + region + " has no agent taking load: its part of --region-weights goes to the other " +
                "regions (the traffic mix is not the one asked for until one of its agents is back)");
            double sum = 0;
            double part = 0;
            for (const RegionWeight& w : options_.region_weights) {
                sum += w.weight;
                if (w.region == region) part = w.weight;
            }
            region_gaps_.push_back(RegionGap{region, sum > 0 ? part / sum : 0, std::max<std::int64_t>(0, at_ns - start_at_ns_)});
        }
    }
    for (const std::string& region : regions_without_taker_) {
        if (std::find(empty.begin(), empty.end(), region) == empty.end()) {
            Log("region " + region + " takes load again: the traffic mix is the one asked for");
            for (RegionGap& g : region_gaps_) {
                if (g.region == region && g.to_ns < 0) g.to_ns = std::max<std::int64_t>(0, at_ns - start_at_ns_);
            }
        }
    }
    regions_without_taker_ = std::move(empty);
}

std::vector<double> Coordinator::ArrivalWeights(const Agent* also_taking) const {
    std::vector<double> caps;
    std::vector<std::string> regions;
    for (const Agent& a : agents_) {
        const bool takes = &a == also_taking || (a.state != AgentState::kTimedOut && !a.final_received);
        caps.push_back(takes ? a.reg.capacity : 0.0);
        regions.push_back(a.reg.region);
    }
    caps = ShareWeights(caps);  // regions first (--region-weights), then capacity within a region
    if (!policy_) return caps;
    // The health factors move share between agents of one region only: the region mix stays what was asked.
    return EffectiveWeights(caps, policy_->Factors(), regions);
}

double Coordinator::ArrivalShare(const Agent& a) const {
    for (size_t s = 0; s < scenarios_.size() && s < a.shares.size(); ++s) {
        if (scenarios_[s].open_model) return a.shares[s].shard.Share();
    }
    return a.shares.empty() ? 0 : a.shares[0].shard.Share();
}

void Coordinator::ObserveHealth(const Agent& a, const metrics::Snapshot& interval) {
    if (!policy_ || !started_ || stopping_) return;
    const auto it = interval.generators.find(a.reg.agent_id);
    policy_->Observe(a.index, it == interval.generators.end() ? nullptr : &it->second);
}

void Coordinator::RebalanceForHealth(std::int64_t now) {
    if (!policy_) return;
    std::vector<bool> takes;
    for (const Agent& a : agents_) {
        // A re-joining agent's Assignment carries the shares of the next epoch: no other move before it is in.
        if (a.rejoin_pending) return;
        takes.push_back(a.state != AgentState::kTimedOut && !a.final_received);
    }
    const std::vector<FactorChange> changes = policy_->Decide(now, takes);
    if (changes.empty()) return;
    std::vector<double> before;
    for (const Agent& a : agents_) before.push_back(ArrivalShare(a));
    std::string why;
    for (const FactorChange& c : changes) why += (why.empty() ? "" : "; ") + agents_[c.agent].reg.agent_id + " " + c.why;
    const std::uint32_t epoch = epoch_;
    Rebalance(why.c_str());
    if (epoch_ == epoch) return;  // nothing was sent
    std::vector<std::string> from, to;
    for (const Agent& a : agents_) {
        const double after = ArrivalShare(a);
        if (after < before[a.index] - 1e-9) from.push_back(a.reg.agent_id);
        if (after > before[a.index] + 1e-9) to.push_back(a.reg.agent_id);
    }
    for (const FactorChange& c : changes) {
        const Agent& a = agents_[c.agent];
        RebalanceEvent e{rebalance_from_ns_ - start_at_ns_, a.reg.agent_id, from, to, before[c.agent],
                         ArrivalShare(a), c.why};
        char line[160];
        std::snprintf(line, sizeof line, ": share %.1f%% -> %.1f%% from +%.1f s (factor %.2f -> %.2f)",
                      e.share_before * 100, e.share_after * 100, static_cast<double>(e.at_ns) / 1e9, c.before,
                      c.after);
        std::string moved;
        for (const std::string& id : c.why == "recovered" ? from : to) moved += (moved.empty() ? "" : ", ") + id;
        Log("agent " + a.reg.agent_id + " " + c.why + line + (c.why == "recovered" ? " back from " : " moved to ") +
            (moved.empty() ? "nobody" : moved));
        rebalances_.push_back(std::move(e));
    }
}

void Coordinator::ResetPlansSent(Agent& a) {
    a.vu_plans.clear();
    a.vu_plans_sent_ns.clear();
    a.has_plans.clear();
    if (!sliced_) return;
    a.has_plans.resize(scenarios_.size());
    for (size_t s = 0; s < scenarios_.size() && s < a.initial_shares.size(); ++s) {
        const protocol::VuSelection& v = a.initial_shares[s].vusers;
        if (v.kind == protocol::VuSelection::Kind::kList) {
            a.has_plans[s] = v.ids;
        } else if (v.kind != protocol::VuSelection::Kind::kNone) {
            for (const std::int64_t id : scenarios_[s].vu_ids) {
                if (v.Contains(id)) a.has_plans[s].push_back(id);
            }
        }
    }
}

std::int64_t Coordinator::PrepareVuPlans(const std::vector<std::vector<protocol::ScenarioShare>>& shares) {
    MovedPlans source([this](std::size_t agent) -> const std::string& { return agents_[agent].plan; });
    std::int64_t total = 0;
    for (Agent& a : agents_) {
        if (a.state == AgentState::kTimedOut || a.final_received || a.index >= shares.size()) continue;
        // Per first host (the agent whose Assignment had them, whose slice has their plans): ids per scenario.
        std::map<std::size_t, std::vector<std::vector<std::int64_t>>> by_owner;
        for (size_t s = 0; s < scenarios_.size() && s < shares[a.index].size() && s < a.has_plans.size(); ++s) {
            const protocol::VuSelection& v = shares[a.index][s].vusers;
            if (v.kind != protocol::VuSelection::Kind::kList) continue;  // MoveVusers gives lists (or none)
            std::vector<std::int64_t>& known = a.has_plans[s];
            std::vector<std::int64_t> added;
            for (const std::int64_t id : v.ids) {
                if (std::binary_search(known.begin(), known.end(), id)) continue;
                for (const Agent& owner : agents_) {
                    if (s >= owner.initial_shares.size() || !owner.initial_shares[s].vusers.Contains(id)) continue;
                    auto& lists = by_owner[owner.index];
                    lists.resize(scenarios_.size());
                    lists[s].push_back(id);
                    added.push_back(id);
                    break;
                }
            }
            if (added.empty()) continue;
            const auto middle = static_cast<std::ptrdiff_t>(known.size());
            known.insert(known.end(), added.begin(), added.end());
            std::inplace_merge(known.begin(), known.begin() + middle, known.end());
            total += static_cast<std::int64_t>(added.size());
        }
        for (const auto& [owner, ids] : by_owner) {
            protocol::VuPlans m;
            m.run_id = options_.run_id;
            m.epoch = epoch_;
            m.attempt = a.attempt;
            try {
                protocol::VuPlansDelivery d = protocol::PrepareVuPlansDelivery(std::move(m), source.Build(owner, ids));
                std::vector<std::string>& out = a.vu_plans[epoch_];
                out.push_back(protocol::EncodeVuPlans(d.message));
                for (const auto& chunk : d.chunks) out.push_back(protocol::EncodePlanChunk(chunk));
            } catch (const std::exception& e) {
                // Not expected (the slice was built here): the agent then waits for plans that never come, and its
                // moved users stay idle; the run goes on and says so.
                Log("cannot send agent " + a.reg.agent_id + " the plans of its moved virtual users: " + e.what());
            }
        }
    }
    return total;
}

void Coordinator::SendVuPlans(Agent& a, std::uint32_t epoch, std::int64_t now) {
    const auto it = a.vu_plans.find(epoch);
    if (it == a.vu_plans.end()) return;
    const std::string subject = subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kPlan);
    for (const std::string& message : it->second) Publish(subject, message);
    a.vu_plans_sent_ns[epoch] = now;
}

void Coordinator::SendRebalance(const Agent& a, std::uint32_t epoch) {
    if (epoch == 0) epoch = epoch_;
    if (epoch == 0 || epoch > a.share_history.size()) return;  // share_history[e - 1] is epoch e, for every agent
    const auto& [from_ns, shares] = a.share_history[epoch - 1];
    protocol::Rebalance rb;
    rb.run_id = options_.run_id;
    rb.epoch = epoch;
    rb.from_coordinator_ns = from_ns;
    rb.agent_index = a.index;
    rb.agent_count = static_cast<std::uint32_t>(agents_.size());
    rb.scenarios = shares;
    Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kRebalance),
            protocol::EncodeRebalance(rb));
}

// ---- phases (caller's thread) ----

std::vector<protocol::Register> Coordinator::WaitForAgents(std::int64_t wait_ns, const std::function<void()>& check) {
    const std::int64_t deadline = NowNs() + wait_ns;
    std::unique_lock lock(mu_);
    for (;;) {
        const std::int64_t now = NowNs();
        std::vector<protocol::Register> fresh;
        for (const auto& [id, reg] : registered_) {
            if (now - last_register_ns_[id] <= kRegistrationStaleNs) fresh.push_back(reg);
        }
        if (static_cast<int>(fresh.size()) >= options_.agents) {
            fresh.resize(static_cast<size_t>(options_.agents));
            CheckRegionWeights(options_.region_weights, fresh);
            regions_ = std::any_of(fresh.begin(), fresh.end(), [](const auto& r) { return !r.region.empty(); });
            agents_.clear();
            agent_index_.clear();
            for (size_t i = 0; i < fresh.size(); ++i) {
                agent_index_.emplace(fresh[i].agent_id, i);
                Agent a;
                a.reg = fresh[i];
                a.index = static_cast<std::uint32_t>(i);
                a.last_seen_ns = now;
                agents_.push_back(std::move(a));
            }
            return fresh;
        }
        if (now >= deadline) {
            std::ostringstream msg;
            msg << "waited " << FormatDurationNs(wait_ns) << " for " << options_.agents << " agent"
                << (options_.agents == 1 ? "" : "s") << " of cluster '" << options_.cluster_id << "'";
            if (!options_.group.empty()) msg << " in group '" << options_.group << "'";
            msg << ": " << fresh.size() << " registered";
            for (size_t i = 0; i < fresh.size(); ++i) {
                msg << (i == 0 ? ": " : ", ") << fresh[i].agent_id << " (" << fresh[i].hostname << ", capacity "
                    << fresh[i].capacity << ")";
            }
            if (!ignored_.empty()) {
                msg << "; ignored:";
                for (const auto& s : ignored_) msg << " " << s;
            }
            throw SetupError(msg.str());
        }
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        lock.unlock();
        if (check) check();
        lock.lock();
    }
}

void Coordinator::SetAgentPlans(AgentPlan plan_for_agent) {
    std::lock_guard lock(mu_);
    plan_for_agent_ = std::move(plan_for_agent);
}

void Coordinator::Assign(const std::string& plan_bytes, const std::vector<AgentScenario>& scenarios,
                         const std::function<void()>& check) {
    std::unique_lock lock(mu_);
    plan_ = plan_bytes;
    scenarios_ = scenarios;
    std::vector<double> caps;
    for (const Agent& a : agents_) caps.push_back(a.reg.capacity);
    caps = ShareWeights(caps);  // data slices follow the load: region first, then capacity
    const auto shares = ComputeShares(caps, scenarios_);
    // Health moves need arrivals to move: closed-model scenarios are rebalanced only on timeouts.
    const bool arrivals = std::any_of(scenarios_.begin(), scenarios_.end(),
                                      [](const AgentScenario& sc) { return sc.open_model; });
    if (options_.rebalance && arrivals) {
        std::vector<std::string> regions;  // health moves share within a region only
        for (const Agent& a : agents_) regions.push_back(a.reg.region);
        policy_ = std::make_unique<RebalancePolicy>(agents_.size(), std::move(regions), options_.rebalance_policy);
    }
    sliced_ = static_cast<bool>(plan_for_agent_);
    for (Agent& a : agents_) {
        a.initial_shares = shares[a.index];
        a.shares = shares[a.index];
        if (plan_for_agent_) a.plan = plan_for_agent_(a.index, caps, a.initial_shares);
        ResetPlansSent(a);
        a.initial_share = a.shares.empty() ? 0 : a.shares[0].shard.Share();
        SendAssignment(a);
    }
    plan_for_agent_ = nullptr;  // every agent has its plan: the caller's plan source need not outlive Assign
    const std::int64_t deadline = NowNs() + options_.ack_timeout_ns;
    for (;;) {
        if (!rejected_.empty()) {
            std::string list;
            for (const auto& r : rejected_) list += (list.empty() ? "" : "; ") + r;
            throw SetupError("an agent refused the plan: " + list);
        }
        std::string missing;
        for (const Agent& a : agents_) {
            if (!a.acked) missing += (missing.empty() ? "" : ", ") + a.reg.agent_id;
        }
        if (missing.empty()) return;
        if (NowNs() >= deadline) {
            throw SetupError("no plan acknowledgement within " + FormatDurationNs(options_.ack_timeout_ns) + " from: " +
                             missing);
        }
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        lock.unlock();
        if (check) check();
        lock.lock();
    }
}

std::int64_t Coordinator::Start() {
    std::lock_guard lock(mu_);
    start_at_ns_ = NowNs() + options_.start_lead_ns;
    started_ = true;
    for (Agent& a : agents_) {
        a.last_seen_ns = start_at_ns_;
        Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kStart),
                protocol::EncodeStart(protocol::Start{options_.run_id, start_at_ns_}));
    }
    return start_at_ns_;
}

metrics::Snapshot Coordinator::TakeInterval(std::map<std::string, metrics::Snapshot>* regions) {
    std::lock_guard lock(mu_);
    metrics::Snapshot out = std::move(pending_interval_);
    pending_interval_ = metrics::Snapshot{};
    if (regions != nullptr) regions->clear();
    for (auto& [name, snap] : pending_regions_) {
        if (snap.total.requests == 0 && !snap.HasInterval()) continue;  // nothing arrived from it this time
        out += snap;
        if (regions != nullptr) (*regions)[name] = std::move(snap);
        snap = metrics::Snapshot{};
    }
    return out;
}

bool Coordinator::HasRegions() const {
    std::lock_guard lock(mu_);
    return regions_;
}

std::vector<double> Coordinator::ShareWeights(const std::vector<double>& capacities) const {
    std::vector<std::string> regions;
    for (const Agent& a : agents_) regions.push_back(a.reg.region);
    return RegionWeights(capacities, regions, options_.region_weights);
}

bool Coordinator::AllDone() const {
    std::lock_guard lock(mu_);
    return std::all_of(agents_.begin(), agents_.end(),
                       [](const Agent& a) { return a.final_received || a.state == AgentState::kTimedOut; });
}

void Coordinator::Stop(protocol::StopReason reason, bool abort, const std::string& detail) {
    std::lock_guard lock(mu_);
    if (!stopping_) first_stop_ns_ = NowNs();
    stopping_ = true;
    stop_msg_ = protocol::Stop{options_.run_id, reason, abort, detail};
    stop_sent_ns_ = NowNs();
    for (const Agent& a : agents_) {
        if (a.final_received) continue;
        Publish(subj::Agent(options_.cluster_id, options_.run_id, a.reg.agent_id, AgentChannel::kStop),
                protocol::EncodeStop(stop_msg_));
    }
}

bool Coordinator::WaitForFinals(std::int64_t timeout_ns, const std::function<bool()>& cancelled) {
    const std::int64_t deadline = NowNs() + timeout_ns;
    std::unique_lock lock(mu_);
    for (;;) {
        const bool done = std::all_of(agents_.begin(), agents_.end(), [](const Agent& a) {
            return a.final_received || a.state == AgentState::kTimedOut;
        });
        if (done) return true;
        if (NowNs() >= deadline) return false;
        if (cancelled) {
            lock.unlock();
            const bool c = cancelled();
            lock.lock();
            if (c) return false;
        }
        cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
}

std::vector<AgentReport> Coordinator::Reports(bool with_totals) const {
    std::lock_guard lock(mu_);
    std::vector<AgentReport> out;
    for (const Agent& a : agents_) {
        AgentReport r;
        r.id = a.reg.agent_id;
        r.host = a.reg.hostname;
        r.region = a.reg.region;
        r.capacity = a.reg.capacity;
        r.share = a.initial_share;
        if (with_totals) {
            r.total = a.archived;
            if (a.final_received) {
                r.total += a.final_total;
            } else {
                r.total += IntervalSum(a);
            }
        }
        r.final_received = a.final_received;
        r.state = a.state;
        r.share_now = ArrivalShare(a);
        for (const RebalanceEvent& e : rebalances_) {
            if (e.agent == a.reg.agent_id) r.rebalances.push_back(e);
        }
        if (with_totals) Account(a, &r);
        out.push_back(std::move(r));
    }
    return out;
}

double Coordinator::UnreportedSinceLastInterval(const Agent& a, double rate) const {
    // It died within a heartbeat interval after it was last seen (its heartbeats are that regular): the middle.
    const std::int64_t since = a.last_interval_end_ns > 0 ? a.last_interval_end_ns : start_at_ns_;
    const std::int64_t died = a.last_seen_ns + protocol::kHeartbeatIntervalNs / 2;
    return died > since ? rate * static_cast<double>(died - since) / 1e9 : 0.0;
}

void Coordinator::Account(const Agent& a, AgentReport* r) const {
    const ArrivalCount count = CountArrivals(r->total, scenarios_);
    r->sent = count.sent;
    r->dropped = count.dropped;
    r->planned = count.sent + count.dropped;
    r->last_seen_ns = started_ && a.last_seen_ns > start_at_ns_ ? a.last_seen_ns - start_at_ns_ : 0;
    // An agent whose final totals came (for its only incarnation) accounted for every arrival it owned itself.
    if (!started_ || (a.final_received && a.attempt == 0)) return;
    double unreported_requests = a.archived_unreported_requests;
    if (!a.final_received) unreported_requests += UnreportedSinceLastInterval(a, a.last_interval_request_rate);
    r->unreported_requests = std::llround(unreported_requests);
    // Otherwise replay its share history on the schedule, exactly as its runtime reshards: the Assignment's
    // slice, then every Rebalance at its instant, and nothing after the first Stop (or the profile's end).
    std::int64_t planned = 0;
    try {
        for (size_t s = 0; s < scenarios_.size() && s < a.initial_shares.size(); ++s) {
            if (!scenarios_[s].profile) continue;
            sched::ArrivalSchedule schedule(*scenarios_[s].profile, a.initial_shares[s].shard);
            for (const auto& [from_ns, shares] : a.share_history) {
                if (s >= shares.size()) continue;
                schedule.Reshard(shares[s].shard, std::max<std::int64_t>(0, from_ns - start_at_ns_));
            }
            if (first_stop_ns_ > 0) {
                const std::int64_t stop_ns = std::max<std::int64_t>(0, first_stop_ns_ - start_at_ns_);
                schedule.Reshard(sched::ShardSegment{0, 0}, stop_ns);
            }
            planned += schedule.PlannedCount();
        }
    } catch (const Error&) {
        return;  // not a share history the agents could have applied either: no accounting
    }
    if (planned <= r->planned) return;  // nothing missing (or more reported than planned: shown as is)
    r->planned = planned;
    r->lost = planned - count.sent - count.dropped;
    double unreported = a.archived_unreported;
    if (!a.final_received) unreported += UnreportedSinceLastInterval(a, a.last_interval_rate);
    r->unreported_estimate = std::min<std::int64_t>(r->lost, std::llround(unreported));
}

metrics::Snapshot Coordinator::IntervalSum(const Agent& a) const {
    metrics::Snapshot sum;
    metrics::Snapshot one;
    std::string error;
    const auto add = [&](const std::string& bytes, std::uint64_t seq) {
        if (metrics::Snapshot::Decode(bytes, &one, &error)) {
            sum += one;
        } else {
            Log("agent " + a.reg.agent_id + ": metrics seq " + std::to_string(seq) + " left out: " + error);
        }
    };
    if (!a.checkpoint.empty()) add(a.checkpoint, a.checkpoint_seq);
    for (const auto& [seq, bytes] : a.since_checkpoint) add(bytes, seq);
    // Another agent's generator entry never reached the pending interval either (OnMetrics drops it).
    for (auto g = sum.generators.begin(); g != sum.generators.end();) {
        g = g->first == a.reg.agent_id ? std::next(g) : sum.generators.erase(g);
    }
    return sum;
}

std::size_t Coordinator::DropForeignGenerators(Agent& a, metrics::Snapshot* s) {
    std::size_t dropped = 0;
    for (auto g = s->generators.begin(); g != s->generators.end();) {
        if (g->first == a.reg.agent_id) {
            ++g;
            continue;
        }
        g = s->generators.erase(g);
        ++dropped;
    }
    if (dropped > 0) CountForeign(a, dropped);
    return dropped;
}

void Coordinator::CountForeign(Agent& a, std::size_t n) {
    foreign_generators_ += n;
    if (a.warned_foreign) return;
    a.warned_foreign = true;
    Log("agent " + a.reg.agent_id + " sent health of other generators: dropped (each agent reports only its own)");
}

std::uint64_t Coordinator::ForeignGeneratorsDropped() const {
    std::lock_guard lock(mu_);
    return foreign_generators_;
}

metrics::Snapshot Coordinator::Total() const {
    metrics::Snapshot total;
    for (const AgentReport& r : Reports()) total += r.total;
    return total;
}

std::map<std::string, metrics::Snapshot> TotalsByRegion(const std::vector<AgentReport>& reports) {
    std::map<std::string, metrics::Snapshot> out;
    const bool any = std::any_of(reports.begin(), reports.end(), [](const auto& r) { return !r.region.empty(); });
    if (!any) return out;
    for (const AgentReport& r : reports) out[r.region.empty() ? std::string(kNoRegion) : r.region] += r.total;
    return out;
}

std::vector<RegionGap> Coordinator::RegionGaps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return region_gaps_;
}

std::vector<std::string> Coordinator::MissingFinals() const {
    std::vector<std::string> out;
    for (const AgentReport& r : Reports(/*with_totals=*/false)) {  // no copy of every agent's totals
        if (!r.final_received) out.push_back(r.id);
    }
    return out;
}

}  // namespace lse::coordinator
