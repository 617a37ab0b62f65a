#include "lse/runtime/worker.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/runtime/arrival_queue.hpp"
#include "lse/runtime/precise_timer.hpp"
#include "lse/sched/arrival_schedule.hpp"
#include "lse/sched/catch_up_gate.hpp"
#include "lse/sched/pacer.hpp"
#include "lse/uv/close.hpp"

namespace lse::runtime {
namespace {

constexpr std::int64_t kPublishIntervalNs = kNsPerSec;
// Arrivals due within this much of now are started in the same wake-up: cheaper than
// one wake-up each at very high rates, and far below any latency we report.
constexpr std::int64_t kPacingSlackNs = 20 * kNsPerUs;
constexpr size_t kPacingBatch = 256;
/// With --max-wait 0 (no waiting for a virtual user) an arrival may still be this late, from timer jitter or a
/// busy loop, and start; later than that (or than max_wait when it is set) it is dropped and counted.
constexpr std::int64_t kOverdueToleranceNs = kNsPerSec;
/// After a stall (a frozen process, a SIGSTOP'd agent, a blocked loop, a send lease that ran out) the overdue
/// arrivals are started at most at this multiple of the planned rate: the backlog drains at one extra planned
/// rate, never as one burst (issue 12 item 2: a frozen agent must not burst on resume). sched::CatchUpGate.
constexpr std::int64_t kCatchUpFactor = 2;
/// Lateness below this is ordinary timer jitter: arrivals are taken as they come, without catch-up pacing.
constexpr std::int64_t kCatchUpAfterNs = 50 * kNsPerMs;
/// While the send lease has run out, the pacing timer looks again this often.
constexpr std::int64_t kHoldPollNs = 20 * kNsPerMs;
/// How often a worker measures its loop's lag (how late a timer fires): often enough that a loop blocked for a
/// few percent of the time shows at p99, rarely enough to cost nothing (GeneratorHealth::loop_lag_us).
constexpr std::int64_t kLagSampleNs = 10 * kNsPerMs;

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

// Virtual users hosted by worker `index` of `count`. Workers interleave global ids
// (worker w hosts ids w+1, w+1+count, ...), so worker w hosts the ids in 1..total that
// are congruent to w+1: ceil((total - w) / count) of them. The shares sum to total.
int ShareOf(int total, int index, int count) {
    if (index >= total) return 0;
    return (total - index + count - 1) / count;
}

// uv timers count from the loop's cached time, which goes stale during setup and long
// callbacks; refresh it so a deadline computed from the real clock is not reached early.
std::uint64_t MsUntil(uv_loop_t* loop, std::int64_t deadline_ns) {
    uv_update_time(loop);
    const std::int64_t d = deadline_ns - NowNs();
    return d <= 0 ? 0 : static_cast<std::uint64_t>((d + kNsPerMs - 1) / kNsPerMs);
}

}  // namespace

// Everything that lives on the worker thread. Allocated there, destroyed there.
//
// Phases: kPreparing (runner Prepare, e.g. on_start) -> kReady (waiting for Go) -> kRunning
// (pacing or looping) -> kDraining (no new iterations; grace period, then cancel) -> kFinishing
// (runner Finish, e.g. on_stop) -> kClosing (handles closing; the loop then ends).
// A stop request in any phase before kDraining skips straight to draining.
class Worker::Loop final : public IterationListener {
public:
    Loop(Worker* owner)
        : owner_(owner),
          cfg_(owner->config_),
          spec_(cfg_.spec),
          rng_(spec_.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(cfg_.index)) {
        uv_loop_init(&loop_);
    }

    ~Loop() override { uv_loop_close(&loop_); }

