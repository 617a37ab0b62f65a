#include "distributed_dry_run.hpp"

#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "load_curve.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/core/units.hpp"
#include "lse/http/multipart.hpp"
#include "lse/metrics/custom_metric.hpp"

namespace lse::cli {
namespace {

// What one response value of a task iteration is: its rule, the request step (1-based among the task's requests)
// whose response it comes from, and the label its placeholders show.
struct ValueInfo {
    const plan::Extraction* rule = nullptr;
    std::size_t request_number = 0;
    std::string label;
};
using ValueMap = std::map<std::uint32_t, ValueInfo>;  // slot -> info

// "id" for $.items[0].id (the path's last name), the header's name, status, body, or match for a pattern.
std::string ValueLabel(const plan::Extraction& e) {
    if (!e.pattern.empty()) return "match";
    switch (e.source) {
        case plan::Extraction::Source::kStatus: return "status";
        case plan::Extraction::Source::kHeader: return e.key;
        case plan::Extraction::Source::kBody: return "body";
        case plan::Extraction::Source::kJson: {
            // The last .name or ["name"] step; a path of indexes only is shown as json.
            const std::string& path = e.key;
            for (std::size_t end = path.size(); end > 0;) {
                if (path[end - 1] == ']' && end >= 2 && path[end - 2] == '"') {
                    const std::size_t open = path.rfind("[\"", end - 2);
                    if (open != std::string::npos) return path.substr(open + 2, end - 2 - (open + 2));
                    break;
                }
                if (path[end - 1] == ']') {
                    end = path.rfind('[', end - 1);
                    if (end == std::string::npos) break;
                    continue;
                }
                const std::size_t dot = path.rfind('.', end - 1);
                if (dot == std::string::npos) break;
                return path.substr(dot + 1, end - dot - 1);
            }
            return "json";
        }
        case plan::Extraction::Source::kCount: break;
    }
    return "value";
}

ValueMap ValuesOf(const std::vector<plan::Step>& steps) {
    ValueMap values;
    std::map<std::string, int> seen;  // label -> how many values have it: the second id shows as {id_2}
    std::size_t request_number = 0;
    for (const plan::Step& step : steps) {
        if (!step.IsRequest()) continue;
        ++request_number;
        for (const plan::Extraction& e : step.extract) {
            std::string label = ValueLabel(e);
            const int n = ++seen[label];
            if (n > 1) label += "_" + std::to_string(n);
            values[e.slot] = ValueInfo{&e, request_number, std::move(label)};
        }
    }
    return values;
}

std::string SourceText(const plan::Extraction& e) {
    std::string out;
    switch (e.source) {
        case plan::Extraction::Source::kStatus: out = "status"; break;
        case plan::Extraction::Source::kHeader: out = "header " + e.key; break;
        case plan::Extraction::Source::kBody: out = "body"; break;
        case plan::Extraction::Source::kJson: out = "json " + e.key; break;
        case plan::Extraction::Source::kCount: break;
    }
    if (!e.pattern.empty()) {
        const bool single = e.pattern.find('"') != std::string::npos && e.pattern.find('\'') == std::string::npos;
        const char quote = single ? '\'' : '"';
        out += std::string(" match ") + quote + e.pattern + quote;
    }
    if (e.number) out += " as a number";
    return out;
}

std::string RenderTemplate(const plan::Template& t, const ValueMap& values = {}) {
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
            case plan::Segment::Kind::kValue: {
                const auto it = values.find(static_cast<std::uint32_t>(s.a));
                out += "{" + (it != values.end() ? it->second.label : std::string("value")) + "}";
                break;
            }
            case plan::Segment::Kind::kData:  // a data file's cell, drawn by the agent per iteration
                out += "{data " + std::to_string(s.a + 1) + ":" + std::to_string(s.column + 1) + "}";
                break;
            case plan::Segment::Kind::kCount: break;
        }
    }
    return out;
}

