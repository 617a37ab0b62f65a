#include "lse/lua/plan_capture.hpp"

#include <uv.h>

#include <algorithm>
#include <memory>

#include "lse/core/errors.hpp"
#include "lse/http/client.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "plan_capture_problems.hpp"
#include "plan_capture_recorder.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {

// A private loop, client and engine (like lifecycle's dry run), kept alive between Capture and
// RunOnStop because the virtual users' self tables and cookie jars live in the engine.
class PlanCapture::Impl final : public EngineListener {
public:
    explicit Impl(std::shared_ptr<const LuaRunConfig> config) : config_(std::move(config)) {
        uv_loop_init(&loop_);
        client_ = NewClient();
        EngineContext ctx;
        ctx.loop = &loop_;
        ctx.client = client_.get();
        ctx.recorder = &metrics_;
        try {
            LuaRunConfig cfg = *config_;
            cfg.capture = nullptr;  // the plan is the capture; nothing to forward
            engine_ = std::make_unique<ScenarioEngine>(cfg, ctx, this);
            recorder_ = std::make_unique<capture::PlanRecorder>(engine_.get(), *config_);
            recorder_->Install();
        } catch (...) {
            Shutdown();
            throw;
        }
        engine_->Errors().SetOutput(nullptr);  // failures are returned, not printed
    }

    ~Impl() override { Shutdown(); }

    CaptureOutcome Capture(int vusers, const plan::LoadShape& load) {
        if (captured_) throw UsageError("PlanCapture::Capture may be called only once");
        if (vusers < 1) throw UsageError("PlanCapture::Capture: vusers must be >= 1, got " + std::to_string(vusers));
        captured_ = true;
        for (int id = 1; id <= vusers; ++id) engine_->AddVu(id);
        if (engine_->HasHook(Phase::kOnStart)) RunAll(Phase::kOnStart, [](const Vu&) { return true; });

        CaptureOutcome out;
        recorder_->SetActive(true);
        for (int i = 0; i < engine_->VuCount(); ++i) {
            Vu& vu = engine_->VuAt(i);
            if (!Prepared(vu)) {
                ++out.vusers_failed;
                continue;
            }
            ++out.vusers_prepared;
            recorder_->BeginVu(vu.id);
            for (int t = 0; t < engine_->TaskCount(); ++t) {
                recorder_->BeginTask(vu, t);
                RunOne(vu, Phase::kTask, t);  // never yields in capture mode: returns at once
                recorder_->EndTask(last_);
            }
            recorder_->EndVu();
        }
        recorder_->SetActive(false);
        if (out.vusers_prepared == 0) {
            out.problems.push_back("scenario '" + engine_->ScenarioName() +
                                   "': no virtual user finished on_start, so no task was captured");
        }
        out.plan = std::move(recorder_->Plan());
        out.plan.load = load;
        for (auto& p : recorder_->Problems().Render()) out.problems.push_back(std::move(p));
        out.warnings = warnings_.Render();
        for (auto& w : recorder_->Warnings().Render()) out.warnings.push_back(std::move(w));
        return out;
    }

    std::vector<std::string> RunOnStop() {
        if (stopped_) throw UsageError("PlanCapture::RunOnStop may be called only once");
        stopped_ = true;
        if (!engine_->HasHook(Phase::kOnStop)) return {};
        FreshClient();
        hook_failures_ = capture::MessageList();
        RunAll(Phase::kOnStop, [this](const Vu& vu) { return Prepared(vu); });
        return hook_failures_.Render();
    }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        --running_;
        last_ = outcome;
        if (vu.phase == Phase::kOnStart) {
            vu.prepared = outcome.script_error.empty() && !outcome.cancelled;
            vu.broken = !vu.prepared;
            if (!outcome.script_error.empty()) {
                warnings_.Add("on_start failed, the virtual user is left out of the plan: " +
                              std::string(FirstLine(outcome.script_error)));
            }
        } else if (vu.phase == Phase::kOnStop && !outcome.script_error.empty()) {
            hook_failures_.Add("script error in on_stop: " + std::string(FirstLine(outcome.script_error)));
        }
    }
    void OnCheckFailed(Vu& vu, std::string_view name) override {
        if (vu.phase == Phase::kTask) {
            recorder_->OnCheckFailed(name);
        } else {
            HookMessages(vu).Add("check '" + std::string(name) + "' failed in " + std::string(engine_->PhaseName(vu)));
        }
    }
    void OnRequestFailed(Vu& vu, const PendingRequest& request, ErrorKind kind) override {
        std::string text = request.spec.name + " in " + std::string(engine_->PhaseName(vu)) + ": ";
        if (kind == ErrorKind::kStatus) {
            text += "unexpected status " + std::to_string(request.exchange.result.status);
        } else {
            text += std::string(ErrorKindName(kind)) + " error";
        }
        HookMessages(vu).Add(std::move(text));
    }

