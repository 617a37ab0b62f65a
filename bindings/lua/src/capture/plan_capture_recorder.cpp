#include "plan_capture_recorder.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "load_context.hpp"
#include "lse/metrics/stat_key.hpp"
#include "plan_capture_templates.hpp"
#include "protected_call.hpp"

namespace lse::lua::capture {
namespace {

constexpr char kStandInMetaKey[] = "lsengine.capture_response";
constexpr int kMaxStatus = 600;

PlanRecorder* RecorderOf(lua_State* L) { return static_cast<PlanRecorder*>(lua_touserdata(L, lua_upvalueindex(1))); }

// __index of stand-in responses: status/ok/name are plain fields; the response data is not there.
int StandInIndex(lua_State* L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        const std::string_view key = lua_tostring(L, 2);
        if (key == "json") RecorderOf(L)->OnResponseRead(L, "r:json()");
        if (key == "body" || key == "headers" || key == "error") {
            RecorderOf(L)->OnResponseRead(L, "r." + std::string(key));
        }
    }
    lua_pushnil(L);
    return 1;
}

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

int FirstAccepted(const runtime::StatusSet& set) {
    for (int s = 100; s < kMaxStatus; ++s) {
        if (set.Contains(s)) return s;
    }
    return 200;
}

bool IsJsonBody(const http::HeaderList& headers) {
    return std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return http::HeaderNameEquals(h.first, "content-type") && h.second.find("json") != std::string::npos;
    });
}

// Length-prefixed fields: two requests have the same key exactly when they are equal.
void Put(std::string* key, std::string_view text) {
    key->append(std::to_string(text.size()));
    key->push_back(':');
    key->append(text);
}

void Put(std::string* key, const plan::Template& t) {
    Put(key, std::to_string(t.segments.size()));
    for (const auto& s : t.segments) {
        Put(key, std::to_string(static_cast<int>(s.kind)) + "/" + std::to_string(s.a) + "/" + std::to_string(s.b));
        Put(key, s.text);
    }
}

std::string RequestKey(const plan::PlannedRequest& r) {
    std::string key;
    Put(&key, http::MethodName(r.method));
    Put(&key, r.url);
    Put(&key, std::to_string(r.headers.size()));
    for (const auto& [name, value] : r.headers) {
        Put(&key, name);
        Put(&key, value);
    }
    Put(&key, r.body);
    Put(&key, r.name);
    Put(&key, std::to_string(r.expect.size()));
    for (const auto& [lo, hi] : r.expect) Put(&key, std::to_string(lo) + "-" + std::to_string(hi));
    Put(&key, std::to_string(r.timeout_ns));
    return key;
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

plan::PlannedRequest ToPlannedRequest(const RequestSpec& spec, const runtime::StatusSet& default_expect) {
    plan::PlannedRequest r;
    r.method = spec.method;
    r.url = ParseTemplate(spec.url.origin.ToString() + spec.url.path_and_query);
    r.headers.reserve(spec.headers.size());
    for (const auto& [name, value] : spec.headers) r.headers.emplace_back(name, ParseTemplate(value));
    r.body = IsJsonBody(spec.headers) ? ParseJsonTemplate(spec.body) : ParseTemplate(spec.body);
    r.name = DisplayText(spec.name);
    r.expect = ExpectRanges(spec.has_expect ? spec.expect : default_expect);
    r.timeout_ns = spec.timeout_ns;
    return r;
}

PlanRecorder::PlanRecorder(ScenarioEngine* engine, const LuaRunConfig& config)
    : engine_(engine), default_expect_(config.default_expect) {
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
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, this);
    lua_pushcclosure(L, &Guarded<StandInIndex>, 1);
    lua_setfield(L, -2, "__index");
    lua_setfield(L, LUA_REGISTRYINDEX, kStandInMetaKey);

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
    if (ctx != nullptr) ctx->capture_mode = active;
}

void PlanRecorder::BeginVu(int id) {
    current_vu_ = plan::VuPlan{};
    current_vu_.id = id;
    current_vu_.task_steps.resize(plan_.tasks.size());
}

void PlanRecorder::BeginTask(Vu& /*vu*/, int task) {
    current_task_ = task;
    dependency_.clear();
    used_math_random_ = false;
}

