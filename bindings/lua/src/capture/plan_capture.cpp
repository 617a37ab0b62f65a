#include "lse/lua/plan_capture.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

extern "C" {
#include <lua.h>
}

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

// A private engine (EngineHost, as for lifecycle's dry run). Capture streams the virtual users through
// on_start_concurrency engine slots: a user's tasks are captured as soon as its on_start ends, and then the slot
// takes the next user, so neither the engine nor the Lua heap grows with the number of users (a million users'
// coroutines and self tables would cost gigabytes and make every GC cycle walk them). What stays per user:
// its VuPlan in the plan, and, only when the scenario has an on_stop hook, its self table (Lua) and its cookie
// jar when it holds cookies, which on_stop gets back at the end of the run. Without on_stop the whole engine
// is released once the capture is done.
class PlanCapture::Impl final : public EngineListener {
public:
    explicit Impl(std::shared_ptr<const LuaRunConfig> config)
        : config_(std::move(config)), host_(std::make_unique<EngineHost>(WithoutCapture(*config_), &metrics_, this)) {
        recorder_ = std::make_unique<capture::PlanRecorder>(Engine(), *config_);
        recorder_->Install();
    }

    ~Impl() override { ReleaseEngine(); }

    CaptureOutcome Capture(int vusers, const plan::LoadShape& load, const std::function<bool()>& cancelled) {
        if (captured_) throw UsageError("PlanCapture::Capture may be called only once");
        if (vusers < 1) throw UsageError("PlanCapture::Capture: vusers must be >= 1, got " + std::to_string(vusers));
        captured_ = true;
        const auto started = std::chrono::steady_clock::now();
        has_on_stop_ = Engine()->HasHook(Phase::kOnStop);
        if (has_on_stop_) kept_.reserve(static_cast<std::size_t>(vusers));
        recorder_->Plan().vusers.reserve(static_cast<std::size_t>(vusers));  // no regrowth copying a million plans

        CaptureOutcome out;
        int next_id = 1;
        const bool finished = host_->RunStream(
            Phase::kOnStart, config_->on_start_concurrency, vusers,
            [&](Vu& vu) {
                if (next_id > vusers) return false;
                Engine()->ReassignVu(vu, next_id++);
                return true;
            },
            [&](Vu& vu) { FinishUser(vu, &out); }, cancelled);
        KeepLifecycleMetrics();  // and drops what the capture-mode task runs recorded

        if (!finished) {
            // Nothing is sent: the plan stays empty. The users whose on_start finished still get on_stop.
            out = CaptureOutcome{};
            out.cancelled = true;
            recorder_->ReleaseCaptureState();
            if (!has_on_stop_) ReleaseEngine();
            return out;
        }
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
        recorder_->ReleaseCaptureState();
        out.plan = std::move(recorder_->Plan());
        // Users finish on_start in any order; the plan lists them by id, as agents and slices expect.
        std::sort(out.plan.vusers.begin(), out.plan.vusers.end(),
                  [](const plan::VuPlan& a, const plan::VuPlan& b) { return a.id < b.id; });
        out.feeds = recorder_->Feeds();
        out.plan.load = load;
        for (auto& p : recorder_->Problems().Render()) out.problems.push_back(std::move(p));
        out.warnings = warnings_.Render();
        for (auto& w : recorder_->Warnings().Render()) out.warnings.push_back(std::move(w));
        if (!has_on_stop_) ReleaseEngine();
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return out;
    }

    std::vector<std::string> RunOnStop() {
        if (stopped_) throw UsageError("PlanCapture::RunOnStop may be called only once");
        stopped_ = true;
        if (!has_on_stop_ || host_ == nullptr) return {};
        host_->FreshClient();
        hook_failures_ = capture::MessageList();
        std::size_t next = 0;
        host_->RunStream(
            Phase::kOnStop, config_->on_start_concurrency, static_cast<int>(kept_.size()),
            [&](Vu& vu) {
                if (next >= kept_.size()) return false;
                const KeptUser user = kept_[next++];
                http::CookieJar jar;
                if (auto it = jars_.find(user.id); it != jars_.end()) jar = std::move(it->second);
                Engine()->ReassignVu(vu, user.id, user.self_ref, std::move(jar));
                return true;
            },
            [](Vu&) {});  // the slot's next ReassignVu releases the self table
        kept_ = {};
        jars_ = {};
        KeepLifecycleMetrics();
        ReleaseEngine();
        return hook_failures_.Render();
    }

