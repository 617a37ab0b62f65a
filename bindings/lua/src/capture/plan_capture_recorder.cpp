#include "plan_capture_recorder.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <type_traits>
#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "load_context.hpp"
#include "lse/metrics/stat_key.hpp"
#include "metrics_binding.hpp"
#include "plan_capture_templates.hpp"
#include "protected_call.hpp"

namespace lse::lua::capture {
namespace {

constexpr int kMaxStatus = 600;

PlanRecorder* RecorderOf(lua_State* L) { return static_cast<PlanRecorder*>(lua_touserdata(L, lua_upvalueindex(1))); }

// math.random, noting its use in a captured task before calling the original (upvalue 2).
int MathRandom(lua_State* L) {
    try {
        RecorderOf(L)->OnMathRandom(L);
    } catch (const std::exception&) {
        // Only a warning could not be noted (out of memory): never let C++ unwind through Lua.
    }
    const int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

bool IsJsonBody(const http::HeaderList& headers) {
    return std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return http::HeaderNameEquals(h.first, "content-type") && h.second.find("json") != std::string::npos;
    });
}

bool Contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

std::vector<std::pair<int, int>> ExpectRanges(const runtime::StatusSet& set) {
    std::vector<std::pair<int, int>> ranges;
    for (int s = 0; s < kMaxStatus; ++s) {
        if (!set.Contains(s)) continue;
        if (!ranges.empty() && ranges.back().second == s - 1) {
            ranges.back().second = s;
        } else {
            ranges.emplace_back(s, s);
        }
    }
    if (ranges.size() == 1 && ranges[0] == std::pair<int, int>(200, 399)) ranges.clear();  // the agents' default
    return ranges;
}

plan::PlannedRequest ToPlannedRequest(const RequestSpec& spec, const runtime::StatusSet& default_expect,
                                      const ValueLabeler& label, int default_max_redirects,
                                      const std::vector<std::pair<int, int>>* ranges) {
    plan::PlannedRequest r;
    r.method = spec.method;
    r.method_token = spec.method_token;
    r.url = ParseTemplate(spec.url.origin.ToString() + spec.url.path_and_query);
    r.headers.reserve(spec.headers.size());
    for (const auto& [name, value] : spec.headers) r.headers.emplace_back(name, ParseTemplate(value));
    r.body = IsJsonBody(spec.headers) ? ParseJsonTemplate(spec.body) : ParseTemplate(spec.body);
    r.name = DisplayText(spec.name, label);
    r.expect = ranges != nullptr ? *ranges : ExpectRanges(spec.has_expect ? spec.expect : default_expect);
    r.timeout_ns = spec.timeout_ns;
    // The setting, not the hops: the agent follows them itself, as the Lua runtime does.
    r.max_redirects = spec.max_redirects >= 0 ? spec.max_redirects : default_max_redirects;
    r.tags = spec.tags;  // the scenario's merged with the request's: agents record the same tagged row
    return r;
}

PlanRecorder::PlanRecorder(ScenarioEngine* engine, const LuaRunConfig& config)
    : engine_(engine),
      default_expect_(config.default_expect),
      default_ranges_(ExpectRanges(config.default_expect)),
      default_max_redirects_(config.max_redirects) {
    plan_.name = engine->ScenarioName();
    const ScenarioDef* def = engine->State().Find(engine->ScenarioName());
    for (int t = 0; t < engine->TaskCount(); ++t) {
        plan::PlannedTask task;
        task.name = engine->TaskName(t);
        std::string site = "?";
        if (def != nullptr) {
            for (const TaskDef& d : def->tasks) {
                if (d.name != task.name) continue;
                task.weight = d.weight;
                task.on_extract_error = d.on_extract_error;
                site = d.defined_at;
                break;
            }
        }
        task_sites_.push_back(std::move(site));
        plan_.tasks.push_back(std::move(task));
        task_names_.emplace_back();
    }
}

void PlanRecorder::Install() {
    lua_State* L = engine_->L();
    values_ = std::make_unique<ResponseValues>(L);

    lua_getglobal(L, "math");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "random");
        if (lua_isfunction(L, -1)) {
            lua_pushlightuserdata(L, this);
            lua_insert(L, -2);
            lua_pushcclosure(L, &MathRandom, 2);
            lua_setfield(L, -2, "random");
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

void PlanRecorder::SetActive(bool active) {
    active_ = active;
    engine_->SetInterceptor(active ? this : nullptr);
    detail::LoadContext* ctx = detail::GetContext(engine_->L());
    if (ctx != nullptr) {
        ctx->capture_mode = active;
        ctx->metric_capture = active ? this : nullptr;
    }
}

std::vector<plan::DataFeed> PlanRecorder::Feeds() const {
    std::vector<plan::DataFeed> out;
    detail::LoadContext* ctx = detail::GetContext(engine_->L());
    if (ctx == nullptr || ctx->shared == nullptr) return out;
    for (const data::DeclaredFeed& d : ctx->shared->Feeds().Declared()) {
        plan::DataFeed f;
        f.name = d.name;
        if (d.feeder != nullptr) {
            const data::DataTable& table = d.feeder->Table();
            f.options = d.feeder->Options();
            f.total_rows = table.RowCount();
            if (f.options.mode == data::AccessMode::kPerVu) {
                f.table = table.Slice(0, 0);
                f.total_rows = 0;
            } else if (f.options.mode == data::AccessMode::kUnique) {
                // Rows on_start (or setup) took here are used: the agents share out the others.
                const std::size_t used = std::min<std::size_t>(d.feeder->Draws(), table.RowCount());
                f.table = table.Slice(used, table.RowCount());
                f.first_row = used;
            } else {
                f.table = table;
            }
        }
        out.push_back(std::move(f));
    }
    return out;
}

void PlanRecorder::BeginVu(int id) {
    current_vu_ = plan::VuPlan{};
    current_vu_.id = id;
    current_vu_.task_steps.resize(plan_.tasks.size());
}

void PlanRecorder::BeginTask(Vu& /*vu*/, int task) {
    current_task_ = task;
    next_slot_ = 0;
    check_on_values_ = false;
    used_math_random_ = false;
    values_->BeginIteration();
    // Data rows: each task iteration draws its own (the agent draws them when the iteration starts).
    detail::LoadContext* ctx = detail::GetContext(engine_->L());
    if (ctx != nullptr) ctx->capture_draws.clear();
}

void PlanRecorder::NoteBranches() {
    const std::vector<std::string> sites = values_->TakeComparisons();
    if (sites.empty()) return;
    problems_.Add(TaskLabel() + " branches on a response value at " + sites.front() +
                  ": agents replay requests without Lua and cannot evaluate conditions on responses (a comparison "
                  "may only feed check(name, cond)); run this scenario on the coordinator (--coordinator-scenarios) "
                  "or remove the condition");
}

void PlanRecorder::EndTask(const RunOutcome& outcome) {
    NoteBranches();
    const std::string& unsupported = values_->UnsupportedRead();
    values_->EndIteration();
    if (!unsupported.empty()) {
        problems_.Add(TaskLabel() + " reads the response (" + unsupported +
                      "); agents replay requests without Lua and cannot feed it back: run this scenario on "
                      "the coordinator (--coordinator-scenarios) or remove the dependency");
    } else if (!outcome.script_error.empty()) {
        // Placeholders shown as {seq}, {value}: readable, and the same text for every virtual user (counted once).
        const std::string first = DisplayText(FirstLine(outcome.script_error));
        std::string message = TaskLabel() + " failed in capture mode: " + first;
        if (!Contains(first, "response value") &&
            (Contains(first, "arithmetic") || Contains(first, "compare") || Contains(first, "number expected"))) {
            message +=
                " (in capture mode lsengine.seq(), lsengine.random() and lsengine.uuid() return placeholders that "
                "agents fill in per iteration: use them only as text, e.g. \"/items/\" .. lsengine.seq(), never in "
                "arithmetic or comparisons)";
        }
        problems_.Add(std::move(message));
    }
    current_task_ = -1;
}

void PlanRecorder::EndVu() { plan_.vusers.push_back(std::move(current_vu_)); }

// A check() on response values (check("created", r.status == 201)) is fine as it is: comparisons are false at
// capture, so it is not judged here, and agents never evaluate check() (documented), only each request's expect.
void PlanRecorder::OnTaskCheck(Vu& /*vu*/, std::string_view /*name*/) {
    check_on_values_ = !values_->TakeComparisons().empty();
}

void PlanRecorder::OnCheckFailed(std::string_view name) {
    if (current_task_ < 0 || check_on_values_) return;
    warnings_.Add(TaskLabel() + ": check '" + std::string(name) +
                  "' failed against the stand-in response of capture mode; agents do not evaluate check(), only "
                  "each request's expect");
}

std::string PlanRecorder::TaskLabel() const {
    const auto t = static_cast<std::size_t>(current_task_);
    return "task '" + plan_.tasks[t].name + "' (" + task_sites_[t] + ")";
}

std::uint32_t PlanRecorder::SlotFor(const ValueRule& rule) {
    auto& steps = current_vu_.task_steps[static_cast<std::size_t>(current_task_)];
    if (rule.step >= steps.size()) throw std::runtime_error("internal: a response value of an unknown step");
    std::vector<plan::Extraction>& extract = steps[rule.step].extract;
    for (const plan::Extraction& e : extract) {
        if (e.source == rule.source && e.key == rule.key && e.pattern == rule.pattern && e.number == rule.number) {
            return e.slot;
        }
    }
    plan::Extraction e;
    e.source = rule.source;
    e.key = rule.key;
    e.pattern = rule.pattern;
    e.number = rule.number;
    e.slot = next_slot_++;
    extract.push_back(std::move(e));
    return extract.back().slot;
}

void PlanRecorder::ResolveValues(plan::Template* t) {
    for (plan::Segment& s : t->segments) {
        if (s.kind != plan::Segment::Kind::kValue) continue;
        std::string why;
        const ValueRule* rule = values_->Find(s.a, &why);
        if (rule == nullptr) throw std::runtime_error(why);
        s.a = SlotFor(*rule);
    }
}

void PlanRecorder::OnTaskRequest(Vu& vu, const RequestSpec& spec, lua_State* L) {
    if (!active_ || current_task_ < 0) throw std::runtime_error("internal: a task request outside plan capture");
    NoteBranches();  // a request after an unconsumed comparison: the condition chose it
    const ValueLabeler label = [this](std::int64_t ref) {
        std::string why;
        const ValueRule* rule = values_->Find(ref, &why);
        return rule != nullptr ? rule->label : std::string("value");
    };
    const std::vector<std::pair<int, int>>* ranges = &default_ranges_;
    if (spec.has_expect) {
        // A bitset without padding: equal bytes are equal sets.
        static_assert(std::has_unique_object_representations_v<runtime::StatusSet>);
        if (!has_last_expect_ || std::memcmp(&last_expect_, &spec.expect, sizeof(last_expect_)) != 0) {
            last_expect_ = spec.expect;
            last_ranges_ = ExpectRanges(spec.expect);
            has_last_expect_ = true;
        }
        ranges = &last_ranges_;
    }
    plan::PlannedRequest planned = ToPlannedRequest(spec, default_expect_, label, default_max_redirects_, ranges);
    planned.group = std::string(engine_->GroupPath(vu));  // agents record it under the same grouped row
    ResolveValues(&planned.url);
    for (auto& header : planned.headers) ResolveValues(&header.second);
    ResolveValues(&planned.body);
    plan::Step step;
    // One row per request name on the agents too: a task whose names carry ids is warned about at plan time,
    // and its names past the cap are folded into "(other)" in the plan itself, so no agent grows unbounded rows.
    // Every (name, tags) pair is a row of its own: tags count toward the same cap, as in the Lua runtime.
    auto& names = task_names_[static_cast<std::size_t>(current_task_)];
    std::string row = planned.name;
    if (!planned.tags.empty()) row += metrics::kStatKeySeparator + planned.tags;
    if (names.find(row) == names.end()) {
        if (names.size() >= metrics::kMaxRequestNamesPerTask) {
            planned.name = std::string(metrics::kOtherRequestName);
            planned.tags.clear();
        } else {
            names.insert(std::move(row));
            if (names.size() == metrics::kManyRequestNames) {
                warnings_.Add(TaskLabel() + ": " +
                              metrics::ManyRequestNamesWarning(plan_.tasks[static_cast<std::size_t>(current_task_)].name,
                                                               names.size(), planned.name, false));
            }
        }
    }
    const std::string name = planned.name;
    step.request = requests_.Index(std::move(planned));
    auto& steps = current_vu_.task_steps[static_cast<std::size_t>(current_task_)];
    steps.push_back(step);
    values_->PushStandIn(L, static_cast<std::uint32_t>(steps.size() - 1), name);
}

void PlanRecorder::OnTaskSleep(Vu& /*vu*/, std::int64_t ns) {
    if (!active_ || current_task_ < 0) return;
    NoteBranches();
    plan::Step step;
    step.pause = true;
    step.pause_ns = ns;
    current_vu_.task_steps[static_cast<std::size_t>(current_task_)].push_back(step);
}

void PlanRecorder::OnMathRandom(lua_State* L) {
    if (!active_ || current_task_ < 0 || used_math_random_) return;
    used_math_random_ = true;
    warnings_.Add(TaskLabel() + " uses math.random (" + detail::CallSite(L, 1) +
                  "): a task is captured once per virtual user, so its random choices are frozen per virtual user "
                  "in the plan; lsengine.random() values vary per iteration");
}

void PlanRecorder::OnMetricSample(lua_State* L, std::uint32_t metric, int value_index, bool set) {
    if (!active_ || current_task_ < 0) throw std::runtime_error("internal: a metric sample outside plan capture");
    detail::LoadContext* ctx = detail::GetContext(L);
    const detail::LoadContext::DeclaredMetric& declared = ctx->declared_metrics.at(metric);
    const std::string call = std::string(metrics::CustomMetricKindName(declared.kind)) + " '" + declared.name + "': " +
                             (set ? "set" : "add") + "(value)";
    plan::Step step;
    step.metric = true;
    step.sample.metric = metric;
    step.sample.set = set;
    std::int64_t ref = -1;
    if (const ResponseValues::Value* v = values_->Get(L, value_index, &ref)) {
        std::string why;
        const ValueRule* found = v->kind == ResponseValues::Value::Kind::kSource ? values_->Find(ref, &why) : nullptr;
        if (found == nullptr) {
            MarkNotReplayable(L, metric, "is fed r.headers, not a value");
            return;
        }
        ValueRule rule = *found;
        if (!rule.number) {
            // A JSON value is a Lua number when the response holds one: the agent reads it as tonumber() would.
            // Text (a header, the body, a match) is a string in Lua, which add() refuses there too.
            if (rule.source != plan::Extraction::Source::kJson || !rule.pattern.empty()) {
                throw std::runtime_error(call + " expects a number, got the response's text (convert it with tonumber)");
            }
            rule.number = true;
        }
        step.sample.from_value = true;
        step.sample.slot = SlotFor(rule);
    } else if (lua_type(L, value_index) == LUA_TBOOLEAN && !values_->TakeComparisons().empty()) {
        // rate:add(r.status == 200): the comparison ran against a stand-in, agents do not evaluate it.
        MarkNotReplayable(L, metric, "is fed the result of a comparison on a response value");
        return;
    } else {
        double value = 0;
        std::string problem;
        if (!detail::ReadMetricValue(L, value_index, static_cast<int>(declared.kind), &value, &problem)) {
            throw std::runtime_error(call + " " + problem);
        }
        step.sample.value = value;
    }
    if (metric < metric_not_replayable_.size() && metric_not_replayable_[metric]) return;
    current_vu_.task_steps[static_cast<std::size_t>(current_task_)].push_back(step);
}

void PlanRecorder::MarkNotReplayable(lua_State* L, std::uint32_t metric, const std::string& why) {
    if (metric_not_replayable_.size() <= metric) metric_not_replayable_.resize(metric + 1, false);
    if (metric_not_replayable_[metric]) return;
    metric_not_replayable_[metric] = true;
    const detail::LoadContext::DeclaredMetric& declared = detail::GetContext(L)->declared_metrics.at(metric);
    warnings_.Add(TaskLabel() + ": " + std::string(metrics::CustomMetricKindName(declared.kind)) + " '" +
                  declared.name + "' " + why + " (" + detail::CallSite(L, 1) +
                  "): agents replay tasks without Lua, so it is not replayable in a distributed run: it records "
                  "nothing on the agents and the report marks it (see docs/lua-api.md, custom metrics)");
}

void PlanRecorder::FinishMetrics() {
    const detail::LoadContext* ctx = detail::GetContext(engine_->L());
    plan_.metrics.clear();
    if (ctx == nullptr) return;
    for (std::size_t i = 0; i < ctx->declared_metrics.size(); ++i) {
        plan::PlannedMetric m;
        m.name = ctx->declared_metrics[i].name;
        m.kind = ctx->declared_metrics[i].kind;
        m.replayable = !(i < metric_not_replayable_.size() && metric_not_replayable_[i]);
        plan_.metrics.push_back(std::move(m));
    }
    // Steps recorded for a metric before it turned out not replayable (an earlier virtual user or line) go.
    for (plan::VuPlan& vu : plan_.vusers) {
        for (std::vector<plan::Step>& steps : vu.task_steps) {
            std::erase_if(steps, [this](const plan::Step& st) { return st.metric && !plan_.metrics[st.sample.metric].replayable; });
        }
    }
}

}  // namespace lse::lua::capture