    void Setup() {
        http::ClientOptions client_options = cfg_.client;
        // One connection per virtual user at most: the VU pool is the concurrency limit.
        client_options.max_connections_per_origin = std::max(1, ShareOf(spec_.vusers, cfg_.index, cfg_.count));
        client_ = std::make_unique<http::Client>(&loop_, client_options);
        WorkerContext ctx;
        ctx.loop = &loop_;
        ctx.client = client_.get();
        ctx.recorder = &owner_->recorder_;
        ctx.listener = this;
        ctx.worker_index = cfg_.index;
        ctx.worker_count = cfg_.count;
        ctx.vusers = std::max(1, ShareOf(spec_.vusers, cfg_.index, cfg_.count));
        ctx.open_model = spec_.model == LoadModel::kOpen;
        runner_ = owner_->factory_(ctx);
        dropped_index_ = owner_->recorder_.Register(cfg_.dropped_name, /*counts_in_total=*/false);
        owner_->recorder_.SetGenerator(spec_.generator_id);

        uv_async_init(&loop_, &wake_, &Loop::OnWake);
        wake_.data = this;
        {
            std::lock_guard<std::mutex> lock(owner_->wake_mu_);
            owner_->wake_ = &wake_;
        }
        uv_timer_init(&loop_, &publish_timer_);
        publish_timer_.data = this;
        uv_timer_init(&loop_, &end_timer_);
        end_timer_.data = this;
        uv_timer_init(&loop_, &grace_timer_);
        grace_timer_.data = this;
        uv_timer_init(&loop_, &lag_timer_);
        lag_timer_.data = this;
        pacing_timer_ = std::make_unique<PreciseTimer>(&loop_, &Loop::OnPacingTimer, this);
    }

    void Run() {
        runner_->Prepare([this](IterationRunner::PhaseResult r) { OnPrepared(std::move(r)); });
        HandleWake();  // a stop may have been requested before the wake handle existed
        uv_run(&loop_, UV_RUN_DEFAULT);
    }

    // IterationListener: a virtual user finished an iteration.
    void OnIterationDone(int vu) noexcept override {
        if (state_ != State::kRunning) {
            MaybeFinishDrain();
            return;
        }
        if (spec_.model == LoadModel::kClosed) {
            ScheduleNextClosedIteration(vu);
        } else if (!waiting_.Empty()) {
            StartWaiting(NowNs());  // a virtual user is free: the longest-waiting arrival gets it
        }
    }

    // Destruction order matters: the runner and client must go before the loop is closed.
    void ReleaseObjects() {
        runner_.reset();
        client_.reset();
        pacing_timer_.reset();
    }

private:
    enum class State { kPreparing, kReady, kRunning, kDraining, kFinishing, kClosing };

    void OnPrepared(IterationRunner::PhaseResult r) {
        if (!r.ok) owner_->prepare_failure_ = r.error.empty() ? "virtual users could not be prepared" : r.error;
        owner_->prepared_.store(true);
        if (cfg_.on_prepared) cfg_.on_prepared();
        if (state_ != State::kPreparing) {  // stopped while preparing
            MaybeFinishDrain();
            return;
        }
        state_ = State::kReady;
        HandleWake();  // Go may already have arrived
    }

    void StartLoad(std::int64_t start_ns) {
        state_ = State::kRunning;
        start_ns_ = start_ns;
        end_ns_ = start_ns + spec_.RunLengthNs();
        interval_start_ns_ = start_ns_;
        uv_timer_start(&publish_timer_, &Loop::OnPublish, MsUntil(&loop_, start_ns_ + kPublishIntervalNs), 0);
        uv_timer_start(&end_timer_, &Loop::OnEnd, MsUntil(&loop_, end_ns_), 0);
        // Threads sample out of phase, so one hiccup of the host does not hit every thread's sample at once.
        ArmLagTimer(NowNs() + kLagSampleNs * (cfg_.index + 1) / std::max(1, cfg_.count));
        if (spec_.model == LoadModel::kOpen) {
            schedule_ = std::make_unique<sched::ArrivalSchedule>(*spec_.profile, cfg_.segment);
            pacer_ = std::make_unique<sched::Pacer>(schedule_.get(), start_ns_);
            ArmPacing();
        } else {
            StartClosedModel();
        }
    }

