#include "distributed_dry_run.hpp"

#include <iostream>

#include "load_curve.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/core/units.hpp"

namespace lse::cli {
namespace {

std::string RenderTemplate(const plan::Template& t) {
    std::string out;
    for (const auto& s : t.segments) {
        switch (s.kind) {
            case plan::Segment::Kind::kLiteral: out += s.text; break;
            case plan::Segment::Kind::kSeq: out += "{seq}"; break;
            case plan::Segment::Kind::kRandom:
                out += "{random " + std::to_string(s.a) + ".." + std::to_string(s.b) + "}";
                break;
            case plan::Segment::Kind::kUuid: out += "{uuid}"; break;
            case plan::Segment::Kind::kVuser: out += "{vuser}"; break;
            case plan::Segment::Kind::kCount: break;
        }
    }
    return out;
}

void PrintPlannedRequest(std::ostream& out, const plan::PlannedRequest& r) {
    out << "      " << http::MethodName(r.method) << " " << RedactUrl(RenderTemplate(r.url)) << "\n";
    for (const auto& [name, value] : r.headers) {
        const std::string v = RenderTemplate(value);
        out << "        " << name << ": " << (IsSecretHeader(name) ? RedactHeaderValue(v) : v) << "\n";
    }
    const std::string body = RenderTemplate(r.body);
    if (!body.empty()) {
        std::string shown = RedactBody(body);
        if (shown.size() > 300) shown = shown.substr(0, 300) + "... (" + std::to_string(body.size()) + " bytes)";
        out << "        body: " << shown << "\n";
    }
}

// The first virtual user's requests, task by task: what every agent replays, up to the templated values.
void PrintFirstVuser(std::ostream& out, const plan::ScenarioPlan& plan) {
    const plan::VuPlan& vu = plan.vusers.front();
    out << "  requests of virtual user " << vu.id << ":\n";
    for (size_t t = 0; t < plan.tasks.size() && t < vu.task_steps.size(); ++t) {
        out << "    " << plan.tasks[t].name << " (weight " << plan.tasks[t].weight << "):\n";
        if (vu.task_steps[t].empty()) out << "      (no requests)\n";
        for (const plan::Step& step : vu.task_steps[t]) {
            if (step.pause) {
                out << "      sleep " << FormatDurationNs(step.pause_ns) << "\n";
            } else if (step.request < plan.requests.size()) {
                PrintPlannedRequest(out, plan.requests[step.request]);
            }
        }
    }
}

void PrintCapture(std::ostream& out, const lua::ScenarioDef& d, const runtime::LoadSpec& spec,
                  const lua::CaptureOutcome& c) {
    out << "scenario '" << d.name << "' (" << d.defined_at << ") on agents\n";
    PrintLoadCurve(out, spec);
    out << "  plan: " << c.vusers_prepared << " of " << spec.vusers << " virtual users captured";
    if (c.vusers_failed > 0) out << " (" << c.vusers_failed << " failed on_start)";
    out << ", " << c.plan.requests.size() << " distinct requests\n";
    if (!c.plan.vusers.empty()) PrintFirstVuser(out, c.plan);
    for (const auto& w : c.warnings) out << "  warning: " << w << "\n";
    if (c.problems.empty()) {
        out << "  ok\n\n";
    } else {
        out << "  problems:\n";
        for (const auto& p : c.problems) out << "    - " << p << "\n";
        out << "\n";
    }
}

// A coordinator scenario, dry-run as in a single-node run; returns true when it has problems.
bool DryRunOnCoordinator(const lua::ScenarioDef& d, const lua::LuaRunConfig& config, int vusers) {
    std::cout << "scenario '" << d.name << "' (" << d.defined_at << ") on the coordinator\n";
    const lua::DryRunResult r = lua::DryRunScenario(config, vusers);
    for (const auto& req : r.requests) {
        if (req.vu <= 1) PrintCapturedRequest(std::cout, req);
    }
    for (const auto& p : r.problems) std::cout << "    - " << p << "\n";
    std::cout << (r.problems.empty() ? "  ok\n\n" : "\n");
    return !r.problems.empty();
}

}  // namespace

int DryRunDistributed(const RunFlags& f, const DistributedScript& s, Finisher& finisher) {
    bool problems = false;
    for (size_t i = 0; i < s.chosen.size(); ++i) {
        if (!s.on_agents[i]) {
            problems = DryRunOnCoordinator(s.chosen[i], *s.configs[i], s.specs[i].vusers) || problems;
            continue;
        }
        if (s.chosen[i].has_setup) lua::RunScenarioHook(*s.configs[i], "setup");
        auto capture = std::make_unique<lua::PlanCapture>(s.configs[i]);
        const lua::CaptureOutcome c = capture->Capture(s.specs[i].vusers, ShapeOf(s.specs[i]));
        finisher.AddCapture(std::move(capture));
        PrintCapture(std::cout, s.chosen[i], s.specs[i], c);
        problems = problems || !c.problems.empty();
    }
    finisher.SetupDone();
    finisher.Finish();
    if (problems) {
        std::cerr << "lsengine: dry run of " << f.file << " found problems (see above)\n";
        return static_cast<int>(ExitCode::kScript);
    }
    std::cout << "dry run ok: " << f.file << "\n";
    return static_cast<int>(ExitCode::kOk);
}

}  // namespace lse::cli
