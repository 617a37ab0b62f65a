#include "lse/lua/lifecycle.hpp"

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "engine_host.hpp"

namespace lse::lua {
namespace {

std::string Where(ScenarioEngine& engine, const Vu& vu) {
    std::string out = engine.PhaseName(vu) == "" ? "?" : std::string(engine.PhaseName(vu));
    if (vu.phase == Phase::kTask) out = "task '" + out + "'";
    return out + " (virtual user " + std::to_string(vu.id) + ")";
}

// A failed request is reported by its URL; secret query parameters ("?token=...") are masked there.
LuaRunConfig WithCapture(const LuaRunConfig& config, CaptureSink* sink) {
    LuaRunConfig cfg = config;
    cfg.capture = sink;
    return cfg;
}

// Runs hooks outside a load run on a private engine (EngineHost). Everything runs sequentially: start
// some runs, then turn the loop until they are done.
class PrivateRun final : public EngineListener, public CaptureSink {
public:
    PrivateRun(const LuaRunConfig& config, bool collect)
        : collect_(collect), forward_(config.capture), host_(WithCapture(config, this), &recorder_, this) {}

    ScenarioEngine& Engine() { return host_.Engine(); }

    /// Starts `phase` on `vu` and turns the loop until it is done; returns its outcome.
    RunOutcome RunOne(Vu& vu, Phase phase, int task) {
        host_.RunOne(vu, phase, task);
        return last_;
    }

    /// Runs `phase` for every virtual user accepted by `eligible`, `concurrency` at a time.
    template <typename Eligible>
    void RunAll(Phase phase, int concurrency, Eligible eligible) {
        host_.RunAll(phase, concurrency, eligible);
    }

    DryRunResult& Result() { return result_; }

    // EngineListener
    void OnRunDone(Vu& vu, const RunOutcome& outcome) override {
        host_.RunDone();
        last_ = outcome;
        if (vu.phase == Phase::kOnStart) {
            // Same rule as a load run (lua_runner.cpp): any failure in on_start means the user is not ready.
            vu.prepared = outcome.ok() && !outcome.cancelled;
            vu.broken = !vu.prepared;
        }
        if (collect_ && !outcome.script_error.empty()) {
            result_.problems.push_back("script error in " + Where(Engine(), vu) + ": " +
                                       std::string(FirstLine(outcome.script_error)));
        }
    }
    void OnCheckFailed(Vu& vu, std::string_view name) override {
        if (collect_) result_.problems.push_back("check '" + std::string(name) + "' failed in " + Where(Engine(), vu));
    }
    void OnRequestFailed(Vu& vu, const PendingRequest& request, ErrorKind kind) override {
        if (!collect_) return;
        std::string text = std::string(http::MethodText(request.spec.method, request.spec.method_token)) + " " +
                           request.spec.url.origin.ToString() + RedactUrl(request.spec.url.path_and_query) +
                           " in " + Where(Engine(), vu) + ": ";
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
    // Initialised in this order: the engine (in host_) registers names with recorder_ and may report to
    // this object as soon as it exists; host_ goes first on destruction, while the rest is still alive.
    bool collect_;
    CaptureSink* forward_;
    runtime::MetricsRecorder recorder_;
    RunOutcome last_;
    DryRunResult result_;
    EngineHost host_;
};

}  // namespace

std::string RunScenarioHook(const LuaRunConfig& config, const std::string& hook) {
    Phase phase;
    if (hook == "setup") {
        phase = Phase::kSetup;
    } else if (hook == "teardown") {
        phase = Phase::kTeardown;
    } else {
        throw UsageError("RunScenarioHook: unknown hook '" + hook + "' (setup or teardown)");
    }
    PrivateRun run(config, /*collect=*/false);
    if (!run.Engine().HasHook(phase)) return {};
    Vu& vu = run.Engine().AddVu(0);
    const RunOutcome outcome = run.RunOne(vu, phase, -1);
    if (!outcome.script_error.empty()) {
        throw ScriptError("scenario '" + config.scenario + "': " + hook + "() failed: " + outcome.script_error);
    }
    return phase == Phase::kSetup ? run.Engine().SetupResult() : std::string();
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