    // ---- open model ----
    void ArmPacing() {
        const std::int64_t next = pacer_->NextDueNs();
        if (next < 0 || next >= end_ns_) return;  // this worker's arrivals are all started
        // Catching up, `next` is in the past: wake when the paced catch-up reaches it, not at once.
        pacing_timer_->ArmAt(catch_up_.CatchingUp() ? catch_up_.WakeAtNs(next) : next);
    }

    static void OnPacingTimer(void* user) { static_cast<Loop*>(user)->Pace(); }

    // The owner's send lease ran out (an agent that was frozen checks its assignment first): start nothing.
    bool Held(std::int64_t now) const noexcept {
        return cfg_.send_lease_ns != nullptr && now > cfg_.send_lease_ns->load(std::memory_order_acquire);
    }

    void Pace() {
        if (state_ != State::kRunning) return;
        // How late an arrival may start: max_wait bounds it (a frozen agent must not start arrivals older than that).
        const std::int64_t overdue_limit = spec_.max_wait_ns > 0 ? spec_.max_wait_ns : kOverdueToleranceNs;
        std::int64_t due[kPacingBatch];
        for (;;) {
            const std::int64_t now = NowNs();
            // Before every batch, with the clock read after any stall (a freeze may fall anywhere, also inside
            // this loop): a worker frozen past its lease must hold here, not take arrivals under its old slice.
            if (Held(now)) {
                // Nothing is taken from the schedule while held, so a Reshard whose instant has passed meanwhile
                // still applies exactly (no arrival past it was taken here). Once released, the catch-up starts
                // afresh from the oldest due arrival: the held time is lag, not progress.
                held_ = true;
                catch_up_.Reset();
                pacing_timer_->ArmAt(now + kHoldPollNs);
                return;
            }
            // A Reshard issued before the lease was renewed decides which of the overdue arrivals are ours: applied
            // before any is taken, also when this worker never saw the hold. On a resume the owner may confirm its
            // assignment (and renew the lease) before this thread, frozen in the middle of a loop turn, goes on;
            // the turn then reaches this timer before the wake that carries the Reshard. Its `from` is in the
            // past, so taking first would put arrivals past it behind us and the Reshard could only apply a second
            // later: the agent kept its old slice over the one another agent took (the flaky
            // AgentFrozenPastTheTimeoutNeitherRepeatsNorBursts: ~5 s of its share dropped or sent twice). The
            // lease is stored after the Reshard is queued, so a renewed lease seen here means a pending Reshard
            // is seen too.
            if (held_ || owner_->reshards_pending_.load(std::memory_order_acquire)) {
                const bool was_held = held_;
                held_ = false;
                if (was_held) excuse_late_ = true;  // the catch-up after a hold is the lease's doing, not ours
                ApplyReshard();
                if (was_held) StartWaiting(now);
                if (state_ != State::kRunning) return;
            }
            DropExpired(now);
            // On time, everything due is taken; behind (after a stall), only what the paced catch-up has reached:
            // never older than overdue_limit (what lies before is taken below and dropped at once).
            const std::int64_t horizon = catch_up_.Horizon(now, pacer_->NextDueNs(), overdue_limit);
            const size_t n =
                pacer_->TakeDue(horizon, catch_up_.CatchingUp() ? 0 : kPacingSlackNs, due, kPacingBatch);
            std::int64_t at = now;
            for (size_t i = 0; i < n && state_ == State::kRunning; ++i) {
                if (due[i] >= end_ns_) break;
                // The clock again after each start: one start may block the loop (a busy task, a frozen thread),
                // and the arrivals taken in the same batch must not start later than max_wait because of it. They
                // were all due within this wake-up, so the rest still starting together is the schedule's own shape.
                if (i > 0) at = NowNs();
                CountArrival(at, due[i]);
                // Older than max_wait, or the run ended during a stall (in this batch, or before this wake-up)
                // rather than by a timer's latency at the end, which still starts what was due before it: dropped,
                // never burst or sent past the end.
                constexpr std::int64_t kStallNs = sched::CatchUpGate::kDefaultAfterNs;
                const bool stalled_past_end = at >= end_ns_ && (at - now > kStallNs || at - end_ns_ > kStallNs);
                if (at - due[i] > overdue_limit || stalled_past_end) {
                    owner_->recorder_.RecordDropped(dropped_index_);
                    continue;
                }
                Arrive(due[i]);  // with its ORIGINAL intended time: the lateness shows in its response time
            }
            if (n < kPacingBatch || state_ != State::kRunning) break;
        }
        if (!catch_up_.CatchingUp()) excuse_late_ = false;
        if (state_ == State::kRunning) ArmPacing();
    }

