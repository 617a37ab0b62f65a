#include "lse/plan/plan_runner.hpp"

#include <uv.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/http/client.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/compiled_request.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/runtime/idle_queue.hpp"
#include "lse/runtime/weighted_picker.hpp"
#include "lse/plan/template_expand.hpp"
#include "lse/runtime/metrics_recorder.hpp"

namespace lse::plan {
namespace {

std::int64_t NowNs() noexcept { return static_cast<std::int64_t>(uv_hrtime()); }

// What every worker of an agent shares: the plan, its compiled requests, the sequence counter.
struct SharedReplay {
    std::shared_ptr<const PlanRunConfig> config;
    std::vector<CompiledRequest> requests;  // parallel to the plan's request table
    StridedSeq seq;

    explicit SharedReplay(std::shared_ptr<const PlanRunConfig> c)
        : config(std::move(c)), seq(config->agent_index, config->agent_count) {}
};

class PlanRunner final : public runtime::IterationRunner {
public:
    PlanRunner(const runtime::WorkerContext& ctx, std::shared_ptr<const SharedReplay> shared)
        : ctx_(ctx),
          shared_(std::move(shared)),
          plan_(*shared_->config->scenario),
          rng_(Mix(shared_->config->seed, 1)),
          picker_(Weights(plan_), Mix(shared_->config->seed, 2)) {
        const PlanRunConfig& cfg = *shared_->config;
        expand_.seq = const_cast<StridedSeq*>(&shared_->seq);  // thread-safe counter shared by workers
        expand_.rng = &rng_;

        for (const auto& task : plan_.tasks) {
            task_stats_.push_back(ctx_.recorder->Register(
                metrics::MakeStatKey(metrics::StatKind::kTask, plan_.name, task.name), /*counts_in_total=*/false));
        }
        // This worker's virtual users: every worker_count-th of the agent's positions.
        const size_t hosted = cfg.vu_positions.empty() ? plan_.vusers.size() : cfg.vu_positions.size();
        std::unordered_map<std::string, int> stat_by_key;
        for (size_t k = static_cast<size_t>(ctx_.worker_index); k < hosted; k += static_cast<size_t>(ctx_.worker_count)) {
            const size_t position = cfg.vu_positions.empty() ? k : static_cast<size_t>(cfg.vu_positions[k]);
            auto vu = std::make_unique<Vu>();
            vu->runner = this;
            vu->index = static_cast<int>(vus_.size());
            vu->plan = &plan_.vusers[position];
            vu->exchange.on_done = &PlanRunner::OnDone;
            vu->exchange.user = vu.get();
            // Stats entries are registered for the (task, request name) pairs this worker can send,
            // so the report shows no empty rows and the hot path only indexes.
            vu->step_stats.resize(vu->plan->task_steps.size());
            for (size_t t = 0; t < vu->plan->task_steps.size(); ++t) {
                for (const Step& st : vu->plan->task_steps[t]) {
                    int index = -1;
                    if (!st.pause) {
                        std::string key = metrics::MakeStatKey(metrics::StatKind::kRequest, plan_.name,
                                                               plan_.tasks[t].name, plan_.requests[st.request].name);
                        auto it = stat_by_key.find(key);
                        if (it == stat_by_key.end()) {
                            index = ctx_.recorder->Register(key, /*counts_in_total=*/true);
                            stat_by_key.emplace(std::move(key), index);
                        } else {
                            index = it->second;
                        }
                    }
                    vu->step_stats[t].push_back(index);
                }
            }
            vus_.push_back(std::move(vu));
        }
        idle_.Reset(vus_.size());
        for (int i = 0; i < static_cast<int>(vus_.size()); ++i) idle_.Push(i);
        pauses_.reserve(vus_.size());
        deferred_.reserve(vus_.size());
        reporting_.reserve(vus_.size());

        pause_timer_ = new uv_timer_t;
        uv_timer_init(ctx_.loop, pause_timer_);
        pause_timer_->data = this;
        idle_handle_ = new uv_idle_t;
        uv_idle_init(ctx_.loop, idle_handle_);
        idle_handle_->data = this;
    }