void PlanRecorder::EndTask(const RunOutcome& outcome) {
    if (!dependency_.empty()) {
        problems_.Add(TaskLabel() + " reads the response (" + dependency_ +
                      "); agents replay requests without Lua and cannot feed responses back: run this scenario on "
                      "the coordinator (--coordinator-scenarios) or remove the dependency");
    } else if (!outcome.script_error.empty()) {
        const std::string_view first = FirstLine(outcome.script_error);
        std::string message = TaskLabel() + " failed in capture mode: " + std::string(first);
        if (Contains(first, "arithmetic") || Contains(first, "compare") || Contains(first, "number expected")) {
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

void PlanRecorder::OnCheckFailed(std::string_view name) {
    if (current_task_ < 0) return;
    warnings_.Add(TaskLabel() + ": check '" + std::string(name) +
                  "' failed against the stand-in response of capture mode; agents do not evaluate check(), only "
                  "each request's expect");
}

std::string PlanRecorder::TaskLabel() const {
    const auto t = static_cast<std::size_t>(current_task_);
    return "task '" + plan_.tasks[t].name + "' (" + task_sites_[t] + ")";
}

std::uint32_t PlanRecorder::RequestIndex(plan::PlannedRequest request) {
    std::string key = RequestKey(request);
    auto it = request_index_.find(key);
    if (it != request_index_.end()) return it->second;
    const auto index = static_cast<std::uint32_t>(plan_.requests.size());
    plan_.requests.push_back(std::move(request));
    request_index_.emplace(std::move(key), index);
    return index;
}

void PlanRecorder::OnTaskRequest(Vu& /*vu*/, const RequestSpec& spec, lua_State* L) {
    if (!active_ || current_task_ < 0) throw std::runtime_error("internal: a task request outside plan capture");
    plan::Step step;
    plan::PlannedRequest planned = ToPlannedRequest(spec, default_expect_);
    // One row per request name on the agents too: a task whose names carry ids is warned about at plan time,
    // and its names past the cap are folded into "(other)" in the plan itself, so no agent grows unbounded rows.
    auto& names = task_names_[static_cast<std::size_t>(current_task_)];
    if (names.find(planned.name) == names.end()) {
        if (names.size() >= metrics::kMaxRequestNamesPerTask) {
            planned.name = std::string(metrics::kOtherRequestName);
        } else {
            names.insert(planned.name);
            if (names.size() == metrics::kManyRequestNames) {
                warnings_.Add(TaskLabel() + ": " +
                              metrics::ManyRequestNamesWarning(plan_.tasks[static_cast<std::size_t>(current_task_)].name,
                                                               names.size(), planned.name, false));
            }
        }
    }
    step.request = RequestIndex(std::move(planned));
    current_vu_.task_steps[static_cast<std::size_t>(current_task_)].push_back(step);

    const std::string name = DisplayText(spec.name);
    lua_checkstack(L, 4);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, FirstAccepted(spec.has_expect ? spec.expect : default_expect_));
    lua_setfield(L, -2, "status");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ok");
    lua_pushlstring(L, name.data(), name.size());
    lua_setfield(L, -2, "name");
    lua_getfield(L, LUA_REGISTRYINDEX, kStandInMetaKey);
    lua_setmetatable(L, -2);
}

void PlanRecorder::OnTaskSleep(Vu& /*vu*/, std::int64_t ns) {
    if (!active_ || current_task_ < 0) return;
    plan::Step step;
    step.pause = true;
    step.pause_ns = ns;
    current_vu_.task_steps[static_cast<std::size_t>(current_task_)].push_back(step);
}

void PlanRecorder::OnResponseRead(lua_State* L, std::string_view what) {
    if (active_ && current_task_ >= 0 && dependency_.empty()) {
        dependency_ = std::string(what) + " at " + detail::CallSite(L, 1);
    }
    throw std::runtime_error("capture mode: " + std::string(what) +
                             " is not available (requests are recorded for the agents, not sent)");
}

void PlanRecorder::OnMathRandom(lua_State* L) {
    if (!active_ || current_task_ < 0 || used_math_random_) return;
    used_math_random_ = true;
    warnings_.Add(TaskLabel() + " uses math.random (" + detail::CallSite(L, 1) +
                  "): a task is captured once per virtual user, so its random choices are frozen per virtual user "
                  "in the plan; lsengine.random() values vary per iteration");
}

}  // namespace lse::lua::capture
