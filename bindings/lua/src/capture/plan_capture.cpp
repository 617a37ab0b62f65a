#include "lse/lua/plan_capture.hpp"

#include <memory>

#include "engine_host.hpp"
#include "lse/core/errors.hpp"
#include "lse/metrics/stat_key.hpp"
#include "plan_capture_problems.hpp"
#include "plan_capture_recorder.hpp"

namespace lse::lua {

// The plan is the capture: nothing to forward to a CaptureSink.
LuaRunConfig WithoutCapture(const LuaRunConfig& config) {
    LuaRunConfig cfg = config;
    cfg.capture = nullptr;
    cfg.plan_capture = true;
    return cfg;
}

// A private engine (EngineHost, as for lifecycle's dry run), kept alive between Capture and RunOnStop
// because the virtual users' self tables and cookie jars live in it.
class PlanCapture::Impl final : public EngineListener {
public:
    explicit Impl(std::shared_ptr<const LuaRunConfig> config)
        : config_(std::move(config)), host_(WithoutCapture(*config_), &metrics_, this) {
        recorder_ = std::make_unique<capture::PlanRecorder>(Engine(), *config_);
        recorder_->Install();
    }

    ~Impl() override {
        host_.Shutdown();
        recorder_.reset();  // it refers to the engine, which host_ releases after this
    }

    CaptureOutcome Capture(int vusers, const plan::LoadShape& load, const std::function<bool()>& cancelled) {
        if (captured_) throw UsageError("PlanCapture::Capture may be called only once");
        if (vusers < 1) throw UsageError("PlanCapture::Capture: vusers must be >= 1, got " + std::to_string(vusers));
        captured_ = true;
        for (int id = 1; id <= vusers; ++id) Engine()->AddVu(id);
        bool finished = true;
        if (Engine()->HasHook(Phase::kOnStart)) {
            finished = host_.RunAll(Phase::kOnStart, config_->on_start_concurrency, [](const Vu&) { return true; },
                                    cancelled);
        }
        KeepLifecycleMetrics();

        CaptureOutcome out;
        if (!finished) {
            out.cancelled = true;
            return out;
        }
        recorder_->SetActive(true);
        for (int i = 0; i < Engine()->VuCount(); ++i) {
            Vu& vu = Engine()->VuAt(i);
            if (!Prepared(vu)) {
                ++out.vusers_failed;
                continue;
            }
            ++out.vusers_prepared;
            recorder_->BeginVu(vu.id);
            for (int t = 0; t < Engine()->TaskCount(); ++t) {
                recorder_->BeginTask(vu, t);
                RunOne(vu, Phase::kTask, t);  // never yields in capture mode: returns at once
                recorder_->EndTask(last_);
            }
            recorder_->EndVu();
        }
        recorder_->SetActive(false);
        DiscardMetrics();  // capture-mode task runs: iterations that never ran, checks against stand-ins
        if (out.vusers_prepared == 0) {
            // The caller names the scenario. The cause goes into the problem itself: warnings are not printed
            // under -q, and "no virtual user finished" alone leaves the user guessing.
            std::string problem = "no virtual user finished on_start, so no task was captured";
            const std::vector<std::string> causes = warnings_.Render();
            if (!causes.empty()) {
                problem += "; cause: " + causes.front();
                if (causes.size() > 1) {
                    problem += " (and " + std::to_string(causes.size() - 1) + " other message" +
                               (causes.size() > 2 ? "s" : "") + ")";
                }
            }
            out.problems.push_back(std::move(problem));
        }
        recorder_->FinishMetrics();
        out.plan = std::move(recorder_->Plan());
        out.feeds = recorder_->Feeds();
        out.plan.load = load;
        for (auto& p : recorder_->Problems().Render()) out.problems.push_back(std::move(p));
        out.warnings = warnings_.Render();
        for (auto& w : recorder_->Warnings().Render()) out.warnings.push_back(std::move(w));
        return out;
    }

    std::vector<std::string> RunOnStop() {
        if (stopped_) throw UsageError("PlanCapture::RunOnStop may be called only once");
        stopped_ = true;
        if (!Engine()->HasHook(Phase::kOnStop)) return {};
        host_.FreshClient();
        hook_failures_ = capture::MessageList();
        RunAll(Phase::kOnStop, [this](const Vu& vu) { return Prepared(vu); });
        KeepLifecycleMetrics();
        return hook_failures_.Render();
    }

