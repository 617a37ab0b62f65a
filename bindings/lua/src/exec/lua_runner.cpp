#include "lse/lua/lua_runner.hpp"

#include <map>

#include "load_context.hpp"
#include "lse/runtime/idle_queue.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "lse/uv/close.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {
namespace {

constexpr int kMaxListedErrors = 3;

// Runs a hook (on_start or on_stop) for every eligible virtual user, at most `concurrency` at a
// time, and summarises the failures.
struct HookPhase {
    Phase phase = Phase::kOnStart;
    bool active = false;
    bool pumping = false;
    int next = 0;
    int running = 0;
    int started = 0;
    int failed = 0;
    std::string first_error;
    std::map<std::string, int> distinct;  // first line -> count (kept small)
    runtime::IterationRunner::PhaseDone done;
};

class LuaRunner final : public runtime::IterationRunner, public EngineListener {
public:
    LuaRunner(const runtime::WorkerContext& ctx, std::shared_ptr<const LuaRunConfig> config)
        : ctx_(ctx), config_(std::move(config)) {
        EngineContext ectx;
        ectx.loop = ctx_.loop;
        ectx.client = ctx_.client;
        ectx.recorder = ctx_.recorder;
        ectx.worker_index = ctx_.worker_index;
        ectx.worker_count = ctx_.worker_count;
        engine_ = std::make_unique<ScenarioEngine>(*config_, ectx, this);
        data_stop_ = &detail::GetContext(engine_->L())->shared->Feeds();  // the store this state loaded with
        for (int k = 0; k < ctx_.vusers; ++k) engine_->AddVu(ctx_.worker_index + k * ctx_.worker_count + 1);
        idle_.Reset(static_cast<size_t>(ctx_.vusers));
        deferred_.reserve(static_cast<size_t>(ctx_.vusers));
        reporting_.reserve(static_cast<size_t>(ctx_.vusers));
        idle_handle_ = new uv_idle_t;
        uv_idle_init(ctx_.loop, idle_handle_);
        idle_handle_->data = this;
    }

    ~LuaRunner() override {
        if (idle_handle_ != nullptr) {
            uv::CloseAndDelete(idle_handle_);
        }
    }

    int VuserCount() const noexcept override { return engine_->VuCount(); }
    int Busy() const noexcept override { return busy_; }

    bool TryStart(int vu_index, std::int64_t intended_ns) noexcept override {
        if (engine_->Aborted() || data_stop_->Stopped()) return false;  // a unique data file ran out (stop)
        if (vu_index < 0) {
            if (idle_.Empty()) return false;
            vu_index = idle_.Pop();
        } else {
            if (vu_index >= engine_->VuCount()) return false;
            const Vu& v = engine_->VuAt(vu_index);
            if (v.busy || v.broken || !v.prepared) return false;
        }
        Vu& vu = engine_->VuAt(vu_index);
        ++busy_;
        in_try_start_ = true;
        try {
            engine_->Start(vu, Phase::kTask, engine_->PickTask(), intended_ns);
        } catch (const std::exception& e) {
            // Out of memory or similar while preparing the coroutine: count it, keep the VU.
            engine_->Errors().Add("scenario '" + config_->scenario + "'", e.what());
            if (vu.busy) {
                vu.busy = false;
                --busy_;
            }
            in_try_start_ = false;
            if (ctx_.open_model) idle_.Push(vu_index);
            return false;
        }
        in_try_start_ = false;
        return true;
    }

    void Abort() noexcept override { engine_->Abort(); }

    void Close(std::function<void()> done) override {
        uv::CloseAndDelete(idle_handle_);
        idle_handle_ = nullptr;
        engine_->Close(std::move(done));
    }

    void Prepare(PhaseDone done) override {
        if (!engine_->HasHook(Phase::kOnStart)) {
            RebuildIdle();
            done(PhaseResult{});
            return;
        }
        StartPhase(Phase::kOnStart, std::move(done));
    }

    void Finish(PhaseDone done) override {
        if (!engine_->HasHook(Phase::kOnStop)) {
            done(PhaseResult{});
            return;
        }
        StartPhase(Phase::kOnStop, std::move(done));
    }

private:
    void StartPhase(Phase phase, PhaseDone done) {
        hook_ = HookPhase{};
        hook_.phase = phase;
        hook_.active = true;
        hook_.done = std::move(done);
        Pump();
    }

    void Pump() {
        if (!hook_.active || hook_.pumping) return;
        hook_.pumping = true;
        const int limit = std::max(1, config_->on_start_concurrency);
        while (!engine_->Aborted() && hook_.running < limit && hook_.next < engine_->VuCount()) {
            Vu& vu = engine_->VuAt(hook_.next++);
            if (hook_.phase == Phase::kOnStop && (!vu.prepared || vu.broken || vu.busy)) continue;
            ++hook_.running;
            ++hook_.started;
            engine_->Start(vu, hook_.phase, -1, 0);
        }
        hook_.pumping = false;
        if (hook_.running == 0 && (hook_.next >= engine_->VuCount() || engine_->Aborted())) EndPhase();
    }