    ~PlanRunner() override {
        // Close() normally released the handles; if it was never called, hand them to the loop.
        if (pause_timer_ != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(pause_timer_), &DeleteTimer);
        if (idle_handle_ != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(idle_handle_), &DeleteIdle);
    }

    int VuserCount() const noexcept override { return static_cast<int>(vus_.size()); }
    int Busy() const noexcept override { return busy_; }

    bool TryStart(int vu_index, std::int64_t intended_ns) noexcept override {
        if (aborted_ || plan_.tasks.empty()) return false;
        if (vu_index < 0) {
            if (idle_.Empty()) return false;
            vu_index = idle_.Pop();
        } else if (vu_index >= static_cast<int>(vus_.size()) || vus_[static_cast<size_t>(vu_index)]->busy) {
            return false;
        }
        Vu& vu = *vus_[static_cast<size_t>(vu_index)];
        const std::int64_t now = NowNs();
        vu.busy = true;
        vu.task = picker_.Next();
        vu.step = 0;
        vu.failure = ErrorKind::kNone;
        vu.started_ns = now;
        vu.intended_ns = intended_ns > 0 ? intended_ns : now;
        ++busy_;
        in_try_start_ = true;
        Advance(vu);
        in_try_start_ = false;
        return true;
    }

    void Abort() noexcept override {
        aborted_ = true;
        if (pause_timer_ != nullptr) uv_timer_stop(pause_timer_);
        while (!pauses_.empty()) {
            std::pop_heap(pauses_.begin(), pauses_.end(), std::greater<>());
            Vu& vu = *vus_[static_cast<size_t>(pauses_.back().vu)];
            pauses_.pop_back();
            SetFailure(vu, ErrorKind::kTimeout);
            EndIteration(vu);
        }
        // In-flight requests complete (cancelled) through OnDone, which ends their iterations.
        ctx_.client->CancelAll(ErrorKind::kTimeout);
    }

    void Close(std::function<void()> done) override {
        close_done_ = std::move(done);
        closing_ = 2;
        uv_close(reinterpret_cast<uv_handle_t*>(pause_timer_), &OnHandleClosed);
        uv_close(reinterpret_cast<uv_handle_t*>(idle_handle_), &OnHandleClosed);
    }

private:
    struct Vu {
        http::Exchange exchange;
        http::PreparedRequest own;  // templated requests are serialised here (capacity reused)
        PlanRunner* runner = nullptr;
        const VuPlan* plan = nullptr;
        std::vector<std::vector<int>> step_stats;  // recorder index per step (-1 for pauses)
        int index = 0;
        int task = 0;
        size_t step = 0;
        bool busy = false;
        ErrorKind failure = ErrorKind::kNone;
        std::int64_t started_ns = 0;
        std::int64_t intended_ns = 0;
    };
    struct Pause {
        std::int64_t due_ns;
        int vu;
        bool operator>(const Pause& o) const noexcept { return due_ns > o.due_ns; }
    };

    std::uint64_t Mix(std::uint64_t seed, int purpose) const {
        return (seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(purpose)) * 0xBF58476D1CE4E5B9ULL +
               static_cast<std::uint64_t>(shared_->config->agent_index) * 1000003ULL +
               static_cast<std::uint64_t>(ctx_.worker_index);
    }
    static std::vector<double> Weights(const ScenarioPlan& plan) {
        std::vector<double> w;
        for (const auto& t : plan.tasks) w.push_back(t.weight);
        return w;
    }
    static void DeleteTimer(uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); }
    static void DeleteIdle(uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); }
    static void OnHandleClosed(uv_handle_t* h) {
        auto* self = static_cast<PlanRunner*>(h->data);
        if (h == reinterpret_cast<uv_handle_t*>(self->pause_timer_)) {
            DeleteTimer(h);
            self->pause_timer_ = nullptr;
        } else {
            DeleteIdle(h);
            self->idle_handle_ = nullptr;
        }
        if (--self->closing_ == 0 && self->close_done_) {
            auto done = std::move(self->close_done_);
            done();
        }
    }

    static void SetFailure(Vu& vu, ErrorKind kind) noexcept {
        if (vu.failure == ErrorKind::kNone) vu.failure = kind;
    }

