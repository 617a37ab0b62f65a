#include "distributed_capture.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "lse/core/redact.hpp"

namespace lse::cli {
namespace {

// The scenario's own client certificate and header limit (format 6): an external agent has not the coordinator's
// files, so the PEM text travels in the plan. The files were loaded already (ScenarioClientOptions); a problem here
// names the file, never its content.
void AddScenarioClient(const lua::ScenarioDef& def, const http::ClientOptions& client,
                       coordinator::CapturedScenario* captured) {
    if (def.max_header_bytes) captured->plan.max_header_bytes = *def.max_header_bytes;
    if (def.cert.empty()) return;  // the agents' own --cert/--key (local agents get the run's)
    const auto read = [&](const std::string& path, std::string* out) {
        std::ifstream in(path, std::ios::binary);
        out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            captured->problems.push_back("cannot read '" + path + "' (option cert/key) for the plan");
        } else if (out->size() > plan::kMaxClientPemBytes) {
            captured->problems.push_back("'" + path + "' (option cert/key) is larger than " +
                                         std::to_string(plan::kMaxClientPemBytes) + " bytes, the most a plan carries");
            out->clear();
        }
    };
    read(client.cert_file, &captured->plan.client_cert_pem);
    if (!client.key_file.empty()) read(client.key_file, &captured->plan.client_key_pem);
}

}  // namespace

metrics::Snapshot Finisher::LifecycleMetrics() const {
    metrics::Snapshot out;
    for (const auto& c : captures_) out += c->LifecycleMetrics();
    return out;
}

void Finisher::Finish() noexcept {
    if (finished_) return;
    finished_ = true;
    for (auto& c : captures_) {
        try {
            for (const auto& e : c->RunOnStop()) std::cerr << "lsengine: on_stop: " << RedactSecretValues(e) << "\n";
        } catch (const std::exception& e) {
            std::cerr << "lsengine: on_stop: " << RedactSecretValues(e.what()) << "\n";
        }
    }
    if (!setup_done_) return;
    for (size_t i = 0; i < script_.chosen.size(); ++i) {
        if (!script_.chosen[i].has_teardown) continue;
        try {
            lua::RunScenarioHook(*script_.configs[i], "teardown");
        } catch (const std::exception& e) {
            std::cerr << "lsengine: teardown of scenario '" << script_.chosen[i].name
                      << "' failed: " << RedactSecretValues(e.what()) << "\n";
        }
    }
}

void RunSetups(const DistributedScript& script, Finisher& finisher) {
    for (size_t i = 0; i < script.chosen.size(); ++i) {
        // setup()'s return value reaches the capture (and so the plan) and the coordinator's own scenarios.
        if (script.chosen[i].has_setup) {
            script.configs[i]->setup_data = lua::RunScenarioHook(*script.configs[i], "setup");
        }
    }
    finisher.SetupDone();
}

void CaptureAgentScenarios(const DistributedScript& script, bool quiet, Finisher& finisher,
                           coordinator::PlanAssembly& plan, const std::function<void()>& throw_if_interrupted,
                           const std::function<bool()>& cancelled) {
    for (size_t i = 0; i < script.chosen.size(); ++i) {
        if (!script.on_agents[i]) continue;
        throw_if_interrupted();
        const std::string& name = script.chosen[i].name;
        const runtime::LoadSpec& spec = script.specs[i];
        auto capture = std::make_unique<lua::PlanCapture>(script.configs[i]);
        lua::CaptureOutcome c = capture->Capture(spec.vusers, ShapeOf(spec), cancelled);
        finisher.AddCapture(std::move(capture));
        throw_if_interrupted();  // nothing is sent to the agents; on_stop runs for the users that got ready
        if (!quiet) {  // bench/lsbench.py reads this line
            char seconds[32];
            std::snprintf(seconds, sizeof(seconds), "%.1f", c.seconds);
            std::cerr << "lsengine: scenario '" << name << "': captured " << c.vusers_prepared << " virtual users in "
                      << seconds << " s\n";
        }
        for (const auto& w : c.warnings) {
            if (!quiet) std::cerr << "lsengine: scenario '" << name << "': warning: " << w << "\n";
        }
        if (!c.feeds.empty()) plan.SetFeeds(std::move(c.feeds));  // the same script's files: any capture's list
        coordinator::CapturedScenario captured;
        captured.name = name;
        captured.plan = std::move(c.plan);
        captured.problems = std::move(c.problems);
        captured.plan.setup_data = script.configs[i]->setup_data;  // plan format 5: agents and reports know it
        if (captured.plan.setup_data.size() > plan::kMaxSetupDataBytes) {
            captured.problems.push_back("setup() returned " + std::to_string(captured.plan.setup_data.size()) +
                                        " bytes of JSON; a plan carries at most " +
                                        std::to_string(plan::kMaxSetupDataBytes) +
                                        " (return less, or read the rest from a data file)");
        }
        AddScenarioClient(script.chosen[i], script.configs[i]->client, &captured);
        captured.vusers_prepared = c.vusers_prepared;
        captured.open_model = spec.model == runtime::LoadModel::kOpen;
        captured.profile = spec.profile;
        plan.Add(std::move(captured));
    }
}

}  // namespace lse::cli