    const metrics::Snapshot& LifecycleMetrics() const { return lifecycle_; }

    std::size_t LuaBytes() {
        if (host_ == nullptr) return 0;
        lua_State* L = Engine()->L();
        lua_gc(L, LUA_GCCOLLECT, 0);
        lua_gc(L, LUA_GCCOLLECT, 0);  // a second pass frees what the first one's finalizers let go
        return static_cast<std::size_t>(lua_gc(L, LUA_GCCOUNT, 0)) * 1024 +
               static_cast<std::size_t>(lua_gc(L, LUA_GCCOUNTB, 0));
    }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        host_->RunDone(vu);
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
    // A user kept for on_stop: its self table (a registry reference ScenarioEngine::TakeSelf gave out).
    struct KeptUser {
        int id;
        int self_ref;
    };

    static bool Prepared(const Vu& vu) { return vu.prepared && !vu.broken; }

    // RunStream's `finished`: on_start of the user in this slot ended. Its tasks are captured now, while its
    // self table is at hand; then the slot is free for the next user.
    void FinishUser(Vu& vu, CaptureOutcome* out) {
        if (!Prepared(vu)) {
            ++out->vusers_failed;
            return;
        }
        ++out->vusers_prepared;
        recorder_->SetActive(true);
        recorder_->BeginVu(vu.id);
        for (int t = 0; t < Engine()->TaskCount(); ++t) {
            recorder_->BeginTask(vu, t);
            // A capture-mode task never yields (its http calls and sleeps are recorded, not waited for).
            if (!host_->RunSync(vu, Phase::kTask, t)) {
                throw std::logic_error("internal: a task yielded in capture mode");
            }
            recorder_->EndTask(last_);
        }
        recorder_->EndVu();
        recorder_->SetActive(false);
        if (!has_on_stop_) return;
        kept_.push_back(KeptUser{vu.id, Engine()->TakeSelf(vu)});
        // The jar goes with the user only when it holds cookies: a cookie session's logout in on_stop sends them.
        if (!vu.jar.Empty()) jars_.emplace(vu.id, std::move(vu.jar));
    }

    // The engine with its Lua state and slots, and the recorder, which refers to that state: after the engine
    // is shut down and before the state is closed.
    void ReleaseEngine() noexcept {
        if (host_ == nullptr) return;
        kept_ = {};  // their self tables go with the Lua state
        jars_ = {};
        host_->Shutdown();
        recorder_.reset();
        host_.reset();
    }

    // The recorder only hands out what was published. A publication after the capture holds on_start's real
    // measurements and the capture-mode task runs interleaved with them (iterations that never ran, checks
    // against stand-ins), and lists every name ever registered (zeroed): only the hooks' own entries are kept,
    // as an empty task check row would claim the check ran.
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
    capture::MessageList& HookMessages(const Vu& vu) { return vu.phase == Phase::kOnStop ? hook_failures_ : warnings_; }

    ScenarioEngine* Engine() { return &host_->Engine(); }

    // Initialised in this order: the engine (in host_) registers names with metrics_ while it is built.
    std::shared_ptr<const LuaRunConfig> config_;
    runtime::MetricsRecorder metrics_;
    metrics::Snapshot lifecycle_;  // on_start and on_stop, kept; see LifecycleMetrics()
    RunOutcome last_;
    capture::MessageList warnings_;       // on_start failures, failed checks and requests in on_start
    capture::MessageList hook_failures_;  // on_stop
    std::unique_ptr<EngineHost> host_;     // null once released: after the capture without on_stop, after on_stop
    std::unique_ptr<capture::PlanRecorder> recorder_;
    std::vector<KeptUser> kept_;                     // on_stop's users, in the order they got ready
    std::unordered_map<int, http::CookieJar> jars_;  // by id: the kept users' jars that hold cookies
    bool has_on_stop_ = false;
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

std::size_t PlanCapture::LuaBytes() { return impl_->LuaBytes(); }

}  // namespace lse::lua