    // Generator health: an arrival taken from the schedule at now_ns, late when the generator itself kept it waiting
    // (a busy loop, a stall). The wait for a free virtual user comes after this and is not counted (the target's
    // slowness, not ours).
    void CountArrival(std::int64_t now_ns, std::int64_t intended_ns) noexcept {
        metrics::GeneratorHealth& h = owner_->recorder_.Health();
        ++h.arrivals;
        if (!excuse_late_ && now_ns - intended_ns > metrics::kLateArrivalNs) ++h.late_arrivals;
    }

    // At the end, arrivals due before it that a catch-up has not reached yet are dropped and counted (planned =
    // sent + dropped): load never continues past the run. Not while held: those may be another agent's by now.
    void DropUncaughtUp() {
        if (state_ != State::kRunning || held_) return;
        std::int64_t due[kPacingBatch];
        size_t n;
        const std::int64_t now = NowNs();
        while ((n = pacer_->TakeDue(end_ns_ - 1, 0, due, kPacingBatch)) > 0) {
            for (size_t i = 0; i < n; ++i) {
                CountArrival(now, due[i]);
                owner_->recorder_.RecordDropped(dropped_index_);
            }
        }
    }

    // An arrival starts on an idle virtual user, or waits behind the earlier ones (FIFO).
    void Arrive(std::int64_t intended_ns) {
        if (waiting_.Empty() && runner_->TryStart(-1, intended_ns)) return;
        if (spec_.max_wait_ns <= 0) {
            owner_->recorder_.RecordDropped(dropped_index_);
            return;
        }
        waiting_.Push(intended_ns);
    }

    void StartWaiting(std::int64_t now) {
        DropExpired(now);
        if (Held(now)) return;
        while (!waiting_.Empty() && state_ == State::kRunning && runner_->TryStart(-1, waiting_.Front())) {
            waiting_.Pop();
        }
    }

    void DropExpired(std::int64_t now) {
        while (!waiting_.Empty() && now - waiting_.Front() > spec_.max_wait_ns) {
            waiting_.Pop();
            owner_->recorder_.RecordDropped(dropped_index_);
        }
    }

    // ---- closed model ----
    struct VuTimer {
        uv_timer_t timer;
        Loop* loop = nullptr;
        int vu = 0;
    };

    void StartClosedModel() {
        const int n = runner_->VuserCount();
        vu_timers_ = std::vector<VuTimer>(static_cast<size_t>(n));
        const int total = std::max(1, spec_.vusers);
        for (int k = 0; k < n; ++k) {
            VuTimer& vt = vu_timers_[static_cast<size_t>(k)];
            vt.loop = this;
            vt.vu = k;
            uv_timer_init(&loop_, &vt.timer);
            vt.timer.data = &vt;
            // Interleave workers so the ramp is even across the whole pool, not worker by worker.
            const long long global = static_cast<long long>(k) * cfg_.count + cfg_.index;
            const std::int64_t offset = spec_.ramp_up_ns > 0 ? spec_.ramp_up_ns * global / total : 0;
            uv_timer_start(&vt.timer, &Loop::OnVuTimer, MsUntil(&loop_, start_ns_ + offset), 0);
        }
    }

    static void OnVuTimer(uv_timer_t* t) {
        auto* vt = static_cast<VuTimer*>(t->data);
        vt->loop->StartClosedIteration(vt->vu);
    }

