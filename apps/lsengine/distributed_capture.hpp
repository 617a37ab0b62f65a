#pragma once
/// @file
/// The script's side of a distributed run: setup() once, the capture of every agent scenario's plan (on_start
/// per virtual user, each task per virtual user), and on_stop/teardown exactly once whatever path the run takes.
/// Lua runs here, in the CLI; the captured plans go to a coordinator::PlanAssembly.

#include <functional>
#include <memory>
#include <vector>

#include "distributed_script.hpp"
#include "lse/coordinator/plan_assembly.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::cli {

// Runs on_stop (once per captured scenario) and teardown exactly once, whatever path the run takes.
class Finisher {
public:
    explicit Finisher(const DistributedScript& script) : script_(script) {}
    ~Finisher() { Finish(); }
    Finisher(const Finisher&) = delete;
    Finisher& operator=(const Finisher&) = delete;

    void AddCapture(std::unique_ptr<lua::PlanCapture> c) { captures_.push_back(std::move(c)); }
    void SetupDone() { setup_done_ = true; }
    /// on_start and on_stop of the agent scenarios ran here, not on the agents: their requests and checks,
    /// keyed as in a single-node run, so the summary shows the same lifecycle rows and checks. After Finish().
    metrics::Snapshot LifecycleMetrics() const;
    void Finish() noexcept;

private:
    const DistributedScript& script_;
    std::vector<std::unique_ptr<lua::PlanCapture>> captures_;
    bool setup_done_ = false;
    bool finished_ = false;
};

/// setup() of every scenario that has one (the run's setup is done after it).
void RunSetups(const DistributedScript& script, Finisher& finisher);

/// Captures every agent scenario into `plan` (their warnings on stderr unless quiet). `throw_if_interrupted` is
/// called between captures and `cancelled` polled during on_start: a signal stops the capture, nothing is sent.
void CaptureAgentScenarios(const DistributedScript& script, bool quiet, Finisher& finisher,
                           coordinator::PlanAssembly& plan, const std::function<void()>& throw_if_interrupted,
                           const std::function<bool()>& cancelled);

}  // namespace lse::cli