private:
    static bool Prepared(const Vu& vu) { return vu.prepared && !vu.broken; }

    capture::MessageList& HookMessages(const Vu& vu) { return vu.phase == Phase::kOnStop ? hook_failures_ : warnings_; }

    std::unique_ptr<http::Client> NewClient() {
        http::ClientOptions options;
        options.request_timeout_ns = config_->request_timeout_ns;
        return std::make_unique<http::Client>(&loop_, options);
    }

    // The loop did not run during the distributed run, so the server may have closed the idle
    // keep-alive connections of on_start; a POST in on_stop must not meet a stale one.
    void FreshClient() {
        std::unique_ptr<http::Client> old = std::move(client_);
        client_ = NewClient();
        engine_->ReplaceClient(client_.get());
        CloseClient(old.get());
    }

    void CloseClient(http::Client* client) {
        bool closed = false;
        client->Close([&closed] { closed = true; });
        while (!closed) uv_run(&loop_, UV_RUN_ONCE);
    }

    void RunOne(Vu& vu, Phase phase, int task) {
        running_ = 1;
        engine_->Start(vu, phase, task, 0);
        while (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
    }

    template <typename Eligible>
    void RunAll(Phase phase, Eligible eligible) {
        const int concurrency = std::max(1, config_->on_start_concurrency);
        int next = 0;
        const int n = engine_->VuCount();
        while (next < n || running_ > 0) {
            while (running_ < concurrency && next < n) {
                Vu& vu = engine_->VuAt(next++);
                if (!eligible(vu)) continue;
                ++running_;
                engine_->Start(vu, phase, -1, 0);
            }
            if (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
        }
    }

    void Shutdown() {
        if (shut_down_) return;
        shut_down_ = true;
        bool engine_closed = engine_ == nullptr;
        if (engine_ != nullptr) {
            engine_->Abort();
            engine_->Close([&engine_closed] { engine_closed = true; });
        }
        bool client_closed = false;
        client_->Close([&client_closed] { client_closed = true; });
        while (!engine_closed || !client_closed) uv_run(&loop_, UV_RUN_ONCE);
        uv_run(&loop_, UV_RUN_NOWAIT);
        recorder_.reset();
        engine_.reset();
        client_.reset();
        uv_loop_close(&loop_);
    }

    std::shared_ptr<const LuaRunConfig> config_;
    uv_loop_t loop_;
    runtime::MetricsRecorder metrics_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<ScenarioEngine> engine_;
    std::unique_ptr<capture::PlanRecorder> recorder_;
    capture::MessageList warnings_;       // on_start failures, failed checks and requests in on_start
    capture::MessageList hook_failures_;  // on_stop
    int running_ = 0;
    RunOutcome last_;
    bool captured_ = false;
    bool stopped_ = false;
    bool shut_down_ = false;
};

PlanCapture::PlanCapture(std::shared_ptr<const LuaRunConfig> config) {
    if (config == nullptr) throw UsageError("PlanCapture: config is null");
    impl_ = std::make_unique<Impl>(std::move(config));
}

PlanCapture::~PlanCapture() = default;

CaptureOutcome PlanCapture::Capture(int vusers, const plan::LoadShape& load) { return impl_->Capture(vusers, load); }

std::vector<std::string> PlanCapture::RunOnStop() { return impl_->RunOnStop(); }

}  // namespace lse::lua