    const metrics::Snapshot& LifecycleMetrics() const { return lifecycle_; }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        host_.RunDone();
        last_ = outcome;
        if (vu.phase == Phase::kOnStart) {
            // Same rule as a single-node run (lua_runner.cpp): any failure in on_start leaves the user out.
            vu.prepared = outcome.ok() && !outcome.cancelled;
            vu.broken = !vu.prepared;
            if (!outcome.script_error.empty()) {
                warnings_.Add("on_start failed, the virtual user is left out of the plan: " +
                              std::string(FirstLine(outcome.script_error)));
            } else if (!outcome.ok() && !outcome.cancelled) {
                warnings_.Add("on_start had a " + std::string(ErrorKindName(outcome.failure)) +
                              " failure, the virtual user is left out of the plan");
            }
        } else if (vu.phase == Phase::kOnStop && !outcome.script_error.empty()) {
            hook_failures_.Add("script error in on_stop: " + std::string(FirstLine(outcome.script_error)));
        }
    }
    void OnCheckFailed(Vu& vu, std::string_view name) override {
        if (vu.phase == Phase::kTask) {
            recorder_->OnCheckFailed(name);
        } else {
            HookMessages(vu).Add("check '" + std::string(name) + "' failed in " + std::string(Engine()->PhaseName(vu)));
        }
    }
    void OnRequestFailed(Vu& vu, const PendingRequest& request, ErrorKind kind) override {
        std::string text = request.spec.name + " in " + std::string(Engine()->PhaseName(vu)) + ": ";
        if (kind == ErrorKind::kStatus) {
            text += "unexpected status " + std::to_string(request.exchange.result.status);
        } else {
            text += std::string(ErrorKindName(kind)) + " error";
        }
        HookMessages(vu).Add(std::move(text));
    }

private:
    static bool Prepared(const Vu& vu) { return vu.prepared && !vu.broken; }

    // The recorder only hands out what was published: publishing after each phase separates the hooks'
    // real measurements from the capture-mode task runs in between. A publication lists every name ever
    // registered (zeroed), so only the hooks' own entries are kept: an empty task check row would claim
    // the check ran.
    void KeepLifecycleMetrics() {
        metrics::Snapshot phase;
        metrics_.Publish(0, 0);
        if (!metrics_.TakePublished(&phase)) return;
        metrics::StatKey key;
        auto is_hook = [&key](const std::string& raw) {
            return metrics::ParseStatKey(raw, &key) && (key.task == "on_start" || key.task == "on_stop");
        };
        for (const auto& [name, stats] : phase.by_name) {
            if (is_hook(name) && key.kind == metrics::StatKind::kRequest && stats.requests > 0) {
                lifecycle_.ForName(name) += stats;
            }
        }
        for (const auto& [name, counts] : phase.checks) {
            if (is_hook(name) && counts.passes + counts.fails > 0) lifecycle_.checks[name] += counts;
        }
    }
    void DiscardMetrics() {
        metrics::Snapshot ignored;
        metrics_.Publish(0, 0);
        metrics_.TakePublished(&ignored);
    }

    capture::MessageList& HookMessages(const Vu& vu) { return vu.phase == Phase::kOnStop ? hook_failures_ : warnings_; }

    RunOutcome RunOne(Vu& vu, Phase phase, int task) {
        host_.RunOne(vu, phase, task);
        return last_;
    }

    template <typename Eligible>
    void RunAll(Phase phase, Eligible eligible) {
        host_.RunAll(phase, config_->on_start_concurrency, eligible);
    }

    ScenarioEngine* Engine() { return &host_.Engine(); }

    // Initialised in this order: the engine (in host_) registers names with metrics_ while it is built.
    std::shared_ptr<const LuaRunConfig> config_;
    runtime::MetricsRecorder metrics_;
    metrics::Snapshot lifecycle_;  // on_start and on_stop, kept; see LifecycleMetrics()
    RunOutcome last_;
    capture::MessageList warnings_;       // on_start failures, failed checks and requests in on_start
    capture::MessageList hook_failures_;  // on_stop
    EngineHost host_;
    std::unique_ptr<capture::PlanRecorder> recorder_;
    bool captured_ = false;
    bool stopped_ = false;
};

PlanCapture::PlanCapture(std::shared_ptr<const LuaRunConfig> config) {
    if (config == nullptr) throw UsageError("PlanCapture: config is null");
    impl_ = std::make_unique<Impl>(std::move(config));
}

PlanCapture::~PlanCapture() = default;

CaptureOutcome PlanCapture::Capture(int vusers, const plan::LoadShape& load,
                                    const std::function<bool()>& cancelled) {
    return impl_->Capture(vusers, load, cancelled);
}

std::vector<std::string> PlanCapture::RunOnStop() { return impl_->RunOnStop(); }

const metrics::Snapshot& PlanCapture::LifecycleMetrics() const { return impl_->LifecycleMetrics(); }

}  // namespace lse::lua