    // Runs the VU's steps from vu.step until one has to wait (a request in flight or a pause),
    // or the task is over.
    void Advance(Vu& vu) noexcept {
        const std::vector<Step>& steps = vu.plan->task_steps[static_cast<size_t>(vu.task)];
        while (vu.step < steps.size()) {
            const Step& st = steps[vu.step];
            if (st.pause) {
                if (st.pause_ns <= 0) {
                    ++vu.step;
                    continue;
                }
                pauses_.push_back(Pause{NowNs() + st.pause_ns, vu.index});
                std::push_heap(pauses_.begin(), pauses_.end(), std::greater<>());
                ArmPauseTimer();
                return;
            }
            if (Send(vu, st.request)) return;
            // The client refused (the run is being cancelled): the iteration cannot go on.
            SetFailure(vu, ErrorKind::kTimeout);
            break;
        }
        EndIteration(vu);
    }

    bool Send(Vu& vu, std::uint32_t request) noexcept {
        const CompiledRequest& c = shared_->requests[request];
        if (c.literal()) {
            vu.exchange.request = &c.shape.request;
        } else {
            expand_.vuser = vu.plan->id;
            SerializeTemplated(c, expand_, &vu.own);
            vu.exchange.request = &vu.own;
        }
        vu.exchange.origin = &c.origin;
        vu.exchange.timeout_ns = c.timeout_ns > 0 ? c.timeout_ns : shared_->config->default_timeout_ns;
        // An iteration that has started always waits for a connection, like the Lua runner: the
        // open model's "never queue" rule applies at arrival (no idle virtual user: dropped).
        return ctx_.client->Send(&vu.exchange, /*allow_queue=*/true);
    }

    static void OnDone(http::Exchange* exchange, void* user) {
        (void)exchange;
        auto* vu = static_cast<Vu*>(user);
        vu->runner->CompleteRequest(*vu);
    }

    void CompleteRequest(Vu& vu) noexcept {
        const http::Result& r = vu.exchange.result;
        const Step& st = vu.plan->task_steps[static_cast<size_t>(vu.task)][vu.step];
        // Same measurement as the Lua and URL runners (MetricsRecorder::RecordExchange): every request of a late
        // iteration is that late.
        const int stat = vu.step_stats[static_cast<size_t>(vu.task)][vu.step];
        const ErrorKind kind = ctx_.recorder->RecordExchange(stat, r, shared_->requests[st.request].accepted,
                                                             vu.intended_ns, vu.started_ns);
        if (kind != ErrorKind::kNone) SetFailure(vu, kind);
        ++vu.step;
        if (aborted_) {
            SetFailure(vu, ErrorKind::kTimeout);
            EndIteration(vu);
            return;
        }
        Advance(vu);
    }

    void EndIteration(Vu& vu) noexcept {
        const std::int64_t now = NowNs();
        ctx_.recorder->RecordRun(task_stats_[static_cast<size_t>(vu.task)], vu.failure, vu.intended_ns, vu.started_ns,
                                 now);
        vu.busy = false;
        --busy_;
        if (ctx_.open_model) idle_.Push(vu.index);
        if (in_try_start_) {
            // TryStart must never call the listener re-entrantly: report from the loop.
            deferred_.push_back(vu.index);
            if (idle_handle_ != nullptr) uv_idle_start(idle_handle_, &PlanRunner::OnIdle);
            return;
        }
        ctx_.listener->OnIterationDone(vu.index);
    }

    static void OnIdle(uv_idle_t* handle) {
        auto* self = static_cast<PlanRunner*>(handle->data);
        uv_idle_stop(handle);
        // Swap first: listener calls may start iterations that defer again. Both vectors keep
        // their capacity (one slot per virtual user), so this never allocates.
        std::swap(self->deferred_, self->reporting_);
        for (int vu : self->reporting_) self->ctx_.listener->OnIterationDone(vu);
        self->reporting_.clear();
    }

    void ArmPauseTimer() noexcept {
        if (pauses_.empty() || pause_timer_ == nullptr) return;
        uv_update_time(ctx_.loop);
        const std::int64_t d = pauses_.front().due_ns - NowNs();
        const auto ms = d <= 0 ? 0 : static_cast<std::uint64_t>((d + kNsPerMs - 1) / kNsPerMs);
        uv_timer_start(pause_timer_, &PlanRunner::OnPauseTimer, ms, 0);
    }

