#include "lse/lua/lifecycle.hpp"

#include <uv.h>

#include <memory>

#include "lse/core/errors.hpp"
#include "lse/http/client.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "scenario_engine.hpp"

namespace lse::lua {
namespace {

std::string Where(ScenarioEngine& engine, const Vu& vu) {
    std::string out = engine.PhaseName(vu) == "" ? "?" : std::string(engine.PhaseName(vu));
    if (vu.phase == Phase::kTask) out = "task '" + out + "'";
    return out + " (virtual user " + std::to_string(vu.id) + ")";
}

// A private loop, client and engine for running hooks outside a load run. Everything runs
// sequentially: start some runs, then turn the loop until they are done.
class PrivateRun final : public EngineListener, public CaptureSink {
public:
    PrivateRun(const LuaRunConfig& config, bool collect) : collect_(collect), forward_(config.capture) {
        uv_loop_init(&loop_);
        http::ClientOptions options;
        options.request_timeout_ns = config.request_timeout_ns;
        client_ = std::make_unique<http::Client>(&loop_, options);
        LuaRunConfig cfg = config;
        cfg.capture = this;
        EngineContext ctx;
        ctx.loop = &loop_;
        ctx.client = client_.get();
        ctx.recorder = &recorder_;
        try {
            engine_ = std::make_unique<ScenarioEngine>(cfg, ctx, this);
        } catch (...) {
            Shutdown();
            throw;
        }
        engine_->Errors().SetOutput(nullptr);  // failures are returned, not printed
    }

    ~PrivateRun() override { Shutdown(); }

    ScenarioEngine& Engine() { return *engine_; }

    /// Starts `phase` on `vu` and turns the loop until it is done; returns its outcome.
    RunOutcome RunOne(Vu& vu, Phase phase, int task) {
        running_ = 1;
        engine_->Start(vu, phase, task, 0);
        Drain();
        return last_;
    }

    /// Runs `phase` for every virtual user accepted by `eligible`, `concurrency` at a time.
    template <typename Eligible>
    void RunAll(Phase phase, int concurrency, Eligible eligible) {
        int next = 0;
        const int n = engine_->VuCount();
        while (next < n || running_ > 0) {
            while (running_ < std::max(1, concurrency) && next < n) {
                Vu& vu = engine_->VuAt(next++);
                if (!eligible(vu)) continue;
                ++running_;
                engine_->Start(vu, phase, -1, 0);
            }
            if (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
        }
    }

    DryRunResult& Result() { return result_; }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        --running_;
        last_ = outcome;
        if (vu.phase == Phase::kOnStart) {
            vu.prepared = outcome.script_error.empty();
            vu.broken = !vu.prepared;
        }
        if (collect_ && !outcome.script_error.empty()) {
            result_.problems.push_back("script error in " + Where(*engine_, vu) + ": " +
                                       std::string(FirstLine(outcome.script_error)));
        }
    }
    void OnCheckFailed(Vu& vu, std::string_view name) override {
        if (collect_) result_.problems.push_back("check '" + std::string(name) + "' failed in " + Where(*engine_, vu));
    }
    void OnRequestFailed(Vu& vu, const PendingRequest& request, ErrorKind kind) override {
        if (!collect_) return;
        std::string text = std::string(http::MethodName(request.spec.method)) + " " +
                           request.spec.url.origin.ToString() + request.spec.url.path_and_query + " in " +
                           Where(*engine_, vu) + ": ";
        if (kind == ErrorKind::kStatus) {
            text += "unexpected status " + std::to_string(request.exchange.result.status);
        } else {
            text += std::string(ErrorKindName(kind)) + " error";
            if (!request.exchange.result.error_detail.empty()) text += " (" + request.exchange.result.error_detail + ")";
        }
        result_.problems.push_back(std::move(text));
    }

    // CaptureSink
    void OnRequest(const CapturedRequest& r) override {
        if (collect_) result_.requests.push_back(r);
        if (forward_ != nullptr) forward_->OnRequest(r);
    }

private:
    void Drain() {
        while (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
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
        engine_.reset();
        client_.reset();
        uv_loop_close(&loop_);
    }

    bool collect_;
    CaptureSink* forward_;
    uv_loop_t loop_;
    runtime::MetricsRecorder recorder_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<ScenarioEngine> engine_;
    int running_ = 0;
    RunOutcome last_;
    DryRunResult result_;
    bool shut_down_ = false;
};

}  // namespace

void RunScenarioHook(const LuaRunConfig& config, const std::string& hook) {
    Phase phase;
    if (hook == "setup") {
        phase = Phase::kSetup;
    } else if (hook == "teardown") {
        phase = Phase::kTeardown;
    } else {
        throw UsageError("RunScenarioHook: unknown hook '" + hook + "' (setup or teardown)");
    }
    PrivateRun run(config, /*collect=*/false);
    if (!run.Engine().HasHook(phase)) return;
    Vu& vu = run.Engine().AddVu(0);
    const RunOutcome outcome = run.RunOne(vu, phase, -1);
    if (!outcome.script_error.empty()) {
        throw ScriptError("scenario '" + config.scenario + "': " + hook + "() failed: " + outcome.script_error);
    }
}

DryRunResult DryRunScenario(const LuaRunConfig& config, int vusers) {
    PrivateRun run(config, /*collect=*/true);
    ScenarioEngine& engine = run.Engine();
    const int n = std::max(1, vusers);

    if (engine.HasHook(Phase::kSetup)) {
        Vu& service = engine.AddVu(0);
        run.RunOne(service, Phase::kSetup, -1);
    }
    const int first = engine.VuCount();
    for (int i = 1; i <= n; ++i) engine.AddVu(i);
    auto is_user = [first](const Vu& vu) { return vu.index >= first; };
    if (engine.HasHook(Phase::kOnStart)) {
        run.RunAll(Phase::kOnStart, config.on_start_concurrency, is_user);
    }
    DryRunResult& result = run.Result();
    Vu* runner = nullptr;
    for (int i = first; i < engine.VuCount(); ++i) {
        Vu& vu = engine.VuAt(i);
        if (vu.prepared && !vu.broken) {
            ++result.vusers_prepared;
            if (runner == nullptr) runner = &vu;
        } else {
            ++result.vusers_failed;
        }
    }
    if (runner == nullptr) {
        result.problems.push_back("no virtual user finished on_start: tasks were not run");
    } else {
        for (int t = 0; t < engine.TaskCount(); ++t) run.RunOne(*runner, Phase::kTask, t);
    }
    if (engine.HasHook(Phase::kOnStop)) {
        run.RunAll(Phase::kOnStop, config.on_start_concurrency,
                   [&](const Vu& vu) { return is_user(vu) && vu.prepared && !vu.broken; });
    }
    if (engine.HasHook(Phase::kTeardown)) {
        Vu& service = first > 0 ? engine.VuAt(0) : engine.AddVu(0);
        run.RunOne(service, Phase::kTeardown, -1);
    }
    return std::move(run.Result());
}

}  // namespace lse::lua
