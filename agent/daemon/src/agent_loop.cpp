#include "agent_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "agent_log.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/limits.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/transport/connect_error.hpp"
#include "lse/uv/close.hpp"

namespace lse::agent {
namespace {

namespace proto = lse::protocol;

constexpr std::int64_t kTickNs = 200 * kNsPerMs;
// Ticks are 200 ms apart; a gap this long means the process did not run at all.
constexpr std::int64_t kFrozenGapNs = 2 * kNsPerSec;
/// Load may be sent until this long after the last tick: a loop that does not tick for longer (a frozen process,
/// a stalled loop) stops its workers by itself, before it could notice anything (runtime::RunOptions::send_lease_ns).
constexpr std::int64_t kSendLeaseNs = proto::kHeartbeatIntervalNs + kTickNs;
/// A CoordinatorHeartbeat counts as sent after a resume when its time is at most this before it (clock offset
/// error, and the tick that noticed the gap); well below the coordinator's 1 s Rebalance lead.
constexpr std::int64_t kFreshHeartbeatMarginNs = 500 * kNsPerMs;
/// Unacked metrics are resent when they are this old (the coordinator dedupes by seq).
constexpr std::int64_t kResendAfterNs = 2 * kNsPerSec;
/// The final total is resent until acked, at most this long; then the agent goes idle anyway.
constexpr std::int64_t kFinalAckTimeoutNs = 20 * kNsPerSec;
/// Plan chunks and the clock estimate must be done within this after the Assignment.
constexpr std::int64_t kPrepareTimeoutNs = 30 * kNsPerSec;
/// Assigned but not started: idle again after this long without any message of the run.
constexpr std::int64_t kStartWaitTimeoutNs = 60 * kNsPerSec;
constexpr char kVersion[] = "lsengine 0.1.0";

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

std::string HostName() {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return host;
}

// lse.<cluster>.<run>.agent.<agent>.<channel>: the run token (validated by the caller before use).
std::string_view RunToken(std::string_view subject) {
    for (int skip = 0; skip < 2; ++skip) {
        const size_t dot = subject.find('.');
        if (dot == std::string_view::npos) return {};
        subject.remove_prefix(dot + 1);
    }
    return subject.substr(0, subject.find('.'));
}

std::string Ms(std::int64_t ns) { return std::to_string(ns / kNsPerMs) + " ms"; }

}  // namespace

AgentLoop::AgentLoop(uv_loop_t* loop, const AgentOptions& options, bool quiet)
    : loop_(loop),
      options_(options),
      nats_(loop, options.nats),
      clock_(&nats_, proto::subjects::Time(options.cluster_id), options.agent_id),
      register_subject_(proto::subjects::Register(options.cluster_id)),
      inbox_subject_(proto::subjects::AgentInbox(options.cluster_id, options.agent_id)),
      quiet_(quiet) {
    load_ = std::make_unique<LoadThread>([this] { uv_async_send(&wake_); });
    uv_async_init(loop_, &wake_, [](uv_async_t* a) { static_cast<AgentLoop*>(a->data)->OnLoadEvents(); });
    wake_.data = this;
    uv_timer_init(loop_, &tick_);
    tick_.data = this;
    uv_signal_init(loop_, &sigint_);
    uv_signal_init(loop_, &sigterm_);
    sigint_.data = this;
    sigterm_.data = this;
}

AgentLoop::~AgentLoop() {
    load_.reset();  // aborts and joins a run still going: no load outlives the agent
}

int AgentLoop::Run() {
    auto on_signal = [](uv_signal_t* s, int signum) { static_cast<AgentLoop*>(s->data)->OnSignal(signum); };
    uv_signal_start(&sigint_, on_signal, SIGINT);
    uv_signal_start(&sigterm_, on_signal, SIGTERM);
    uv_timer_start(&tick_, [](uv_timer_t* t) { static_cast<AgentLoop*>(t->data)->OnTick(); },
                   static_cast<std::uint64_t>(kTickNs / kNsPerMs), static_cast<std::uint64_t>(kTickNs / kNsPerMs));
    nats_.OnEvent([this](transport::ConnectionEvent e) { OnConnectionEvent(e); });
    if (!quiet_) {
        Log("agent for cluster '" + options_.cluster_id + "'" +
            (options_.group.empty() ? std::string() : " group '" + options_.group + "'") +
            (options_.region.empty() ? std::string() : " region '" + options_.region + "'") + ", capacity " +
            std::to_string(options_.capacity) + ": connecting to " + options_.nats.urls.front());
    }
    try {
        nats_.Connect();
    } catch (...) {
        Shutdown();
        uv_run(loop_, UV_RUN_DEFAULT);
        throw;
    }
    if (nats_.Connected()) {
        Log("connected to " + nats_.ConnectedUrl());
        EnsureSubscribed();
    } else if (!quiet_) {
        Log("broker not reachable yet: retrying in the background");
    }
    uv_run(loop_, UV_RUN_DEFAULT);
    return exit_code_;
}

const char* AgentLoop::StateName(State s) noexcept {
    switch (s) {
        case State::kIdle: return "idle";
        case State::kPreparing: return "preparing";
        case State::kReady: return "ready";
        case State::kRunning: return "running";
        case State::kDraining: return "draining";
        case State::kCount: break;
    }
    return "?";
}

proto::AgentState AgentLoop::WireState() const noexcept {
    switch (state_) {
        case State::kIdle: return proto::AgentState::kIdle;
        case State::kPreparing:
        case State::kReady: return proto::AgentState::kPreparing;
        case State::kRunning:
            return session_.stop_requested ? proto::AgentState::kDraining : proto::AgentState::kRunning;
        case State::kDraining:
        case State::kCount: break;
    }
    return proto::AgentState::kDraining;
}

void AgentLoop::Log(std::string_view text) const { LogLine(options_.agent_id, text); }

void AgentLoop::SetState(State s, std::string_view why) {
    state_ = s;
    std::string line = StateName(s);
    if (!session_.assignment.run_id.empty() && s != State::kIdle) line += " (run " + session_.assignment.run_id + ")";
    if (!why.empty()) line.append(": ").append(why);
    Log(line);
}

void AgentLoop::EnsureSubscribed() {
    if (inbox_sub_ >= 0 || shutting_down_) return;
    try {
        inbox_sub_ = nats_.Subscribe(inbox_subject_, [this](const transport::Message& m) { OnAgentMessage(m); });
        nats_.Flush(2 * kNsPerSec);  // our subscription is known to the server before we announce ourselves
    } catch (const std::exception& e) {
        Log(std::string("cannot subscribe yet: ") + e.what());
        return;
    }
    next_register_ns_ = 0;  // announce at once
}

void AgentLoop::OnConnectionEvent(transport::ConnectionEvent event) {
    switch (event) {
        case transport::ConnectionEvent::kConnected:
            Log("connected to " + nats_.ConnectedUrl());
            EnsureSubscribed();
            break;
        case transport::ConnectionEvent::kDisconnected:
            Log("lost the broker: reconnecting (messages are buffered)");
            break;
        case transport::ConnectionEvent::kReconnected:
            Log("reconnected to " + nats_.ConnectedUrl());
            EnsureSubscribed();
            if (state_ == State::kIdle) next_register_ns_ = 0;
            // Whatever was lost while the link was down goes again; duplicates are deduped by seq.
            outbox_.Resend(NowNs(), 0, [this](std::uint64_t, std::string_view bytes) {
                nats_.Publish(session_.metrics_subject, bytes);
            });
            if (state_ == State::kReady || state_ == State::kRunning) {
                const std::string run = session_.assignment.run_id;
                clock_.Begin([this, run](bool ok, const proto::ClockOffset& offset) {
                    if (ok && IsSessionRun(run)) session_.offset = offset;  // used by later Rebalances
                });
            }
            break;
        case transport::ConnectionEvent::kClosed:
            if (load_->Active()) load_->RequestStop(true);
            if (shutting_down_) break;
            // nats.c gives up for good only on a refusal (authorization, TLS, creds): say which flag to check and
            // end this loop; Agent::Run exits (--once) or retries with a fresh connection and backoff.
            {
                const transport::NatsOptions& o = options_.nats;
                refusal_ = transport::DescribeRefusal(
                    nats_.ProbeRefusal(),
                    transport::OfferedCredentials{!o.token.empty(), !o.user.empty(), !o.creds_file.empty(), o.tls});
            }
            if (!quiet_) Log("the NATS connection is closed for good: " + refusal_);
            exit_code_ = static_cast<int>(ExitCode::kSetup);
            break;  // the next tick shuts down (not from inside the client's event dispatch)
        case transport::ConnectionEvent::kCount: break;
    }
}

bool AgentLoop::IsSessionRun(std::string_view run_id) const noexcept {
    return state_ != State::kIdle && run_id == session_.assignment.run_id;
}

// ---------------------------------------------------------------------------------------------
// Messages from the coordinator.

void AgentLoop::OnAgentMessage(const transport::Message& msg) {
    if (shutting_down_) return;
    const std::string_view channel = proto::subjects::LastToken(msg.subject);
    const std::string_view run = RunToken(msg.subject);
    if (channel == proto::AgentChannelName(proto::AgentChannel::kPlan)) {
        const auto type = proto::PeekMessageType(msg.data);
        if (type == proto::MessageType::kPlanChunk) {
            OnPlanChunk(msg.data);
        } else if (type == proto::MessageType::kVuPlans) {
            OnVuPlans(msg.data);
        } else {
            OnAssignment(run, msg.data);  // anything else on the plan channel is rejected as malformed there
        }
    } else if (channel == proto::AgentChannelName(proto::AgentChannel::kStart)) {
        OnStart(msg.data);
    } else if (channel == proto::AgentChannelName(proto::AgentChannel::kStop)) {
        OnStop(msg.data);
    } else if (channel == proto::AgentChannelName(proto::AgentChannel::kRebalance)) {
        OnRebalance(msg.data);
    } else if (channel == proto::AgentChannelName(proto::AgentChannel::kMetricsAck)) {
        OnMetricsAck(msg.data);
    }
}

void AgentLoop::OnCoordinatorHeartbeat(const transport::Message& msg) {
    proto::CoordinatorHeartbeat hb;
    if (!proto::DecodeCoordinatorHeartbeat(msg.data, &hb, nullptr) || !IsSessionRun(hb.run_id)) return;
    session_.last_coordinator_ns = NowNs();
    // Only a heartbeat sent after the resume tells the current epoch: those queued while frozen are stale.
    if (session_.resume_check &&
        session_.offset.ToAgentNs(hb.now_coordinator_ns) >= session_.resumed_ns - kFreshHeartbeatMarginNs) {
        MaybeConfirmAssignment(&hb.epoch);
    }
}

void AgentLoop::BeginResumeCheck(std::int64_t now, std::int64_t gap_ns) {
    if (state_ != State::kReady && state_ != State::kRunning) return;
    if (!session_.resume_check) {
        Log("no tick for " + Ms(gap_ns) + ": holding load until the coordinator confirms epoch " +
            std::to_string(session_.epoch) + " (its share may have moved meanwhile)");
    }
    session_.resume_check = true;
    session_.resumed_ns = now;
    session_.awaited_epoch = 0;
    session_.fresh_heartbeat = false;
}

// A fresh CoordinatorHeartbeat (its epoch) or an applied Rebalance (null) during the resume check: once this agent
// applies the coordinator's epoch, every share move is known here, and load may go on.
void AgentLoop::MaybeConfirmAssignment(const std::uint32_t* fresh_epoch) {
    if (!session_.resume_check) return;
    if (fresh_epoch != nullptr) {
        session_.fresh_heartbeat = true;
        session_.awaited_epoch = std::max(session_.awaited_epoch, *fresh_epoch);
    }
    if (!session_.fresh_heartbeat || session_.epoch < session_.awaited_epoch) return;  // still to come
    session_.resume_check = false;
    load_->SetSendLease(NowNs() + kSendLeaseNs);
    Log("assignment confirmed after the gap (epoch " + std::to_string(session_.epoch) +
        "): load goes on; arrivals older than max_wait are dropped");
}

void AgentLoop::OnAssignment(std::string_view subject_run, std::string_view data) {
    proto::Assignment a;
    std::string error;
    if (!proto::DecodeAssignment(data, &a, &error)) {
        Reject(subject_run, proto::RejectReason::kMalformed, "assignment does not decode: " + error);
        return;
    }
    if (a.run_id != subject_run) {
        Reject(subject_run, proto::RejectReason::kMalformed, "assignment of run '" + a.run_id +
                                                                 "' sent on the subject of run '" +
                                                                 std::string(subject_run) + "'");
        return;
    }
    if (state_ != State::kIdle) {
        if (a.run_id == session_.assignment.run_id && a.plan_checksum == session_.assignment.plan_checksum) {
            session_.last_coordinator_ns = NowNs();
            proto::Assignment& current = session_.assignment;
            if (a.attempt > current.attempt && (state_ == State::kPreparing || state_ == State::kReady)) {
                // A re-joining agent whose ack came too late for its owns_from: the same plan with a later
                // instant (and the shares and epoch that go with it). Not started yet, so nothing else changes.
                current.attempt = a.attempt;
                current.owns_from_coordinator_ns = a.owns_from_coordinator_ns;
                current.epoch = a.epoch;
                session_.epoch = std::max(session_.epoch, a.epoch);
                for (size_t s = 0; s < current.scenarios.size() && s < a.scenarios.size(); ++s) {
                    current.scenarios[s].shard = a.scenarios[s].shard;
                }
                Log("re-assignment attempt " + std::to_string(a.attempt) + ": owning arrivals from a later instant");
            }
            if (session_.acked) SendAck();  // a resend because our ack got lost (or a new attempt): ack again
            return;
        }
        Reject(a.run_id, proto::RejectReason::kBusy,
               std::string("busy with run '") + session_.assignment.run_id + "' (" + StateName(state_) + ")");
        return;
    }
    SetupProblem problem;
    if (!CheckAssignment(a, options_.cluster_id, options_.agent_id, &problem)) {
        Reject(a.run_id, problem.reason, problem.detail);
        return;
    }
    BeginSession(std::move(a));
}

void AgentLoop::BeginSession(proto::Assignment a) {
    std::string plan = std::move(a.plan);
    a.plan.clear();
    session_ = Session{};
    session_.assignment = std::move(a);
    const proto::Assignment& as = session_.assignment;
    session_.epoch = as.epoch;
    session_.last_coordinator_ns = NowNs();
    session_.prepare_deadline_ns = NowNs() + kPrepareTimeoutNs;
    session_.metrics_subject = proto::subjects::Metrics(options_.cluster_id, as.run_id, options_.agent_id);
    session_.heartbeat_subject = proto::subjects::Heartbeat(options_.cluster_id, as.run_id, options_.agent_id);
    session_.ack_subject = proto::subjects::Ack(options_.cluster_id, as.run_id, options_.agent_id);
    outbox_.Reset();
    checkpoint_.Reset();
    try {
        session_.heartbeat_sub = nats_.Subscribe(proto::subjects::CoordinatorHeartbeat(options_.cluster_id, as.run_id),
                                                 [this](const transport::Message& m) { OnCoordinatorHeartbeat(m); });
    } catch (const std::exception& e) {
        // Not fatal: the dead-man switch then relies on the other coordinator messages.
        Log(std::string("cannot subscribe to the coordinator heartbeat: ") + e.what());
    }
    announced_idle_ = false;
    next_heartbeat_ns_ = 0;
    SetState(State::kPreparing, "assignment " + std::to_string(as.agent_index + 1) + "/" +
                                    std::to_string(as.agent_count) + ", " + std::to_string(as.scenarios.size()) +
                                    " scenario(s), plan " + std::to_string(as.plan_size) + " bytes" +
                                    (as.plan_chunks > 0 ? " in " + std::to_string(as.plan_chunks) + " chunks" : ""));
    if (as.plan_chunks == 0) {
        OnPlanComplete(std::move(plan));
        return;
    }
    try {
        session_.assembler = std::make_unique<proto::PlanAssembler>(as);
    } catch (const std::exception& e) {
        Reject(as.run_id, proto::RejectReason::kTooLarge, e.what());
        EndSession("plan refused");
    }
}

void AgentLoop::OnPlanChunk(std::string_view data) {
    proto::PlanChunk chunk;
    if (!proto::DecodePlanChunk(data, &chunk, nullptr)) return;  // not worth a Reject: the assignment times out
    if (!IsSessionRun(chunk.run_id)) return;
    if (session_.vu_plans_assembler != nullptr && chunk.plan_checksum == session_.vu_plans_assembler->checksum()) {
        OnVuPlansChunk(chunk);
        return;
    }
    if (state_ != State::kPreparing || session_.assembler == nullptr) return;
    session_.last_coordinator_ns = NowNs();
    using Result = proto::PlanAssembler::Result;
    const Result r = session_.assembler->Add(chunk);
    if (r == Result::kComplete) {
        std::string plan = session_.assembler->TakePlan();
        session_.assembler.reset();
        OnPlanComplete(std::move(plan));
    } else if (session_.assembler->failed()) {
        const std::string run = session_.assignment.run_id;
        Reject(run, r == Result::kTooLarge ? proto::RejectReason::kTooLarge : proto::RejectReason::kChecksum,
               std::string("plan chunks: ") + std::string(proto::PlanAssemblerResultName(r)));
        EndSession("plan refused");
    }
}

// Plans of virtual users a coordinator is about to move here (docs/protocol.md "Plan slices"): kept beside the
// plan, for the Rebalance that follows. Anything wrong is only logged: the Rebalance then waits, and the coordinator
// sends both again while our heartbeats show the old epoch.
void AgentLoop::OnVuPlans(std::string_view data) {
    proto::VuPlans m;
    std::string error;
    if (!proto::DecodeVuPlans(data, &m, &error)) {
        Log("ignoring malformed plans of moved virtual users: " + error);
        return;
    }
    if (!IsSessionRun(m.run_id) || m.attempt != session_.assignment.attempt) return;
    if (state_ != State::kReady && state_ != State::kRunning) return;  // before the plan is prepared: resent later
    session_.last_coordinator_ns = NowNs();
    if (std::find(session_.vu_plans_taken.begin(), session_.vu_plans_taken.end(), m.plan_checksum) !=
        session_.vu_plans_taken.end()) {
        return;  // a resend of plans already taken
    }
    if (m.plan_chunks == 0) {
        TakeVuPlans(m.plan_checksum, m.plan);
        return;
    }
    if (session_.vu_plans_assembler != nullptr && session_.vu_plans_assembler->checksum() == m.plan_checksum) return;
    try {
        session_.vu_plans_assembler = std::make_unique<proto::PlanAssembler>(m);
    } catch (const std::exception& e) {
        Log(std::string("ignoring plans of moved virtual users: ") + e.what());
    }
}

void AgentLoop::OnVuPlansChunk(const proto::PlanChunk& chunk) {
    using Result = proto::PlanAssembler::Result;
    const Result r = session_.vu_plans_assembler->Add(chunk);
    if (r == Result::kComplete) {
        const std::uint64_t checksum = session_.vu_plans_assembler->checksum();
        const std::string plan = session_.vu_plans_assembler->TakePlan();
        session_.vu_plans_assembler.reset();
        TakeVuPlans(checksum, plan);
    } else if (session_.vu_plans_assembler->failed()) {
        Log(std::string("plans of moved virtual users: chunks ") + std::string(proto::PlanAssemblerResultName(r)));
        session_.vu_plans_assembler.reset();
    }
}

void AgentLoop::TakeVuPlans(std::uint64_t checksum, std::string_view bytes) {
    plan::Plan plans;
    std::string error;
    if (!plan::DecodePlan(bytes, &plans, &error) || plans.run_id != session_.assignment.run_id ||
        !AddMovedVuPlans(&session_.prepared, plans, &error)) {
        Log("ignoring plans of moved virtual users: " + (error.empty() ? "another run's" : error));
        return;
    }
    session_.vu_plans_taken.push_back(checksum);
    std::size_t count = 0;
    for (const plan::ScenarioPlan& s : plans.scenarios) count += s.vusers.size();
    Log("received the plans of " + std::to_string(count) + " virtual user(s) moving here (" +
        std::to_string(bytes.size()) + " bytes)");
}

void AgentLoop::OnPlanComplete(std::string plan) {
    RunSetupOptions setup;
    setup.capacity = options_.capacity;
    setup.request_timeout_ns = options_.client.request_timeout_ns;
    setup.client = options_.client;
    SetupProblem problem;
    if (!PrepareRun(session_.assignment, plan, setup, &session_.prepared, &problem)) {
        Reject(session_.assignment.run_id, problem.reason, problem.detail);
        EndSession("plan refused");
        return;
    }
    const std::string run = session_.assignment.run_id;
    clock_.Begin([this, run](bool ok, const proto::ClockOffset& offset) { OnClockSynced(run, ok, offset); });
}

void AgentLoop::OnClockSynced(const std::string& run_id, bool ok, const proto::ClockOffset& offset) {
    if (!IsSessionRun(run_id) || state_ != State::kPreparing) return;
    if (!ok) {
        Reject(run_id, proto::RejectReason::kMalformed, "no TimeReply from the coordinator: cannot synchronise start");
        EndSession("clock offset unknown");
        return;
    }
    session_.offset = offset;
    session_.acked = true;
    SendAck();
    SetState(State::kReady, "plan prepared (" + std::to_string(session_.prepared.hosted_vusers) +
                                " virtual users), clock offset " + Ms(offset.offset_ns) + " +-" +
                                Ms(offset.rtt_ns / 2) + "; acked, waiting for start");
    if (session_.pending_start_coordinator_ns) StartLoad(*session_.pending_start_coordinator_ns);
}

void AgentLoop::SendAck() {
    const proto::Assignment& as = session_.assignment;
    nats_.Publish(session_.ack_subject,
                  proto::EncodeAssignmentAck({as.run_id, options_.agent_id, as.plan_checksum, as.attempt}));
}

void AgentLoop::OnStart(std::string_view data) {
    proto::Start start;
    if (!proto::DecodeStart(data, &start, nullptr) || !IsSessionRun(start.run_id)) return;
    session_.last_coordinator_ns = NowNs();
    if (state_ == State::kPreparing) {
        session_.pending_start_coordinator_ns = start.start_at_coordinator_ns;  // applied once acked
    } else if (state_ == State::kReady) {
        StartLoad(start.start_at_coordinator_ns);
    }
}

void AgentLoop::StartLoad(std::int64_t start_at_coordinator_ns) {
    const std::int64_t now = NowNs();
    const proto::Assignment& as = session_.assignment;
    const bool rejoin = as.owns_from_coordinator_ns != 0;
    // A start already past begins at once. A first start is shifted to now (the runtime would otherwise run
    // the overdue arrivals at once); a re-joining agent keeps the run's original start, so its schedule and end
    // line up with everyone else's, and owns no arrival before owns_from, so nothing is overdue.
    const std::int64_t original = session_.offset.ToAgentNs(start_at_coordinator_ns);
    // (0 would mean "when prepared" to the runtime: a start that long ago is 1 ns.)
    const std::int64_t start_at = rejoin ? std::max<std::int64_t>(1, original) : std::max(now, original);
    if (session_.prepared.workloads.empty()) {
        SetState(State::kRunning, "load starts in " + Ms(start_at - now));
        FinishRun(metrics::Snapshot{}, "");  // this agent hosts no virtual user of the assigned scenarios
        return;
    }
    if (rejoin) {
        session_.owns_from_ns = session_.offset.ToAgentNs(as.owns_from_coordinator_ns);
        session_.owned_from_reshards.clear();
        for (const proto::ScenarioShare& share : as.scenarios) {
            const int index = session_.prepared.WorkloadIndex(share.scenario);
            if (index < 0) continue;
            runtime::Workload& w = session_.prepared.workloads[static_cast<size_t>(index)];
            w.segment = sched::ShardSegment{0, 0};  // closed-model workloads ignore it; open ones own nothing yet
            session_.owned_from_reshards.emplace_back(static_cast<size_t>(index), share.shard);
        }
        SetState(State::kRunning, "re-joining the run started " + Ms(now - start_at) + " ago; owning arrivals in " +
                                      Ms(session_.owns_from_ns - now));
    } else {
        SetState(State::kRunning, "load starts in " + Ms(start_at - now));
    }
    load_->SetSendLease(now + kSendLeaseNs);
    load_->Start(std::move(session_.prepared.workloads), options_.client, start_at);
}

void AgentLoop::ApplyOwnedFromReshards() {
    if (session_.owned_from_reshards.empty()) return;
    // A Rebalance of a later epoch than the Assignment's decided the shares instead.
    if (session_.epoch != session_.assignment.epoch) {
        session_.owned_from_reshards.clear();
        return;
    }
    // LoadRun ignores a Reshard before its workers exist, and a second identical Reshard is not a no-op (the
    // first one already made the new slice current, so the second would hand it the arrivals before owns_from):
    // exactly one, once the run published an interval (its workers exist and have started; with a start in
    // the past the first interval comes at once, well before owns_from).
    if (outbox_.last_seq() == 0) return;
    for (const auto& [index, segment] : session_.owned_from_reshards) {
        load_->Reshard(index, segment, session_.owns_from_ns);
    }
    session_.owned_from_reshards.clear();
    Log("owning arrivals again from " + Ms(session_.owns_from_ns - NowNs()) + " on");
}

void AgentLoop::OnStop(std::string_view data) {
    proto::Stop stop;
    if (!proto::DecodeStop(data, &stop, nullptr) || !IsSessionRun(stop.run_id)) return;
    session_.last_coordinator_ns = NowNs();
    if (session_.stop_requested || state_ == State::kDraining) return;
    session_.stop_requested = true;
    const std::string why = std::string("stop (") + std::string(proto::StopReasonName(stop.reason)) +
                            (stop.abort ? ", abort" : ", drain") + (stop.detail.empty() ? "" : ": " + stop.detail) +
                            ")";
    if (state_ == State::kRunning && load_->Active()) {
        Log(why + ": stopping load");
        load_->RequestStop(stop.abort);
    } else if (state_ == State::kPreparing || state_ == State::kReady) {
        clock_.Cancel();
        Log(why + " before load started");
        FinishRun(metrics::Snapshot{}, "");
    }
}

void AgentLoop::OnRebalance(std::string_view data) {
    proto::Rebalance rb;
    if (!proto::DecodeRebalance(data, &rb, nullptr) || !IsSessionRun(rb.run_id)) return;
    session_.last_coordinator_ns = NowNs();
    if (rb.epoch <= session_.epoch || (state_ != State::kReady && state_ != State::kRunning)) return;
    if (state_ == State::kRunning && rb.epoch > session_.epoch + 1) {
        // One was missed (lost in a reconnect): each Rebalance's `from` matters, so applying only this one would
        // keep our old slice until its `from`, over the slices the others took at the missed one's. The
        // coordinator resends every missed epoch, in order, once our heartbeats show the old one.
        Log("rebalance to epoch " + std::to_string(rb.epoch) + " before epoch " + std::to_string(session_.epoch + 1) +
            ": waiting for the missed one");
        return;
    }
    if (const std::size_t missing = MissingVuPlans(session_.prepared, rb.scenarios); missing > 0) {
        // Their VuPlans were lost or are still arriving: the epoch is not taken, so the coordinator sends both again.
        Log("rebalance to epoch " + std::to_string(rb.epoch) + " moves " + std::to_string(missing) +
            " virtual user(s) here whose plans have not arrived: waiting for them");
        return;
    }
    std::vector<ExtraVusers> extra = ExtraVusersFor(session_.prepared, rb.scenarios, /*open_model=*/false);
    std::vector<ExtraVusers> open_extra = ExtraVusersFor(session_.prepared, rb.scenarios, /*open_model=*/true);
    // Moved VUs need the main run going (their run lines up with it). Before it started, the epoch is not taken:
    // the coordinator sees the old epoch in our heartbeats and sends this Rebalance again.
    const bool defer = state_ == State::kReady && !(extra.empty() && open_extra.empty());
    if (!defer) session_.epoch = rb.epoch;
    const std::int64_t from = session_.offset.ToAgentNs(rb.from_coordinator_ns);
    int applied = 0;
    // Open model: the slice is split between the agent's own VUs and the moved-in ones in proportion, so every
    // identity is used as often wherever it runs (issue 12 item 4).
    std::vector<std::pair<std::string, sched::ShardSegment>> moved_parts;
    for (const proto::ScenarioShare& share : rb.scenarios) {
        auto moved_in = std::find_if(open_extra.begin(), open_extra.end(),
                                     [&](const ExtraVusers& e) { return e.scenario == share.scenario; });
        const std::int64_t moved = moved_in == open_extra.end() ? 0 : static_cast<std::int64_t>(moved_in->ids.size());
        const auto [own_part, moved_part] =
            SplitForMovedIn(share.shard, InitialVusers(session_.prepared, share.scenario), moved);
        if (moved > 0) moved_parts.emplace_back(share.scenario, moved_part);
        const int index = session_.prepared.WorkloadIndex(share.scenario);
        if (index >= 0 && state_ == State::kRunning) {
            load_->Reshard(static_cast<size_t>(index), own_part, from);
        } else if (index >= 0) {
            session_.prepared.workloads[static_cast<size_t>(index)].segment = own_part;
        }
        if (index >= 0 || moved > 0) ++applied;  // else: hosts no virtual user of it, nothing to reshard here
    }
    std::string moved;
    if (state_ == State::kRunning && !session_.stop_requested) {
        if (extra != session_.extra_vusers) moved = ApplyExtraVusers(std::move(extra), std::max(from, NowNs()), rb.epoch);
        moved += ApplyOpenExtraVusers(std::move(open_extra), moved_parts, from, rb.epoch);
    }
    Log("rebalance to epoch " + std::to_string(rb.epoch) + " (" + std::to_string(applied) + " scenario(s)) from " +
        Ms(from - NowNs()) + " on" + (defer ? "; takeover of virtual users waits for the start" : "") + moved);
    MaybeConfirmAssignment(nullptr);  // the Reshard above is queued before the lease is renewed
}

// Open model: the moved-in VUs `extra` serve `parts` (their part of each scenario's slice) from from_ns on. The
// same VUs as before only get their new parts; other VUs get a new supplementary run (started at the main run's
// start so its schedule lines up, owning nothing before from_ns), and the previous run gives up its arrivals at
// from_ns and is drained shortly after (RetireSupplementaryRuns): no arrival falls between two runs. Returns a
// note for the log.
std::string AgentLoop::ApplyOpenExtraVusers(std::vector<ExtraVusers> extra,
                                            const std::vector<std::pair<std::string, sched::ShardSegment>>& parts,
                                            std::int64_t from_ns, std::uint32_t epoch) {
    // The superseded run still starts what was due before from_ns (and waits for a free VU up to this long).
    constexpr std::int64_t kRetireAfterNs = 2 * kNsPerSec;
    auto part_of = [&](const std::string& scenario) {
        for (const auto& [name, part] : parts) {
            if (name == scenario) return part;
        }
        return sched::ShardSegment{0, 0};
    };
    const int current = session_.open_extra_run;
    if (extra == session_.open_extra_vusers) {
        for (size_t i = 0; current >= 0 && i < session_.open_extra_vusers.size(); ++i) {
            load_->ReshardSupplementary(current, i, part_of(session_.open_extra_vusers[i].scenario), from_ns);
        }
        return "";
    }
    if (current >= 0) {
        for (size_t i = 0; i < session_.open_extra_vusers.size(); ++i) {
            load_->ReshardSupplementary(current, i, sched::ShardSegment{0, 0}, from_ns);
        }
        session_.retiring_runs.emplace_back(current, from_ns + kRetireAfterNs);
    }
    session_.open_extra_run = -1;
    session_.open_extra_vusers.clear();
    if (extra.empty()) return current >= 0 ? "; moved virtual users (open model) go back" : "";
    int count = 0;
    for (const ExtraVusers& e : extra) count += static_cast<int>(e.ids.size());
    std::vector<runtime::Workload> workloads;
    try {
        workloads = MakeOpenExtraWorkloads(session_.prepared, extra, epoch);
    } catch (const std::exception& e) {
        return std::string("; cannot host the moved virtual users (open model): ") + e.what();
    }
    const int run = load_->StartOpenSupplementary(std::move(workloads), load_->main_start_ns());
    if (run < 0) return "; " + std::to_string(count) + " moved virtual user(s) not started (the run is ending)";
    for (size_t i = 0; i < extra.size(); ++i) load_->ReshardSupplementary(run, i, part_of(extra[i].scenario), from_ns);
    session_.open_extra_run = run;
    session_.open_extra_vusers = std::move(extra);
    return "; serving arrivals with " + std::to_string(count) + " moved virtual user(s) (open model)";
}

void AgentLoop::RetireSupplementaryRuns(std::int64_t now) {
    auto& runs = session_.retiring_runs;
    for (auto it = runs.begin(); it != runs.end();) {
        if (now < it->second) {
            ++it;
            continue;
        }
        load_->StopSupplementaryRun(it->first);
        it = runs.erase(it);
    }
}

// Runs `extra` (closed-model VUs beyond the Assignment's) in a new supplementary run from from_ns on, after
// draining the previous one: a VU that moves in or out finishes its iteration where it was, then loops on its
// new agent. Returns a note for the log.
std::string AgentLoop::ApplyExtraVusers(std::vector<ExtraVusers> extra, std::int64_t from_ns, std::uint32_t epoch) {
    // Less than this left of the run is not worth starting workers for.
    constexpr std::int64_t kMinSupplementaryNs = 500 * kNsPerMs;
    session_.extra_vusers = std::move(extra);
    int count = 0;
    for (const ExtraVusers& e : session_.extra_vusers) count += static_cast<int>(e.ids.size());
    if (count == 0) {
        load_->StopSupplementary();
        return "; moved virtual users go back (draining them here)";
    }
    std::vector<runtime::Workload> workloads;
    try {
        workloads = MakeExtraWorkloads(session_.prepared, session_.extra_vusers, load_->main_start_ns(), from_ns,
                                       epoch, kMinSupplementaryNs);
    } catch (const std::exception& e) {
        load_->StopSupplementary();
        return std::string("; cannot host the moved virtual users: ") + e.what();
    }
    if (!load_->StartSupplementary(std::move(workloads), from_ns)) {
        return "; " + std::to_string(count) + " moved virtual user(s) not started (the run is ending)";
    }
    return "; hosting " + std::to_string(count) + " moved virtual user(s) until the run's end";
}

void AgentLoop::OnMetricsAck(std::string_view data) {
    proto::MetricsAck ack;
    if (!proto::DecodeMetricsAck(data, &ack, nullptr) || !IsSessionRun(ack.run_id)) return;
    session_.last_coordinator_ns = NowNs();
    outbox_.Ack(ack.seq);
    if (state_ == State::kDraining && outbox_.final_acked()) EndSession("final total acknowledged");
}

// ---------------------------------------------------------------------------------------------
// The run's life on this side.

void AgentLoop::OnLoadEvents() {
    for (LoadEvent& e : load_->TakeEvents()) {
        if (e.kind == LoadEvent::Kind::kInterval) {
            if (state_ == State::kRunning && !session_.dead_man_fired) PublishMetrics(false, std::move(e.snapshot));
            continue;
        }
        load_->Join();
        if (state_ != State::kRunning) continue;
        FinishRun(std::move(e.snapshot), e.error);
    }
}

void AgentLoop::FinishRun(metrics::Snapshot total, const std::string& error) {
    if (!error.empty()) Log("the run failed on this agent: " + error);
    if (session_.dead_man_fired) {
        // Nobody is listening: the unacked metrics of this run are dropped (docs/protocol.md).
        EndSession("load stopped by the dead-man switch");
        return;
    }
    const std::uint64_t requests = total.total.requests;
    PublishMetrics(true, std::move(total));
    if (shutting_down_) {
        Shutdown();
        return;
    }
    session_.final_deadline_ns = NowNs() + kFinalAckTimeoutNs;
    SetState(State::kDraining, "load ended, " + std::to_string(requests) + " requests; final total sent");
}

void AgentLoop::EndSession(std::string_view why) {
    const bool ran = session_.acked;
    clock_.Cancel();
    if (session_.heartbeat_sub >= 0) nats_.Unsubscribe(session_.heartbeat_sub);
    state_ = State::kIdle;
    Log(std::string("idle: ") + std::string(why));
    session_ = Session{};
    outbox_.Reset();
    checkpoint_.Reset();
    next_register_ns_ = 0;
    if (options_.once && ran) {
        Log("--once: exiting after the run");
        Shutdown();
    }
}

void AgentLoop::Reject(std::string_view run_id, proto::RejectReason reason, const std::string& detail) {
    Log("rejected an assignment" + (run_id.empty() ? std::string() : " of run " + std::string(run_id)) + " (" +
        std::string(proto::RejectReasonName(reason)) + "): " + detail);
    if (!proto::IsValidId(run_id)) return;  // no subject to answer on
    proto::Reject r;
    r.cluster_id = options_.cluster_id;
    r.run_id = std::string(run_id);
    r.agent_id = options_.agent_id;
    r.reason = reason;
    r.detail = detail.substr(0, proto::kMaxReasonLength);
    nats_.Publish(proto::subjects::Ack(options_.cluster_id, run_id, options_.agent_id), proto::EncodeReject(r));
}

// ---------------------------------------------------------------------------------------------
// Periodic work.

void AgentLoop::OnTick() {
    if (shutting_down_) return;
    if (!refusal_.empty()) {
        Shutdown();
        return;
    }
    const std::int64_t now = NowNs();
    // A tick far later than scheduled means this process was frozen (SIGSTOP, VM pause): its own
    // silence says nothing about the coordinator, and the coordinator's heartbeats queued meanwhile
    // have not been read yet. Restart the dead-man window instead of firing on stale timestamps.
    if (last_tick_ns_ > 0 && now - last_tick_ns_ > kFrozenGapNs) {
        Log("resumed after " + Ms(now - last_tick_ns_) + " frozen: restarting the coordinator silence window");
        session_.last_coordinator_ns = now;
    }
    // Any gap longer than the heartbeat interval: the coordinator may have moved our share meanwhile (it times an
    // agent out after 15 s of silence). The send lease ran out during the gap, so the workers hold; it is renewed
    // only once the assignment is confirmed.
    if (last_tick_ns_ > 0 && now - last_tick_ns_ > proto::kHeartbeatIntervalNs) {
        BeginResumeCheck(now, now - last_tick_ns_);
    }
    last_tick_ns_ = now;
    if ((state_ == State::kReady || state_ == State::kRunning) && !session_.resume_check) {
        load_->SetSendLease(now + kSendLeaseNs);
    }
    if (state_ == State::kIdle) {
        if (inbox_sub_ >= 0 && nats_.Connected() && now >= next_register_ns_) {
            PublishRegister();
            next_register_ns_ = now + proto::kRegisterIntervalNs;
            if (!announced_idle_) {
                announced_idle_ = true;
                Log("waiting for a plan (announcing to cluster '" + options_.cluster_id + "' every 3 s)");
            }
        }
        return;
    }
    if (state_ == State::kRunning) {
        ApplyOwnedFromReshards();
        RetireSupplementaryRuns(now);
    }
    if (now >= next_heartbeat_ns_) {
        PublishHeartbeat();
        next_heartbeat_ns_ = now + proto::kHeartbeatIntervalNs;
    }
    outbox_.Resend(now, kResendAfterNs, [this](std::uint64_t, std::string_view bytes) {
        nats_.Publish(session_.metrics_subject, bytes);
    });
    // Before Start the coordinator may legitimately be quiet while it waits for other agents' acks
    // (up to 30 s), so the switch only uses the short bound once load may run.
    const bool load_phase = state_ == State::kPreparing || state_ == State::kReady || state_ == State::kRunning;
    const std::int64_t silence_limit = state_ == State::kRunning ? proto::kDeadManTimeoutNs : kStartWaitTimeoutNs;
    if (load_phase && !session_.dead_man_fired && now - session_.last_coordinator_ns > silence_limit) {
        session_.dead_man_fired = true;
        if (state_ == State::kRunning && load_->Active()) {
            Log("coordinator silent for 15 s: stopping load now (dead-man switch)");
            load_->RequestStop(true);  // FinishRun follows when the workers are down
        } else {
            EndSession("coordinator silent for " + Ms(now - session_.last_coordinator_ns) + " before the start");
        }
        return;
    }
    if (state_ == State::kPreparing && session_.assembler != nullptr && now > session_.prepare_deadline_ns) {
        Reject(session_.assignment.run_id, proto::RejectReason::kMalformed,
               "plan incomplete after 30 s (" + std::to_string(session_.assembler->received()) + "/" +
                   std::to_string(session_.assembler->count()) + " chunks)");
        EndSession("plan incomplete");
        return;
    }
    if (state_ == State::kDraining && now > session_.final_deadline_ns) {
        EndSession("final total not acknowledged within 20 s");
    }
}

void AgentLoop::PublishRegister() {
    proto::Register r;
    r.cluster_id = options_.cluster_id;
    r.agent_id = options_.agent_id;
    r.group = options_.group;
    r.region = options_.region;
    r.capacity = static_cast<std::uint32_t>(options_.capacity);
    r.version = kVersion;
    r.hostname = HostName().substr(0, proto::kMaxNameLength);
    r.pid = getpid();
    r.protocol_version = proto::kProtocolVersion;
    nats_.Publish(register_subject_, proto::EncodeRegister(r));
}

void AgentLoop::PublishHeartbeat() {
    proto::Heartbeat hb;
    hb.run_id = session_.assignment.run_id;
    hb.agent_id = options_.agent_id;
    hb.state = WireState();
    hb.epoch = session_.epoch;
    hb.last_seq = outbox_.last_seq();
    hb.now_agent_ns = NowNs();
    hb.attempt = session_.assignment.attempt;
    nats_.Publish(session_.heartbeat_subject, proto::EncodeHeartbeat(hb));
}

void AgentLoop::PublishMetrics(bool is_final, metrics::Snapshot snapshot) {
    // Interval bounds go out in the coordinator's clock, so snapshots of all agents line up there.
    if (snapshot.start_ns != 0) snapshot.start_ns = session_.offset.ToCoordinatorNs(snapshot.start_ns);
    if (snapshot.end_ns != 0) snapshot.end_ns = session_.offset.ToCoordinatorNs(snapshot.end_ns);
    for (auto& [key, sample] : snapshot.errors) {
        if (sample.first_seen_ns != 0) sample.first_seen_ns = session_.offset.ToCoordinatorNs(sample.first_seen_ns);
    }
    proto::Metrics m;
    m.run_id = session_.assignment.run_id;
    m.agent_id = options_.agent_id;
    m.seq = outbox_.NextSeq();
    m.is_final = is_final;
    m.attempt = session_.assignment.attempt;
    m.active_vusers = state_ == State::kRunning && !is_final
                          ? static_cast<std::uint32_t>(session_.prepared.hosted_vusers)
                          : 0;
    snapshot.AppendTo(&m.snapshot);
    std::string bytes = proto::EncodeMetrics(m);
    if (bytes.size() > proto::kMaxMessageBytes) {
        Log("metrics message of " + std::to_string(bytes.size()) + " bytes exceeds the broker limit");
    }
    nats_.Publish(session_.metrics_subject, bytes);
    outbox_.Add(is_final, std::move(bytes), NowNs());
    // After the interval: a checkpoint covers every interval with a smaller seq (docs/protocol.md).
    if (!is_final && checkpoint_.Add(snapshot)) {
        m.seq = outbox_.NextSeq();
        m.is_checkpoint = true;
        m.snapshot.clear();
        checkpoint_.sum().AppendTo(&m.snapshot);
        bytes = proto::EncodeMetrics(m);
        nats_.Publish(session_.metrics_subject, bytes);
        outbox_.AddCheckpoint(std::move(bytes), NowNs());
    }
}

// ---------------------------------------------------------------------------------------------
// Shutdown.

void AgentLoop::OnSignal(int signum) {
    // The agent's drain is the session's, not the load's: the load stops at once, then the final total goes out
    // and the agent exits. A second signal (or one during a shutdown begun otherwise) only insists on the abort.
    if (signals_.Arrive(signum) == StopAction::kAbort || shutting_down_) {
        // Second signal: do not wait for the load thread to wind down gracefully.
        load_->RequestStop(true);
        return;
    }
    shutting_down_ = true;
    Log(std::string(signum == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
    if (load_->Active()) {
        load_->RequestStop(true);  // FinishRun sends the final total, then Shutdown()
        return;
    }
    Shutdown();
}

void AgentLoop::Shutdown() {
    if (closed_) return;
    closed_ = true;
    shutting_down_ = true;
    clock_.Cancel();
    load_->RequestStop(true);
    load_->Join();
    uv_timer_stop(&tick_);
    uv_signal_stop(&sigint_);
    uv_signal_stop(&sigterm_);
    nats_.Close([this] {  // the handles are members: the loop's owner runs it until these closes complete
        uv::Close(&wake_);
        uv::Close(&tick_);
        uv::Close(&sigint_);
        uv::Close(&sigterm_);
    });
}

}  // namespace lse::agent