    void StartClosedIteration(int vu) {
        if (state_ != State::kRunning) return;
        const std::int64_t now = NowNs();
        if (now >= end_ns_) return;
        if (Held(now)) {
            uv_timer_start(&vu_timers_[static_cast<size_t>(vu)].timer, &Loop::OnVuTimer, 100, 0);
            return;
        }
        if (!TakeIteration()) {
            // The run's count is used up (by any worker): nothing starts again here, so drain now rather than
            // idle until the duration ends.
            BeginDrain();
            return;
        }
        if (!runner_->TryStart(vu, now)) {
            if (cfg_.iterations_left != nullptr) cfg_.iterations_left->fetch_add(1, std::memory_order_relaxed);
            // The runner refused this virtual user (e.g. its on_start failed), or the send lease ran out:
            // look again later rather than spinning.
            uv_timer_start(&vu_timers_[static_cast<size_t>(vu)].timer, &Loop::OnVuTimer, 100, 0);
        }
    }

    // One iteration of the shared count (spec.iterations), or true when there is no count.
    bool TakeIteration() noexcept {
        if (cfg_.iterations_left == nullptr) return true;
        return cfg_.iterations_left->fetch_sub(1, std::memory_order_relaxed) > 0;
    }

    void ScheduleNextClosedIteration(int vu) {
        std::int64_t think = spec_.think_min_ns;
        if (spec_.think_max_ns > spec_.think_min_ns) {
            std::uniform_int_distribution<std::int64_t> dist(spec_.think_min_ns, spec_.think_max_ns);
            think = dist(rng_);
        }
        if (think <= 0) {
            StartClosedIteration(vu);
            return;
        }
        const std::uint64_t ms = static_cast<std::uint64_t>((think + kNsPerMs / 2) / kNsPerMs);
        uv_timer_start(&vu_timers_[static_cast<size_t>(vu)].timer, &Loop::OnVuTimer, ms, 0);
    }

    // ---- metrics ----
    static void OnPublish(uv_timer_t* t) {
        auto* self = static_cast<Loop*>(t->data);
        const std::int64_t end = self->interval_start_ns_ + kPublishIntervalNs;
        self->PublishUntil(end);
        uv_timer_start(&self->publish_timer_, &Loop::OnPublish, MsUntil(&self->loop_, end + kPublishIntervalNs), 0);
    }

    // Hands what was recorded since the last publish to the main thread as [interval_start_ns_, end).
    void PublishUntil(std::int64_t end) {
        metrics::GeneratorHealth& h = owner_->recorder_.Health();
        h.threads = 1;
        h.open_sockets = client_ ? static_cast<std::uint32_t>(client_->OpenConnections()) : 0;
        owner_->recorder_.Publish(interval_start_ns_, end);
        interval_start_ns_ = end;
    }

    // ---- generator health: loop lag ----
    // A timer due at due_ns: how late it fires is how long the loop was kept from its timers (a busy callback,
    // a starved thread). The next one is due a period after it fired, so one long block is one sample.
    void ArmLagTimer(std::int64_t due_ns) {
        lag_due_ns_ = due_ns;
        uv_timer_start(&lag_timer_, &Loop::OnLagTimer, MsUntil(&loop_, due_ns), 0);
    }

    static void OnLagTimer(uv_timer_t* t) {
        auto* self = static_cast<Loop*>(t->data);
        const std::int64_t now = NowNs();
        // uv timers run on a millisecond loop clock and may fire up to 1 ms before due_ns: that is not lag.
        self->owner_->recorder_.Health().loop_lag_us.Record(std::max<std::int64_t>(0, now - self->lag_due_ns_) / 1000);
        if (self->state_ == State::kRunning) self->ArmLagTimer(now + kLagSampleNs);
    }

    // ---- stop requests, end of run ----
    static void OnWake(uv_async_t* a) { static_cast<Loop*>(a->data)->HandleWake(); }

    void HandleWake() {
        ApplyReshard();
        const int req = owner_->stop_request_.load();
        if (req >= 1) BeginDrain();
        if (req >= 2) Abort();
        const std::int64_t go = owner_->start_at_ns_.load();
        if (state_ == State::kReady && go > 0) {
            StartLoad(go);
            ApplyReshard();  // a reshard that arrived before the start
        }
    }