    static void OnPauseTimer(uv_timer_t* timer) {
        auto* self = static_cast<PlanRunner*>(timer->data);
        const std::int64_t now = NowNs();
        while (!self->pauses_.empty() && self->pauses_.front().due_ns <= now) {
            std::pop_heap(self->pauses_.begin(), self->pauses_.end(), std::greater<>());
            Vu& vu = *self->vus_[static_cast<size_t>(self->pauses_.back().vu)];
            self->pauses_.pop_back();
            ++vu.step;
            self->Advance(vu);
        }
        self->ArmPauseTimer();
    }

    runtime::WorkerContext ctx_;
    std::shared_ptr<const SharedReplay> shared_;
    const ScenarioPlan& plan_;
    std::mt19937_64 rng_;
    runtime::WeightedPicker picker_;
    ExpandContext expand_;
    std::vector<int> task_stats_;
    std::vector<std::unique_ptr<Vu>> vus_;
    runtime::IdleQueue idle_;
    std::vector<Pause> pauses_;  // min-heap on due_ns; a VU is in it at most once
    std::vector<int> deferred_;
    std::vector<int> reporting_;
    uv_timer_t* pause_timer_ = nullptr;
    uv_idle_t* idle_handle_ = nullptr;
    std::function<void()> close_done_;
    int closing_ = 0;
    int busy_ = 0;
    bool aborted_ = false;
    bool in_try_start_ = false;
};

}  // namespace

runtime::RunnerFactory MakePlanRunnerFactory(std::shared_ptr<const PlanRunConfig> config) {
    if (config == nullptr || config->scenario == nullptr) throw UsageError("plan runner: no scenario plan");
    const ScenarioPlan& plan = *config->scenario;
    std::string why;
    if (!CheckScenarioPlan(plan, &why)) throw UsageError("cannot replay the plan: " + why);
    for (int p : config->vu_positions) {
        if (p < 0 || static_cast<size_t>(p) >= plan.vusers.size()) {
            throw UsageError("plan runner: virtual user position " + std::to_string(p) + " is out of range (the plan has " +
                             std::to_string(plan.vusers.size()) + ")");
        }
    }
    auto shared = std::make_shared<SharedReplay>(config);
    shared->requests.reserve(plan.requests.size());
    for (const auto& r : plan.requests) {
        try {
            shared->requests.push_back(CompileRequest(r));
        } catch (const UsageError& e) {
            throw UsageError("scenario '" + plan.name + "', " + e.what());
        }
    }
    std::shared_ptr<const SharedReplay> frozen = std::move(shared);
    return [frozen](const runtime::WorkerContext& ctx) -> std::unique_ptr<runtime::IterationRunner> {
        return std::make_unique<PlanRunner>(ctx, frozen);
    };
}

std::vector<int> AgentVuPositions(std::size_t vusers, int agent_index, int agent_count) {
    std::vector<int> out;
    if (agent_count < 1 || agent_index < 0 || agent_index >= agent_count) return out;
    for (std::size_t p = static_cast<std::size_t>(agent_index); p < vusers; p += static_cast<std::size_t>(agent_count)) {
        out.push_back(static_cast<int>(p));
    }
    return out;
}

runtime::LoadSpec MakePlanLoadSpec(const LoadShape& shape, int hosted_vusers, int threads, std::uint64_t seed) {
    runtime::LoadSpec spec;
    spec.model = shape.open_model ? runtime::LoadModel::kOpen : runtime::LoadModel::kClosed;
    if (shape.open_model) spec.profile = sched::RateProfile(shape.start_rps, shape.stages);
    spec.vusers = std::max(1, hosted_vusers);
    spec.duration_ns = shape.duration_ns;
    spec.ramp_up_ns = shape.ramp_up_ns;
    spec.think_min_ns = shape.think_min_ns;
    spec.think_max_ns = shape.think_max_ns;
    spec.max_wait_ns = shape.max_wait_ns;
    spec.threads = std::max(1, std::min(threads, spec.vusers));
    spec.seed = seed;
    return spec;
}

}  // namespace lse::plan