void PrintPlannedRequest(std::ostream& out, const plan::PlannedRequest& r, const plan::Step& step,
                         const ValueMap& values) {
    out << "      " << http::MethodText(r.method, r.method_token) << " " << RedactUrl(RenderTemplate(r.url, values))
        << "\n";
    // The values this request's response gives to later requests: "id ← step 1 json $.id".
    for (const plan::Extraction& e : step.extract) {
        const auto it = values.find(e.slot);
        if (it == values.end()) continue;
        out << "        " << it->second.label << " \u2190 step " << it->second.request_number << " " << SourceText(e)
            << "\n";
    }
    for (const auto& [name, value] : r.headers) {
        const std::string v = RenderTemplate(value, values);
        out << "        " << name << ": " << (IsSecretHeader(name) ? RedactHeaderValue(v) : v) << "\n";
    }
    const std::string body = RenderTemplate(r.body, values);
    if (!body.empty()) {
        std::string shown = RedactBody(body);
        if (shown.size() > 300) shown = shown.substr(0, 300) + "... (" + std::to_string(body.size()) + " bytes)";
        out << "        body: " << http::DisplayBody(shown) << "\n";  // uploads may be binary
    }
}

std::string FormatMetricConstant(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.15g", v);
    return buf;
}

// A metric step (format 6): "metric cart_value (trend): add({total} of request 2)" or "add(1)".
void PrintMetricStep(std::ostream& out, const plan::ScenarioPlan& plan, const plan::MetricSample& m,
                     const ValueMap& values) {
    if (m.metric >= plan.metrics.size()) return;
    const plan::PlannedMetric& metric = plan.metrics[m.metric];
    out << "      metric " << metric.name << " (" << metrics::CustomMetricKindName(metric.kind)
        << "): " << (m.set ? "set(" : "add(");
    if (m.from_value) {
        const auto it = values.find(m.slot);
        if (it != values.end()) {
            out << "{" << it->second.label << "} of request " << it->second.request_number;
        } else {
            out << "response value " << m.slot;
        }
    } else {
        out << FormatMetricConstant(m.value);
    }
    out << ")\n";
}

// The first virtual user's requests, task by task: what every agent replays, up to the templated values.
void PrintFirstVuser(std::ostream& out, const plan::ScenarioPlan& plan) {
    const plan::VuPlan& vu = plan.vusers.front();
    out << "  requests of virtual user " << vu.id << ":\n";
    for (size_t t = 0; t < plan.tasks.size() && t < vu.task_steps.size(); ++t) {
        const ValueMap values = ValuesOf(vu.task_steps[t]);
        out << "    " << plan.tasks[t].name << " (weight " << plan.tasks[t].weight;
        if (!values.empty()) {
            out << ", on_extract_error "
                << (plan.tasks[t].on_extract_error == plan::OnExtractError::kEmpty ? "empty" : "skip");
        }
        out << "):\n";
        if (vu.task_steps[t].empty()) out << "      (no requests)\n";
        for (const plan::Step& step : vu.task_steps[t]) {
            if (step.metric) {
                PrintMetricStep(out, plan, step.sample, values);
            } else if (step.pause) {
                out << "      sleep " << FormatDurationNs(step.pause_ns) << "\n";
            } else if (step.request < plan.requests.size()) {
                PrintPlannedRequest(out, plan.requests[step.request], step, values);
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
    for (const auto& p : r.problems) std::cout << "    - " << RedactSecretValues(p) << "\n";
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
        if (s.chosen[i].has_setup) s.configs[i]->setup_data = lua::RunScenarioHook(*s.configs[i], "setup");
        auto capture = std::make_unique<lua::PlanCapture>(s.configs[i]);
        const lua::CaptureOutcome c = capture->Capture(s.specs[i].vusers, ShapeOf(s.specs[i]));
        finisher.AddCapture(std::move(capture));
        std::ostringstream listing;  // -e/--env-file secrets (issue 15) are masked in the whole listing
        PrintCapture(listing, s.chosen[i], s.specs[i], c);
        std::cout << RedactSecretValues(listing.str());
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