    void ApplyReshard() {
        std::vector<std::pair<sched::ShardSegment, std::int64_t>> reshards;
        {
            std::lock_guard<std::mutex> lock(owner_->wake_mu_);
            if (owner_->reshards_.empty() || state_ != State::kRunning || schedule_ == nullptr) return;
            reshards.swap(owner_->reshards_);
            owner_->reshards_pending_.store(false, std::memory_order_relaxed);
        }
        for (const auto& [segment, from_ns] : reshards) {
            try {
                schedule_->Reshard(segment, from_ns - start_ns_);
            } catch (const std::exception&) {
                // from_ns is already behind what this worker started: take the new slice from the
                // next whole second instead of losing it.
                try {
                    const std::int64_t later = std::max(from_ns, NowNs()) + kNsPerSec - start_ns_;
                    schedule_->Reshard(segment, later);
                } catch (const std::exception&) {
                }
            }
        }
        pacing_timer_->Disarm();
        ArmPacing();
    }

    static void OnEnd(uv_timer_t* t) {
        auto* self = static_cast<Loop*>(t->data);
        // uv timers count whole milliseconds of a truncated loop clock, so this can fire up to 1 ms
        // early: wait for the real end, or the arrivals of that last millisecond would be lost.
        if (NowNs() < self->end_ns_) {
            uv_timer_start(&self->end_timer_, &Loop::OnEnd, MsUntil(&self->loop_, self->end_ns_), 0);
            return;
        }
        // It can also run before the pacing timer's last wake-up in the same loop turn: start the
        // arrivals due before the end first.
        if (self->pacer_) {
            self->Pace();
            self->DropUncaughtUp();
        }
        self->BeginDrain();
    }

    void BeginDrain() {
        if (state_ != State::kPreparing && state_ != State::kReady && state_ != State::kRunning) return;
        const bool was_preparing = state_ == State::kPreparing;
        state_ = State::kDraining;
        pacing_timer_->Disarm();
        // Arrivals still waiting for a virtual user never started: they are dropped, not carried past the end.
        while (!waiting_.Empty()) {
            waiting_.Pop();
            owner_->recorder_.RecordDropped(dropped_index_);
        }
        for (auto& vt : vu_timers_) uv_timer_stop(&vt.timer);
        uv_timer_stop(&end_timer_);
        uv_timer_stop(&lag_timer_);  // the drain's own waits are not load
        uv_timer_start(&grace_timer_, &Loop::OnGraceOver, static_cast<std::uint64_t>(spec_.grace_ns / kNsPerMs), 0);
        if (was_preparing) return;  // OnPrepared continues once Prepare has returned
        MaybeFinishDrain();
    }

    static void OnGraceOver(uv_timer_t* t) { static_cast<Loop*>(t->data)->Abort(); }

    void Abort() {
        aborted_ = true;
        if (state_ == State::kPreparing || state_ == State::kReady || state_ == State::kRunning) BeginDrain();
        if (state_ != State::kDraining && state_ != State::kFinishing) return;
        runner_->Abort();
        client_->CancelAll(ErrorKind::kTimeout);
        MaybeFinishDrain();
    }

    void MaybeFinishDrain() {
        if (state_ != State::kDraining || runner_->Busy() > 0 || !owner_->prepared_.load()) return;
        state_ = State::kFinishing;
        if (start_ns_ > 0) PublishUntil(std::max(NowNs(), interval_start_ns_));
        uv_timer_stop(&publish_timer_);
        if (aborted_) {
            // A second Ctrl-C or the watchdog: no on_stop, no more requests.
            CloseAll();
            return;
        }
        // Finish gets its own grace period; after it, Abort cancels what it still waits for.
        uv_timer_start(&grace_timer_, &Loop::OnGraceOver, static_cast<std::uint64_t>(spec_.grace_ns / kNsPerMs), 0);
        runner_->Finish([this](IterationRunner::PhaseResult r) {
            if (!r.ok) owner_->finish_failure_ = r.error;
            // What Finish recorded (on_stop's requests and checks) goes out too: the last publish above was
            // before it ran, and the run's total is collected after every worker has finished.
            if (start_ns_ > 0) PublishUntil(std::max(NowNs(), interval_start_ns_));
            if (state_ == State::kFinishing) CloseAll();
        });
    }