    void EndPhase() {
        hook_.active = false;
        const bool on_start = hook_.phase == Phase::kOnStart;
        if (on_start) RebuildIdle();
        PhaseResult result;
        if (hook_.failed > 0) {
            const char* what = on_start ? "on_start" : "on_stop";
            std::string text = std::to_string(hook_.failed) + " of " + std::to_string(hook_.started) +
                               " virtual users failed " + what + ": " + hook_.first_error;
            int listed = 0;
            for (const auto& [line, count] : hook_.distinct) {
                if (line == FirstLine(hook_.first_error) && count == 1) continue;
                if (++listed > kMaxListedErrors) break;
                text += "\n  " + std::to_string(count) + " x " + line;
            }
            result.error = std::move(text);
            // on_start: the run goes on while at least one virtual user is ready (the summary says how many
            // are), unless the scenario asks to abort on any failure (on_start_failure = "abort");
            // on_stop: any failure is reported as a failed finish.
            result.ok = on_start ? hook_.failed < hook_.started && !config_->abort_on_start_failure : false;
        }
        PhaseDone done = std::move(hook_.done);
        done(std::move(result));
    }

    void RebuildIdle() {
        idle_.Clear();
        for (int i = 0; i < engine_->VuCount(); ++i) {
            const Vu& vu = engine_->VuAt(i);
            if (vu.prepared && !vu.broken && !vu.busy) idle_.Push(i);
        }
    }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        if (vu.phase == Phase::kTask) {
            --busy_;
            if (ctx_.open_model) idle_.Push(vu.index);
            if (in_try_start_) {
                // TryStart must never call the listener re-entrantly: report from the loop.
                deferred_.push_back(vu.index);
                if (idle_handle_ != nullptr) uv_idle_start(idle_handle_, &LuaRunner::OnIdle);
            } else {
                ctx_.listener->OnIterationDone(vu.index);
            }
            return;
        }
        --hook_.running;
        // on_start succeeds only when nothing in it failed: a script error, but also a request that failed or
        // was not accepted (a login answered 401) or a failed check. Such a user is not ready and takes no load.
        const bool failed = hook_.phase == Phase::kOnStart ? !outcome.ok() && !outcome.cancelled
                                                           : !outcome.script_error.empty();
        if (hook_.phase == Phase::kOnStart) {
            vu.prepared = !failed && !outcome.cancelled;
            vu.broken = failed;
        }
        if (failed) {
            const std::string what = !outcome.script_error.empty()
                                         ? outcome.script_error
                                         : "virtual user " + std::to_string(vu.id) + " not ready: its on_start had a " +
                                               std::string(ErrorKindName(outcome.failure)) + " failure";
            if (hook_.failed == 0) hook_.first_error = what;
            ++hook_.failed;
            std::string line(FirstLine(what));
            auto it = hook_.distinct.find(line);
            if (it != hook_.distinct.end()) {
                ++it->second;
            } else if (hook_.distinct.size() < 16) {
                hook_.distinct.emplace(std::move(line), 1);
            }
        }
        Pump();
    }

    static void OnIdle(uv_idle_t* handle) {
        auto* self = static_cast<LuaRunner*>(handle->data);
        uv_idle_stop(handle);
        // Swap out first: listener calls may start iterations that defer again. Both vectors
        // keep their capacity (one slot per virtual user), so this never allocates.
        std::swap(self->deferred_, self->reporting_);
        for (int vu : self->reporting_) self->ctx_.listener->OnIterationDone(vu);
        self->reporting_.clear();
    }

    runtime::WorkerContext ctx_;
    std::shared_ptr<const LuaRunConfig> config_;
    const data::FeederSet* data_stop_ = nullptr;  // the run's data files (config_->shared): Stopped()
    std::unique_ptr<ScenarioEngine> engine_;
    runtime::IdleQueue idle_;
    std::vector<int> deferred_;
    std::vector<int> reporting_;
    uv_idle_t* idle_handle_ = nullptr;
    HookPhase hook_;
    int busy_ = 0;
    bool in_try_start_ = false;
};

}  // namespace

runtime::RunnerFactory MakeLuaRunnerFactory(std::shared_ptr<const LuaRunConfig> config) {
    return [config](const runtime::WorkerContext& ctx) -> std::unique_ptr<runtime::IterationRunner> {
        return std::make_unique<LuaRunner>(ctx, config);
    };
}

}  // namespace lse::lua
