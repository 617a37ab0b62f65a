#include "run_setup.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/http/tls_context.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/compiled_plan.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/plan/plan_runner.hpp"
#include "lse/protocol/plan_chunks.hpp"

namespace lse::agent {
namespace {

bool Fail(SetupProblem* problem, protocol::RejectReason reason, std::string detail) {
    problem->reason = reason;
    problem->detail = std::move(detail);
    return false;
}

// A scenario with its own client certificate or response-header limit (plan format 6) gets its own client options;
// unset: the agent's. The PEM text is checked here, so a bad one refuses the run by name (never quoting the text).
std::optional<http::ClientOptions> ScenarioClient(const plan::ScenarioPlan& s, const http::ClientOptions& base) {
    if (s.client_cert_pem.empty() && s.max_header_bytes == 0) return std::nullopt;
    http::ClientOptions o = base;
    if (!s.client_cert_pem.empty()) {
        http::CheckClientCertificatePem(s.client_cert_pem, s.client_key_pem);  // SetupError
        o.cert_file.clear();
        o.key_file.clear();
        o.cert_pem = s.client_cert_pem;
        o.key_pem = s.client_key_pem;
    }
    if (s.max_header_bytes != 0) o.max_response_header_bytes = static_cast<std::size_t>(s.max_header_bytes);
    return o;
}

// Different per run and per agent, so agents do not replay identical random streams.
std::uint64_t RunSeed(const protocol::Assignment& a) {
    return protocol::Fnv1a64(a.run_id) ^ ((std::uint64_t{a.agent_index} + 1) * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

bool ScenarioSource::HasPlanFor(std::int64_t id) const noexcept {
    return std::binary_search(known_ids.begin(), known_ids.end(), id);
}

int PreparedRun::WorkloadIndex(std::string_view scenario) const noexcept {
    for (size_t i = 0; i < scenarios.size(); ++i) {
        if (scenarios[i] == scenario) return static_cast<int>(i);
    }
    return -1;
}

bool CheckAssignment(const protocol::Assignment& a, std::string_view cluster_id, std::string_view agent_id,
                     SetupProblem* problem) {
    if (a.cluster_id != cluster_id) {
        return Fail(problem, protocol::RejectReason::kWrongCluster,
                    "assignment for cluster '" + a.cluster_id + "', this agent serves cluster '" +
                        std::string(cluster_id) + "'");
    }
    if (a.agent_id != agent_id) {
        return Fail(problem, protocol::RejectReason::kMalformed,
                    "assignment addressed to agent '" + a.agent_id + "'");
    }
    if (a.plan_size > kMaxAgentPlanBytes) {
        return Fail(problem, protocol::RejectReason::kTooLarge,
                    "plan of " + std::to_string(a.plan_size) + " bytes exceeds the agent's limit of " +
                        std::to_string(kMaxAgentPlanBytes));
    }
    if (a.agent_count == 0 || a.agent_index >= a.agent_count) {
        return Fail(problem, protocol::RejectReason::kMalformed, "agent_index out of range");
    }
    return true;
}

std::vector<int> SelectedPositions(const protocol::VuSelection& selection, const std::vector<int>& plan_vu_ids) {
    std::vector<int> out;
    using Kind = protocol::VuSelection::Kind;
    if (selection.kind == Kind::kNone) return out;
    for (size_t p = 0; p < plan_vu_ids.size(); ++p) {
        if (selection.kind == Kind::kAll || selection.Contains(plan_vu_ids[p])) out.push_back(static_cast<int>(p));
    }
    return out;
}

bool PrepareRun(const protocol::Assignment& a, std::string_view plan_bytes, const RunSetupOptions& options,
                PreparedRun* out, SetupProblem* problem) {
    if (plan_bytes.size() != a.plan_size || protocol::Fnv1a64(plan_bytes) != a.plan_checksum) {
        return Fail(problem, protocol::RejectReason::kChecksum, "plan size or FNV-1a 64 checksum differs");
    }
    // Decoded and compiled in one pass (issue 16: an agent's peak memory per virtual user): the decoded plan never
    // exists whole. The scenarios not assigned here are checked, not compiled.
    plan::CompiledPlan decoded;
    std::string error;
    plan::CompilePlanOptions compile;
    compile.select = [&a](const std::string& name) {
        return std::any_of(a.scenarios.begin(), a.scenarios.end(),
                           [&name](const protocol::ScenarioShare& share) { return share.scenario == name; });
    };
    if (!plan::DecodeAndCompilePlan(plan_bytes, &decoded, &error, compile)) {
        return Fail(problem, protocol::RejectReason::kMalformed, "plan does not decode: " + error);
    }
    if (decoded.cluster_id != a.cluster_id) {
        return Fail(problem, protocol::RejectReason::kWrongCluster,
                    "plan for cluster '" + decoded.cluster_id + "' inside an assignment for '" + a.cluster_id + "'");
    }
    if (decoded.run_id != a.run_id) {
        return Fail(problem, protocol::RejectReason::kMalformed,
                    "plan of run '" + decoded.run_id + "' inside an assignment of run '" + a.run_id + "'");
    }
    if (a.scenarios.empty()) return Fail(problem, protocol::RejectReason::kMalformed, "assignment names no scenario");

    *out = PreparedRun{};
    out->options = options;
    out->agent_index = static_cast<int>(a.agent_index);
    out->agent_count = static_cast<int>(a.agent_count);
    out->agent_id = a.agent_id;
    out->seed = RunSeed(a);
    out->feeders = plan::MakeFeeders(decoded.feeds);
    std::vector<std::string_view> assigned;
    for (const protocol::ScenarioShare& share : a.scenarios) {
        auto it = std::find_if(decoded.scenarios.begin(), decoded.scenarios.end(),
                               [&](const plan::CompiledPlan::Scenario& s) { return s.name == share.scenario; });
        if (it == decoded.scenarios.end()) {
            return Fail(problem, protocol::RejectReason::kMalformed,
                        "assigned scenario '" + share.scenario + "' is not in the plan");
        }
        if (std::find(assigned.begin(), assigned.end(), share.scenario) != assigned.end()) {
            return Fail(problem, protocol::RejectReason::kMalformed,
                        "scenario '" + share.scenario + "' assigned twice");
        }
        assigned.push_back(share.scenario);
        if (it->compiled == nullptr) {
            return Fail(problem, protocol::RejectReason::kMalformed,
                        "scenario '" + share.scenario + "' cannot be replayed: " + it->problem);
        }
        const std::shared_ptr<const plan::CompiledScenario> compiled = std::move(it->compiled);
        const std::vector<int> ids = plan::CompiledVuIds(*compiled);
        std::vector<int> positions = SelectedPositions(share.vusers, ids);
        ScenarioSource source;
        source.name = share.scenario;
        source.plan = compiled->header;
        source.plan_vu_ids = ids;
        source.initial = share.vusers;
        source.compiled = compiled;
        source.known_ids = ids;
        std::sort(source.known_ids.begin(), source.known_ids.end());
        out->sources.push_back(std::move(source));
        if (positions.empty()) continue;  // nothing of this scenario runs here (e.g. a zero share)
        try {
            share.shard.Validate();
            auto config = std::make_shared<plan::PlanRunConfig>();
            const int hosted = static_cast<int>(positions.size());
            config->compiled = compiled;
            config->scenario = compiled->header;
            config->vu_positions = std::move(positions);
            config->agent_index = static_cast<int>(a.agent_index);
            config->agent_count = static_cast<int>(a.agent_count);
            config->seed = RunSeed(a);
            config->default_timeout_ns = options.default_timeout_ns;
            config->feeders = out->feeders;
            runtime::Workload w;
            w.spec = plan::MakePlanLoadSpec(config->scenario->load, hosted, std::max(1, options.capacity),
                                            config->seed);
            w.spec.grace_ns = std::min(options.request_timeout_ns, w.spec.grace_ns);
            w.spec.generator_id = a.agent_id;  // its health is reported as this agent's
            w.factory = plan::MakePlanRunnerFactory(config);
            w.dropped_key = metrics::MakeStatKey(metrics::StatKind::kScenario, config->scenario->name);
            w.segment = share.shard;
            w.client = ScenarioClient(*config->scenario, options.client);
            out->workloads.push_back(std::move(w));
            out->scenarios.push_back(share.scenario);
            out->hosted_vusers += hosted;
        } catch (const lse::Error& e) {
            return Fail(problem, protocol::RejectReason::kMalformed,
                        "scenario '" + share.scenario + "' cannot be replayed: " + e.what());
        }
    }
    return true;
}

std::vector<ExtraVusers> ExtraVusersFor(const PreparedRun& prepared,
                                        const std::vector<protocol::ScenarioShare>& shares, bool open_model) {
    std::vector<ExtraVusers> out;
    for (const ScenarioSource& source : prepared.sources) {
        if (source.plan->load.open_model != open_model) continue;
        auto share = std::find_if(shares.begin(), shares.end(),
                                  [&](const protocol::ScenarioShare& s) { return s.scenario == source.name; });
        if (share == shares.end()) continue;
        ExtraVusers extra{source.name, {}};
        auto consider = [&](std::int64_t id) {
            if (!source.initial.Contains(id) && source.HasPlanFor(id)) extra.ids.push_back(id);
        };
        const protocol::VuSelection& selected = share->vusers;
        if (selected.kind == protocol::VuSelection::Kind::kList) {
            for (const std::int64_t id : selected.ids) consider(id);
        } else if (selected.kind != protocol::VuSelection::Kind::kNone) {
            for (const int id : source.known_ids) {
                if (selected.Contains(id)) consider(id);
            }
        }
        std::sort(extra.ids.begin(), extra.ids.end());
        extra.ids.erase(std::unique(extra.ids.begin(), extra.ids.end()), extra.ids.end());
        if (!extra.ids.empty()) out.push_back(std::move(extra));
    }
    return out;
}

static ScenarioSource* FindSourceOf(PreparedRun* run, std::string_view scenario) {
    for (ScenarioSource& s : run->sources) {
        if (s.name == scenario) return &s;
    }
    return nullptr;
}

bool AddMovedVuPlans(PreparedRun* run, const plan::Plan& plans, std::string* error) {
    for (const plan::ScenarioPlan& s : plans.scenarios) {  // all checked before any is added
        const ScenarioSource* source = FindSourceOf(run, s.name);
        if (source == nullptr) {
            *error = "plans of moved virtual users of scenario '" + s.name + "', which is not assigned here";
            return false;
        }
        if (source->plan != nullptr && (s.tasks != source->plan->tasks || s.metrics != source->plan->metrics)) {
            *error = "plans of moved virtual users of scenario '" + s.name + "' do not match its plan";
            return false;
        }
    }
    for (const plan::ScenarioPlan& s : plans.scenarios) {
        ScenarioSource& source = *FindSourceOf(run, s.name);
        auto merged = std::make_shared<plan::ScenarioPlan>();
        if (source.moved != nullptr) {
            *merged = *source.moved;  // a supplementary run may be using the current one: a new one replaces it
        } else {
            merged->name = s.name;
            merged->load = s.load;
            merged->tasks = s.tasks;
            merged->setup_data = s.setup_data;
            merged->client_cert_pem = s.client_cert_pem;
            merged->client_key_pem = s.client_key_pem;
            merged->max_header_bytes = s.max_header_bytes;
            merged->metrics = s.metrics;
        }
        const auto offset = static_cast<std::uint32_t>(merged->requests.size());
        std::vector<int> added;
        for (const plan::VuPlan& vu : s.vusers) {
            if (source.HasPlanFor(vu.id)) continue;  // a resent VuPlans, or a user the plan has
            plan::VuPlan copy = vu;
            for (auto& steps : copy.task_steps) {
                for (plan::Step& st : steps) {
                    if (st.IsRequest()) st.request += offset;
                }
            }
            merged->vusers.push_back(std::move(copy));
            added.push_back(vu.id);
        }
        if (added.empty()) continue;
        merged->requests.insert(merged->requests.end(), s.requests.begin(), s.requests.end());
        source.moved = std::move(merged);
        source.moved_vu_ids.insert(source.moved_vu_ids.end(), added.begin(), added.end());
        source.known_ids.insert(source.known_ids.end(), added.begin(), added.end());
        std::sort(source.known_ids.begin(), source.known_ids.end());
    }
    return true;
}

std::size_t MissingVuPlans(const PreparedRun& prepared, const std::vector<protocol::ScenarioShare>& shares) {
    std::size_t missing = 0;
    for (const protocol::ScenarioShare& share : shares) {
        if (share.vusers.kind != protocol::VuSelection::Kind::kList) continue;
        for (const ScenarioSource& source : prepared.sources) {
            if (source.name != share.scenario) continue;
            for (const std::int64_t id : share.vusers.ids) {
                if (!source.HasPlanFor(id)) ++missing;
            }
        }
    }
    return missing;
}

std::pair<sched::ShardSegment, sched::ShardSegment> SplitForMovedIn(sched::ShardSegment segment, std::int64_t own,
                                                                    std::int64_t moved) {
    if (moved <= 0) return {segment, sched::ShardSegment{segment.end, segment.end}};
    own = std::max<std::int64_t>(0, own);
    // Lengths are at most 2^20 and VU counts at most 2^20, so the product fits easily.
    const std::int64_t cut = segment.begin + (segment.end - segment.begin) * own / (own + moved);
    return {sched::ShardSegment{segment.begin, cut}, sched::ShardSegment{cut, segment.end}};
}

// A workload replaying the moved-in virtual users `ids` of `source` with load shape `shape`, from the moved-in plans
// when they have every one of them (a plan slice), else from the plan (a whole plan); null when none of the ids is
// there. The seed varies by epoch so a supplementary run does not replay the main run's streams.
static std::optional<runtime::Workload> ExtraWorkload(const PreparedRun& prepared, const ScenarioSource& source,
                                                      const std::vector<std::int64_t>& ids,
                                                      const plan::LoadShape& shape, std::uint32_t epoch) {
    protocol::VuSelection selection;
    selection.kind = protocol::VuSelection::Kind::kList;
    selection.ids = ids;
    std::shared_ptr<const plan::ScenarioPlan> scenario = source.moved;
    std::vector<int> positions;
    if (scenario != nullptr) positions = SelectedPositions(selection, source.moved_vu_ids);
    if (scenario == nullptr || positions.size() != ids.size()) {
        scenario = source.plan;
        positions = SelectedPositions(selection, source.plan_vu_ids);
    }
    if (positions.empty()) return std::nullopt;
    auto config = std::make_shared<plan::PlanRunConfig>();
    const int hosted = static_cast<int>(positions.size());
    config->scenario = scenario;
    // The main plan is kept compiled (its header is `scenario`); moved-in plans are decoded, compiled per run.
    if (scenario == source.plan) config->compiled = source.compiled;
    config->vu_positions = std::move(positions);
    config->agent_index = prepared.agent_index;
    config->agent_count = prepared.agent_count;
    config->seed = prepared.seed ^ ((std::uint64_t{epoch} + 1) * 0xbf58476d1ce4e5b9ULL);
    config->default_timeout_ns = prepared.options.default_timeout_ns;
    config->feeders = prepared.feeders;
    runtime::Workload w;
    w.spec = plan::MakePlanLoadSpec(shape, hosted, std::max(1, prepared.options.capacity), config->seed);
    w.spec.grace_ns = std::min(prepared.options.request_timeout_ns, w.spec.grace_ns);
    w.spec.generator_id = prepared.agent_id;
    w.factory = plan::MakePlanRunnerFactory(config);
    w.dropped_key = metrics::MakeStatKey(metrics::StatKind::kScenario, config->scenario->name);
    w.client = ScenarioClient(*config->scenario, prepared.options.client);  // checked by PrepareRun already
    return w;
}

static const ScenarioSource* FindSource(const PreparedRun& prepared, std::string_view scenario) {
    for (const ScenarioSource& s : prepared.sources) {
        if (s.name == scenario) return &s;
    }
    return nullptr;
}

int InitialVusers(const PreparedRun& prepared, std::string_view scenario) {
    const ScenarioSource* source = FindSource(prepared, scenario);
    return source == nullptr ? 0 : static_cast<int>(SelectedPositions(source->initial, source->plan_vu_ids).size());
}

std::vector<runtime::Workload> MakeExtraWorkloads(const PreparedRun& prepared, const std::vector<ExtraVusers>& extra,
                                                  std::int64_t main_start_ns, std::int64_t from_ns,
                                                  std::uint32_t epoch, std::int64_t min_ns) {
    std::vector<runtime::Workload> out;
    for (const ExtraVusers& e : extra) {
        const ScenarioSource* source = FindSource(prepared, e.scenario);
        if (source == nullptr || source->plan->load.open_model) continue;
        const std::int64_t remaining = main_start_ns + source->plan->load.duration_ns - from_ns;
        if (remaining < min_ns) continue;
        plan::LoadShape shape = source->plan->load;
        shape.duration_ns = remaining;
        shape.ramp_up_ns = 0;  // the moved virtual users were already running: they resume at once
        if (auto w = ExtraWorkload(prepared, *source, e.ids, shape, epoch)) out.push_back(std::move(*w));
    }
    return out;
}

std::vector<runtime::Workload> MakeOpenExtraWorkloads(const PreparedRun& prepared,
                                                      const std::vector<ExtraVusers>& extra, std::uint32_t epoch) {
    std::vector<runtime::Workload> out;
    for (const ExtraVusers& e : extra) {
        const ScenarioSource* source = FindSource(prepared, e.scenario);
        if (source == nullptr || !source->plan->load.open_model) {
            throw UsageError("scenario '" + e.scenario + "' is not an assigned open-model scenario");
        }
        auto w = ExtraWorkload(prepared, *source, e.ids, source->plan->load, epoch);
        if (!w) throw UsageError("scenario '" + e.scenario + "': the moved virtual users are not in the plan");
        w->segment = sched::ShardSegment{0, 0};  // nothing owned until the Rebalance's slice is given
        out.push_back(std::move(*w));
    }
    return out;
}


}  // namespace lse::agent