    void CloseAll() {
        state_ = State::kClosing;
        {
            std::lock_guard<std::mutex> lock(owner_->wake_mu_);
            owner_->wake_ = nullptr;
        }
        uv::Close(&wake_);  // members: the worker thread's loop runs until every close completed
        uv::Close(&publish_timer_);
        uv::Close(&end_timer_);
        uv::Close(&grace_timer_);
        uv::Close(&lag_timer_);
        for (auto& vt : vu_timers_) uv::Close(&vt.timer);
        pacing_timer_->Close([](void*) {}, nullptr);
        runner_->Close([this] { client_->Close([] {}); });
    }

    Worker* owner_;
    const WorkerConfig& cfg_;
    const LoadSpec& spec_;
    std::int64_t start_ns_ = 0;
    std::int64_t end_ns_ = 0;
    std::mt19937_64 rng_;
    State state_ = State::kPreparing;
    bool aborted_ = false;
    bool held_ = false;  // open model: the last Pace found the send lease run out
    bool excuse_late_ = false;  // open model: catching up after a hold; those arrivals are not late_arrivals
    std::int64_t lag_due_ns_ = 0;  // when the lag timer should fire

    uv_loop_t loop_;
    uv_async_t wake_;
    uv_timer_t publish_timer_;
    uv_timer_t end_timer_;
    uv_timer_t grace_timer_;
    uv_timer_t lag_timer_;
    std::unique_ptr<PreciseTimer> pacing_timer_;
    std::vector<VuTimer> vu_timers_;

    std::unique_ptr<http::Client> client_;
    std::unique_ptr<IterationRunner> runner_;
    std::unique_ptr<sched::ArrivalSchedule> schedule_;
    std::unique_ptr<sched::Pacer> pacer_;
    sched::CatchUpGate catch_up_{kCatchUpFactor, kCatchUpAfterNs};  // open model: paces the catch-up after a stall
    ArrivalQueue waiting_;  // open model: intended start times of arrivals waiting for a virtual user
    int dropped_index_ = 0;
    std::int64_t interval_start_ns_ = 0;
};

Worker::Worker(WorkerConfig config, RunnerFactory factory) : config_(std::move(config)), factory_(std::move(factory)) {}

Worker::~Worker() {
    RequestAbort();
    Join();
}

void Worker::Start() {
    thread_ = std::thread([this] { ThreadMain(); });
}

void Worker::Go(std::int64_t start_at_ns) noexcept {
    start_at_ns_.store(start_at_ns);
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (wake_) uv_async_send(wake_);
}

void Worker::ThreadMain() {
    try {
        Loop loop(this);
        try {
            loop.Setup();
        } catch (...) {
            failure_ = std::current_exception();
            loop.ReleaseObjects();
            prepared_.store(true);
            if (config_.on_prepared) config_.on_prepared();
            finished_.store(true);
            if (config_.on_finished) config_.on_finished();
            return;
        }
        loop.Run();
        loop.ReleaseObjects();
    } catch (...) {
        failure_ = std::current_exception();
    }
    prepared_.store(true);
    finished_.store(true);
    if (config_.on_finished) config_.on_finished();
}

void Worker::RequestStop() noexcept {
    int expected = 0;
    stop_request_.compare_exchange_strong(expected, 1);
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (wake_) uv_async_send(wake_);
}

void Worker::RequestAbort() noexcept {
    stop_request_.store(2);
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (wake_) uv_async_send(wake_);
}

void Worker::Reshard(sched::ShardSegment segment, std::int64_t from_ns) noexcept {
    std::lock_guard<std::mutex> lock(wake_mu_);
    reshards_.emplace_back(segment, from_ns);
    reshards_pending_.store(true, std::memory_order_release);
    if (wake_) uv_async_send(wake_);
}

void Worker::Join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace lse::runtime
