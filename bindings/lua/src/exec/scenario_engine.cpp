#include "scenario_engine.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>
#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/http/redirect.hpp"
#include "lse/metrics/stat_key.hpp"
#include "group_binding.hpp"
#include "load_context.hpp"
#include "http_binding.hpp"
#include "global_suggestion.hpp"
#include "response_object.hpp"
#include "response_values.hpp"
#include "setup_data.hpp"

namespace lse::lua {
namespace {

constexpr std::int64_t kSleepSlackNs = kNsPerMs;    // uv timers have 1 ms resolution

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }
std::int64_t NowUnix() { return static_cast<std::int64_t>(std::time(nullptr)); }

constexpr std::string_view kHookNames[] = {"setup", "on_start", "", "on_stop", "teardown"};
// By http::Method, for messages: the binding's name of each method.
constexpr std::string_view kHttpFunctionNames[] = {"http:get",   "http:head",   "http:post",   "http:put",
                                                   "http:patch", "http:delete", "http:options"};
static_assert(std::size(kHttpFunctionNames) == static_cast<size_t>(http::Method::kOther));
static_assert(ScenarioEngine::kNoSelf == LUA_NOREF);

bool IsMainThread(lua_State* L) {
    const bool main = lua_pushthread(L) == 1;
    lua_pop(L, 1);
    return main;
}

}  // namespace

ScenarioEngine::ScenarioEngine(const LuaRunConfig& config, EngineContext ctx, EngineListener* listener)
    : config_(config), ctx_(ctx), listener_(listener) {
    std::fill(std::begin(hook_refs_), std::end(hook_refs_), LUA_NOREF);
    std::fill(std::begin(hook_stat_index_), std::end(hook_stat_index_), -1);
    ScriptLoadOptions options;
    options.shared = config_.shared;
    options.install_runtime = [this](lua_State* L) {
        InstallRuntime(L);
        if (config_.plan_capture) capture::PrepareCaptureState(L);
    };
    options.seed = config_.seed == 0 ? 0 : config_.seed * 1000003ULL + static_cast<std::uint64_t>(ctx_.worker_index);
    options.max_instructions = config_.max_instructions;  // instruction budget (issue 11): see Resume
    options.env = config_.env;
    state_ = std::make_unique<ScriptState>(config_.script_path, std::move(options));
    LoadScenario();
    if (!config_.setup_data.empty()) data_ref_ = RefSetupData(state_->L(), config_.setup_data);
    sleep_timer_ = new uv_timer_t;
    uv_timer_init(ctx_.loop, sleep_timer_);
    sleep_timer_->data = this;
}

ScenarioEngine::~ScenarioEngine() {
    if (!closed_ && sleep_timer_ != nullptr) {
        uv_close(reinterpret_cast<uv_handle_t*>(sleep_timer_),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    }
    for (auto& p : pending_pool_) {
        // Never free an exchange the client still references: leak it instead (only after a
        // caller bug, e.g. destroying the engine without Abort/Close while requests run).
        if (p->vu != nullptr || p->exchange.internal_.stage != http::detail::ExchangeStage::kIdle) {
            (void)p.release();
        }
    }
}

void ScenarioEngine::InstallRuntime(lua_State* L) {
    detail::GetContext(L)->recorder = ctx_.recorder;  // lsengine.metrics.* record into this worker's snapshot
    InstallResponseMetatable(L, this);
    InstallRuntimeGlobals(L, this);
    InstallGroupGlobal(L, this);
    PushHttpObject(L, this);
    http_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

void ScenarioEngine::LoadScenario() {
    lua_State* L = state_->L();
    if (!state_->PushScenario(config_.scenario)) {
        lua_pop(L, 1);
        std::string names;
        for (const auto& def : state_->Scenarios()) names += (names.empty() ? "" : ", ") + def.name;
        throw UsageError(config_.script_path + ": no scenario named '" + config_.scenario + "' (it has: " + names +
                         ")");
    }
    const int sc = lua_gettop(L);
    lua_getfield(L, sc, "__tasks");
    const int list = lua_gettop(L);
    const int n = lua_istable(L, list) ? static_cast<int>(lua_objlen(L, list)) : 0;
    std::vector<double> weights;
    for (int i = 1; i <= n; ++i) {
        lua_rawgeti(L, list, i);
        const int t = lua_gettop(L);
        Task task;
        lua_getfield(L, t, "name");
        task.name = lua_isstring(L, -1) ? lua_tostring(L, -1) : "task" + std::to_string(i);
        lua_getfield(L, t, "weight");
        const double w = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 1.0;
        lua_getfield(L, t, "fn");
        if (!lua_isfunction(L, -1)) throw UsageError(config_.script_path + ": task '" + task.name + "' has no function");
        lua_pushvalue(L, -1);
        task.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        lua_settop(L, list);
        task.stat_index = ctx_.recorder->Register(
            metrics::MakeStatKey(metrics::StatKind::kTask, config_.scenario, task.name), /*counts_in_total=*/false);
        weights.push_back(w > 0 ? w : 0);
        tasks_.push_back(std::move(task));
    }
    lua_settop(L, sc);
    if (tasks_.empty()) throw UsageError(config_.script_path + ": scenario '" + config_.scenario + "' has no task");
    if (const ScenarioDef* def = state_->Find(config_.scenario)) scenario_tags_ = def->tags;
    stat_by_name_.resize(static_cast<size_t>(Phase::kCount) + tasks_.size());
    last_stat_.resize(static_cast<size_t>(Phase::kCount) + tasks_.size());
    check_by_name_.resize(static_cast<size_t>(Phase::kCount) + tasks_.size());
    picker_ = std::make_unique<runtime::WeightedPicker>(
        std::move(weights), config_.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(ctx_.worker_index));

    for (int p = 0; p < static_cast<int>(Phase::kCount); ++p) {
        if (static_cast<Phase>(p) == Phase::kTask) continue;
        lua_getfield(L, sc, std::string(kHookNames[p]).c_str());
        if (lua_isfunction(L, -1)) {
            hook_refs_[p] = luaL_ref(L, LUA_REGISTRYINDEX);
            // Each run of a hook is one "iteration" of the lifecycle task of that name (never in the totals):
            // on_start's row is how the summary counts the virtual users that got ready.
            hook_stat_index_[p] = ctx_.recorder->Register(
                metrics::MakeStatKey(metrics::StatKind::kTask, config_.scenario, kHookNames[p]),
                /*counts_in_total=*/false);
        } else {
            lua_pop(L, 1);
        }
    }
    // Every self table reads missing fields from the scenario object, so helper methods
    // defined as `function flow:login(http)` can be called as self:login(http).
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, sc);
    lua_setfield(L, -2, "__index");
    self_meta_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, sc - 1);
}

Vu& ScenarioEngine::AddVu(int id) {
    lua_State* L = state_->L();
    vus_.emplace_back();
    Vu& vu = vus_.back();
    vu.id = id;
    vu.index = static_cast<int>(vus_.size()) - 1;
    instructions_.push_back(0);  // instruction budget: this virtual user's count for its current run
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    lua_rawgeti(L, LUA_REGISTRYINDEX, self_meta_ref_);
    lua_setmetatable(L, -2);
    vu.self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    vu.prepared = hook_refs_[static_cast<int>(Phase::kOnStart)] == LUA_NOREF;
    return vu;
}

void ScenarioEngine::ReassignVu(Vu& vu, int id, int self_ref, http::CookieJar jar) {
    lua_State* L = state_->L();
    if (vu.self_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, vu.self_ref);
    vu.self_ref = LUA_NOREF;
    vu.id = id;
    if (self_ref != LUA_NOREF) {
        vu.self_ref = self_ref;
    } else {
        lua_createtable(L, 0, 1);
        lua_pushinteger(L, id);
        lua_setfield(L, -2, "id");
        lua_rawgeti(L, LUA_REGISTRYINDEX, self_meta_ref_);
        lua_setmetatable(L, -2);
        vu.self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    vu.jar = std::move(jar);
    vu.prepared = hook_refs_[static_cast<int>(Phase::kOnStart)] == LUA_NOREF;
    vu.broken = false;
    vu.failure = ErrorKind::kNone;
    vu.failed_status = 0;
    vu.group = 0;
}

int ScenarioEngine::TakeSelf(Vu& vu) noexcept {
    const int ref = vu.self_ref;
    vu.self_ref = LUA_NOREF;
    return ref;
}

void ScenarioEngine::ReleaseSelf(int self_ref) noexcept {
    if (self_ref != LUA_NOREF) luaL_unref(state_->L(), LUA_REGISTRYINDEX, self_ref);
}

bool ScenarioEngine::HasHook(Phase phase) const noexcept {
    return phase != Phase::kTask && hook_refs_[static_cast<int>(phase)] != LUA_NOREF;
}

std::string_view ScenarioEngine::PhaseName(const Vu& vu) const noexcept {
    if (vu.phase == Phase::kTask) return vu.task >= 0 ? std::string_view(tasks_[static_cast<size_t>(vu.task)].name) : "";
    return kHookNames[static_cast<int>(vu.phase)];
}

std::size_t ScenarioEngine::CppBytesPerVu() noexcept {
    // The Vu itself (deque storage) plus one unordered_map node (next pointer, key, value,
    // cached hash) and its bucket slot.
    return sizeof(Vu) + 4 * sizeof(void*) + sizeof(void*);
}

ScenarioEngine* ScenarioEngine::FromUpvalue(lua_State* L) {
    return static_cast<ScenarioEngine*>(lua_touserdata(L, lua_upvalueindex(1)));
}

Vu* ScenarioEngine::FindVu(lua_State* co) noexcept {
    // Almost always the coroutine just resumed: skip the hash lookup for it.
    if (current_ != nullptr && current_->co == co) return current_;
    auto it = vu_by_thread_.find(co);
    return it == vu_by_thread_.end() ? nullptr : it->second;
}

void ScenarioEngine::EnsureThread(Vu& vu) {
    if (vu.co != nullptr) return;
    lua_State* L = state_->L();
    vu.co = lua_newthread(L);
    vu.co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    vu_by_thread_.emplace(vu.co, &vu);
}

void ScenarioEngine::DropThread(Vu& vu) noexcept {
    if (vu.co == nullptr) return;
    vu_by_thread_.erase(vu.co);
    luaL_unref(state_->L(), LUA_REGISTRYINDEX, vu.co_ref);
    vu.co = nullptr;
    vu.co_ref = LUA_NOREF;
}

void ScenarioEngine::Start(Vu& vu, Phase phase, int task, std::int64_t intended_ns) {
    const std::int64_t now = NowNs();
    vu.phase = phase;
    vu.task = task;
    vu.group = 0;  // a run cut short inside group() left its group behind
    vu.busy = true;
    vu.failure = ErrorKind::kNone;
    vu.started_ns = now;
    vu.intended_ns = intended_ns > 0 ? intended_ns : now;
    instructions_[static_cast<size_t>(vu.index)] = 0;  // instruction budget: a new run
    ++running_;
    const int ref = phase == Phase::kTask ? tasks_[static_cast<size_t>(task)].fn_ref
                                          : hook_refs_[static_cast<int>(phase)];
    if (aborted_ || ref == LUA_NOREF) {
        EndRun(vu, std::string(), /*cancelled=*/aborted_);
        return;
    }
    EnsureThread(vu);
    lua_State* co = vu.co;
    lua_settop(co, 0);
    lua_rawgeti(co, LUA_REGISTRYINDEX, ref);
    lua_rawgeti(co, LUA_REGISTRYINDEX, vu.self_ref);
    lua_rawgeti(co, LUA_REGISTRYINDEX, http_ref_);
    // setup()'s data after http (k6's convention), for every phase but setup itself; none: no argument at all.
    if (data_ref_ != LUA_NOREF && phase != Phase::kSetup) {
        lua_rawgeti(co, LUA_REGISTRYINDEX, data_ref_);
        Resume(vu, 3);
        return;
    }
    Resume(vu, 2);
}

void ScenarioEngine::Resume(Vu& vu, int nargs) {
    lua_State* L = state_->L();
    state_->SetCurrentVu(vu.id);
    current_ = &vu;
    lua_State* co = vu.co;
    // Instruction budget: the run's instructions add up over all its resumes (a whole iteration).
    state_->ChargeTo(&instructions_[static_cast<size_t>(vu.index)], vu.phase == Phase::kTask ? "task" : PhaseName(vu),
                     vu.phase == Phase::kTask ? PhaseName(vu) : std::string_view());
    const int status = lua_resume(co, nargs);
    state_->ChargeTo(nullptr, {}, {});
    if (status == LUA_YIELD) {
        if (vu.sleeping || vu.waiting_request) return;  // the binding knows what wakes it
        // The script yielded by itself: nothing would ever resume it.
        luaL_traceback(L, co, "coroutine.yield() was called outside a coroutine the script created", 0);
        std::string message = lua_tostring(L, -1);
        lua_pop(L, 1);
        DropThread(vu);
        EndRun(vu, ExpandChunkNames(message, config_.script_path), false);
        return;
    }
    if (status == 0) {
        std::string data_error;
        if (vu.phase == Phase::kSetup && lua_gettop(co) >= 1) TakeSetupResult(co, &data_error);
        lua_settop(co, 0);
        EndRun(vu, ExpandChunkNames(data_error, config_.script_path), false);
        return;
    }
    std::string message = ExpandChunkNames(DescribeFailure(L, co), config_.script_path);
    DropThread(vu);
    EndRun(vu, std::move(message), false);
}

void ScenarioEngine::TakeSetupResult(lua_State* co, std::string* error) {
    // The later phases of this engine (--dry-run, a private run's teardown) get a decoded copy, as a load does.
    if (!EncodeSetupData(co, 1, &setup_result_, error)) {
        *error = config_.script_path + ": " + *error;
        return;
    }
    if (data_ref_ != LUA_NOREF) luaL_unref(state_->L(), LUA_REGISTRYINDEX, data_ref_);
    data_ref_ = LUA_NOREF;
    try {  // runs inside a libuv callback: nothing may escape
        if (!setup_result_.empty()) data_ref_ = RefSetupData(state_->L(), setup_result_);
    } catch (const std::exception& e) {
        *error = e.what();
    }
}

void ScenarioEngine::EndRun(Vu& vu, std::string script_error, bool cancelled) {
    vu.busy = false;
    vu.sleeping = false;
    vu.waiting_request = false;
    if (vu.request != nullptr) {
        vu.request->vu = nullptr;  // its completion goes straight back to the pool
        vu.request = nullptr;
    }
    --running_;
    const std::int64_t now = NowNs();
    const int row = vu.phase == Phase::kTask ? (vu.task >= 0 ? tasks_[static_cast<size_t>(vu.task)].stat_index : -1)
                                             : hook_stat_index_[static_cast<int>(vu.phase)];
    if (!script_error.empty()) {
        SetFailure(vu, ErrorKind::kScript);
        AddGlobalSuggestion(state_->L(), &script_error);
        if (row >= 0) ctx_.recorder->RecordError(row, ErrorKind::kScript, script_error, now);
        std::string context = "scenario '" + config_.scenario + "', ";
        context += vu.phase == Phase::kTask ? "task '" : "";
        context += PhaseName(vu);
        context += vu.phase == Phase::kTask ? "'" : "";
        context += " (virtual user " + std::to_string(vu.id) + ")";
        errors_.Add(context, script_error);
    }
    if (cancelled) SetFailure(vu, ErrorKind::kTimeout);
    if (vu.phase == Phase::kOnStart && !cancelled && row >= 0 && vu.failure != ErrorKind::kNone &&
        vu.failure != ErrorKind::kScript) {
        // A virtual user whose on_start did not succeed takes no load (a login answered 401 would otherwise
        // fail every iteration it runs): say why it is not ready.
        std::string why = "virtual user not ready: ";
        if (vu.failure == ErrorKind::kStatus) {
            why += "a request got status " + std::to_string(vu.failed_status) + ", which is not accepted";
        } else if (vu.failure == ErrorKind::kCheck) {
            why += "a check failed";
        } else {
            why += std::string(ErrorKindName(vu.failure)) + " error: " + std::string(ErrorKindMeaning(vu.failure));
        }
        ctx_.recorder->RecordError(row, vu.failure, why, now);
    }
    RunOutcome outcome;
    outcome.failure = vu.failure;
    outcome.script_error = std::move(script_error);
    outcome.cancelled = cancelled;
    if (row >= 0 && !(cancelled && vu.phase != Phase::kTask)) {
        // Hooks start when they start: their response time is their duration. A hook cut short by Abort()
        // is not counted (it neither got ready nor failed).
        ctx_.recorder->RecordRun(row, vu.failure, vu.phase == Phase::kTask ? vu.intended_ns : vu.started_ns,
                                 vu.started_ns, now);
    }
    listener_->OnRunDone(vu, outcome);
}

int ScenarioEngine::NameSlot(const Vu& vu) const noexcept {
    return vu.phase == Phase::kTask ? static_cast<int>(Phase::kCount) + vu.task : static_cast<int>(vu.phase);
}

int ScenarioEngine::StatIndex(const Vu& vu, std::string_view name, std::string_view tags) {
    // Per (phase or task) slot, keyed by the bare request name: the full stat key is built once.
    // A task usually repeats its last name: comparing with it is cheaper than hashing.
    if (vu.group != 0 || !tags.empty()) return GroupedStatIndex(vu, name, tags);
    const auto slot = static_cast<size_t>(NameSlot(vu));
    LastName& last = last_stat_[slot];
    if (last.index >= 0 && last.name == name) return last.index;
    auto& by_name = stat_by_name_[slot];
    auto hit = by_name.find(name);
    if (hit != by_name.end()) {
        last.name.assign(name);
        last.index = hit->second;
        return hit->second;
    }
    if (by_name.size() + TaggedRows(slot) >= metrics::kMaxRequestNamesPerTask) {
        // Bounded rows: every further name of this task is counted under "(other)" (not cached: a task with
        // unbounded names must not grow this map either).
        auto other = by_name.find(metrics::kOtherRequestName);
        if (other != by_name.end()) return other->second;
        name = metrics::kOtherRequestName;
    }
    std::string key = metrics::MakeStatKey(metrics::StatKind::kRequest, config_.scenario, PhaseName(vu), name);
    auto it = stat_index_.find(key);
    int index = 0;
    if (it != stat_index_.end()) {
        index = it->second;
    } else {
        index = ctx_.recorder->Register(key, /*counts_in_total=*/vu.phase == Phase::kTask);
        stat_index_.emplace(std::move(key), index);
    }
    by_name.emplace(std::string(name), index);
    if (by_name.size() == metrics::kManyRequestNames && vu.phase == Phase::kTask) WarnManyNames(PhaseName(vu), name);
    return index;
}

std::size_t ScenarioEngine::TaggedRows(std::size_t slot) const {
    auto it = grouped_stat_by_name_.find(static_cast<std::uint64_t>(slot) << 32);  // group id 0
    return it == grouped_stat_by_name_.end() ? 0 : it->second.size();
}

int ScenarioEngine::GroupedStatIndex(const Vu& vu, std::string_view name, std::string_view tags) {
    // Same bounds as ungrouped rows: per (task, group) at most kMaxRequestNamesPerTask rows, then "(other)".
    // Every (name, tags) pair is a row: a tag whose value is an id must not make rows without end either.
    const auto slot = static_cast<std::size_t>(NameSlot(vu));
    const auto cache_key = (static_cast<std::uint64_t>(slot) << 32) | static_cast<std::uint32_t>(vu.group);
    NameMap& by_name = grouped_stat_by_name_[cache_key];
    std::string_view lookup = name;
    if (!tags.empty()) {  // reused buffer: no allocation per request once it has grown
        tagged_lookup_.assign(name);
        tagged_lookup_ += metrics::kStatKeySeparator;
        tagged_lookup_.append(tags);
        lookup = tagged_lookup_;
    }
    auto hit = by_name.find(lookup);
    if (hit != by_name.end()) return hit->second;
    // Ungrouped tagged rows share the cap with the slot's untagged rows (cached in stat_by_name_).
    const std::size_t rows = by_name.size() + (vu.group == 0 ? stat_by_name_[slot].size() : 0);
    if (rows >= metrics::kMaxRequestNamesPerTask) {
        auto other = by_name.find(metrics::kOtherRequestName);
        if (other != by_name.end()) return other->second;
        name = metrics::kOtherRequestName;
        tags = {};  // "(other)" is one row, whatever the tags
        lookup = name;
    }
    std::string key = metrics::MakeStatKey(metrics::StatKind::kRequest, config_.scenario, PhaseName(vu), name,
                                           GroupPath(vu), tags);
    auto it = stat_index_.find(key);
    int index = 0;
    if (it != stat_index_.end()) {
        index = it->second;
    } else {
        index = ctx_.recorder->Register(key, /*counts_in_total=*/vu.phase == Phase::kTask);
        stat_index_.emplace(std::move(key), index);
    }
    by_name.emplace(std::string(lookup), index);
    return index;
}

void ScenarioEngine::WarnManyNames(std::string_view task, std::string_view example) {
    // Once per process and task, whichever worker gets there first (the summary repeats it after the run).
    static std::mutex mu;
    static std::set<std::string, std::less<>> warned;
    const std::string key = config_.scenario + '\x1f' + std::string(task);
    {
        std::lock_guard<std::mutex> lock(mu);
        if (!warned.insert(key).second) return;
    }
    std::fprintf(stderr, "lsengine: scenario '%s': %s\n", config_.scenario.c_str(),
                 metrics::ManyRequestNamesWarning(task, metrics::kManyRequestNames, example, false).c_str());
}

int ScenarioEngine::CheckIndex(const Vu& vu, std::string_view name) {
    // A check made in group() is a row of that group (C key with a group field), cached per (slot, group id).
    NameMap& by_name =
        vu.group == 0 ? check_by_name_[static_cast<size_t>(NameSlot(vu))]
                      : grouped_check_by_name_[(static_cast<std::uint64_t>(NameSlot(vu)) << 32) |
                                               static_cast<std::uint32_t>(vu.group)];
    auto hit = by_name.find(name);
    if (hit != by_name.end()) return hit->second;
    std::string key =
        metrics::MakeStatKey(metrics::StatKind::kCheck, config_.scenario, PhaseName(vu), name, GroupPath(vu));
    auto it = check_index_.find(key);
    int index = 0;
    if (it != check_index_.end()) {
        index = it->second;
    } else {
        index = ctx_.recorder->RegisterCheck(key);
        check_index_.emplace(std::move(key), index);
    }
    by_name.emplace(std::string(name), index);
    return index;
}

PendingRequest* ScenarioEngine::TakePending() {
    if (pending_free_.empty()) {
        pending_pool_.push_back(std::make_unique<PendingRequest>());
        PendingRequest* p = pending_pool_.back().get();
        p->engine = this;
        p->exchange.on_done = &ScenarioEngine::OnRequestDone;
        p->exchange.user = p;
        p->exchange.capture = true;
        return p;
    }
    PendingRequest* p = pending_free_.back();
    pending_free_.pop_back();
    return p;
}

int ScenarioEngine::HttpCall(lua_State* L, int method) {
    Vu* vu = FindVu(L);
    if (vu == nullptr) {
        throw std::runtime_error(IsMainThread(L) ? "http requests are not available at file level: make them in a task "
                                                   "or hook (setup, on_start, on_stop, teardown)"
                                                 : "http requests must be made by the virtual user's own code, not "
                                                   "from inside a coroutine the script created");
    }
    // The request is read straight into a pooled PendingRequest: its spec and wire buffer keep
    // their capacity from earlier requests, so a steady script allocates nothing here.
    PendingRequest* p = TakePending();
    std::string_view fn = "http:request";  // for messages
    try {
        RequestSpec& spec = p->spec;
        int path_idx = 2;
        if (method < 0) {
            if (lua_type(L, 2) != LUA_TSTRING) {
                throw std::runtime_error(std::string(fn) + ": argument #1 (method) must be a string like \"GET\"");
            }
            size_t len = 0;
            const char* name = lua_tolstring(L, 2, &len);
            try {  // any upper-case token (PROPFIND, PURGE); "get" is refused with a hint
                http::ParseAnyMethod(std::string_view(name, len), &spec.method);
            } catch (const std::exception& e) {
                throw std::runtime_error(std::string(fn) + ": argument #1 (method): " + e.what());
            }
            spec.method_token.assign(spec.method == http::Method::kOther ? std::string_view(name, len)
                                                                           : std::string_view());
            path_idx = 3;
        } else {
            spec.method = static_cast<http::Method>(method);
            spec.method_token.clear();
            fn = kHttpFunctionNames[static_cast<size_t>(method)];
        }
        if (!lua_istable(L, 1)) {
            throw std::runtime_error(std::string(fn) + "(...) must be called with a colon: " + std::string(fn) +
                                     "(path, opts)");
        }
        ReadRequestArgs(L, path_idx, path_idx + 1, config_.target, fn, &spec, config_.compression,
                        scenario_tags_);
        p->max_redirects = spec.max_redirects >= 0 ? spec.max_redirects : config_.max_redirects;
        p->redirects = 0;
        AddJarCookie(*vu, p);
        try {  // same validation in capture mode as a real send: a bad header is a script error in both
            // In capture mode a path may start with a response value (http:get(r.headers["location"])), which the
            // agent resolves: validate the rest as a path.
            std::string_view target = spec.url.path_and_query;
            std::string value_first;
            if (interceptor_ != nullptr && !target.empty() && target.front() != '/') {
                value_first = "/" + std::string(target);
                target = value_first;
            }
            http::PreparedRequest::BuildInto(spec.method, HostHeaderFor(spec.url.origin), target, spec.headers,
                                             spec.body, &p->prepared, spec.method_token);
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string(fn) + ": " + e.what());
        }
        if (interceptor_ != nullptr && vu->phase == Phase::kTask) {
            interceptor_->OnTaskRequest(*vu, spec, L);
            pending_free_.push_back(p);
            return 1;
        }
    } catch (...) {
        pending_free_.push_back(p);
        throw;
    }
    p->stat_index = StatIndex(*vu, p->spec.name, p->spec.tags);
    p->vu = vu;
    p->exchange.origin = &p->spec.url.origin;
    p->exchange.request = &p->prepared;
    p->exchange.timeout_ns = p->spec.timeout_ns > 0 ? p->spec.timeout_ns : config_.request_timeout_ns;
    // A started iteration always gets a connection: there is one per virtual user, and arrivals that
    // find every virtual user busy wait in the worker, before their iteration starts.
    if (!ctx_.client->Send(&p->exchange, /*allow_queue=*/true)) {
        p->vu = nullptr;
        pending_free_.push_back(p);
        throw std::runtime_error(std::string(fn) + ": the run is stopping; the request was not sent");
    }
    vu->request = p;
    vu->waiting_request = true;
    return lua_yield(L, 0);
}

void ScenarioEngine::AddJarCookie(Vu& vu, PendingRequest* p) {
    RequestSpec& spec = p->spec;
    p->jar_cookie = false;
    if (spec.has_cookie_header || vu.jar.Empty()) return;
    std::string_view path = spec.url.path_and_query;
    path = path.substr(0, path.find('?'));
    // Capture mode: a path that starts with a response value is only known on the agent; the cookies any path
    // gets (Path=/) are captured, and the agent's own jar adds what the iterations set.
    if (path.empty() || path.front() != '/') path = "/";
    std::string cookie = vu.jar.HeaderFor(spec.url.origin, path, NowUnix());
    if (cookie.empty()) return;
    spec.headers.emplace_back("Cookie", std::move(cookie));
    p->jar_cookie = true;
}

std::string_view ScenarioEngine::HostHeaderFor(const http::Origin& origin) {
    if (!host_header_valid_ || !(host_header_origin_ == origin)) {
        host_header_origin_ = origin;
        host_header_ = origin.HostHeader();
        host_header_valid_ = true;
    }
    return host_header_;
}

void ScenarioEngine::OnRequestDone(http::Exchange* exchange, void* user) {
    (void)exchange;
    auto* p = static_cast<PendingRequest*>(user);
    p->engine->CompleteRequest(p);
}

void ScenarioEngine::CaptureExchange(const PendingRequest* p, const Vu* vu, ErrorKind kind) {
    CapturedRequest c;
    c.phase = vu != nullptr ? std::string(PhaseName(*vu)) : std::string();
    c.vu = vu != nullptr ? vu->id : 0;
    c.method = std::string(http::MethodText(p->spec.method, p->spec.method_token));
    c.url = p->spec.url.origin.ToString() + p->spec.url.path_and_query;
    c.headers = p->spec.headers;
    c.body = p->spec.body;
    c.status = p->exchange.result.status;
    c.error = kind;
    config_.capture->OnRequest(c);
}

void ScenarioEngine::CompleteRequest(PendingRequest* p) {
    const http::Result& r = p->exchange.result;
    Vu* vu = p->vu;
    // Every request of a late iteration is that late (MeasureExchange). Only task runs have an intended start;
    // hooks (on_start, on_stop) and orphans (their coroutine is gone) start when they start.
    const std::int64_t started = vu != nullptr ? vu->started_ns : 0;
    const std::int64_t intended = vu != nullptr && vu->phase == Phase::kTask ? vu->intended_ns : started;
    // A redirect is followed (a hop of its own in the stats) while the request may take another hop; the response
    // after the last hop allowed that is still a redirect fails (kStatus, with a message saying why). A Location
    // that cannot be followed (another scheme, invalid) makes its response the final one.
    bool too_many = false;
    if (p->max_redirects > 0 && r.error == ErrorKind::kNone && http::IsRedirectStatus(r.status) && vu != nullptr &&
        !aborted_ && vu->co != nullptr) {
        const std::string_view location = http::FindLocation(r.headers);
        if (!location.empty()) {
            if (p->redirects >= p->max_redirects) {
                too_many = true;
            } else if (FollowRedirect(p, location, intended, started)) {
                return;
            }
        }
    }
    static const runtime::StatusSet kNothingAccepted;
    const runtime::StatusSet& accepted =
        too_many ? kNothingAccepted : (p->spec.has_expect ? p->spec.expect : config_.default_expect);
    const ErrorKind kind = ctx_.recorder->RecordExchange(p->stat_index, r, accepted, intended, started);
    if (too_many) {
        http::FormatTooManyRedirects(p->max_redirects, r.status, http::FindLocation(r.headers), &p->message);
        ctx_.recorder->RecordError(p->stat_index, kind, p->message, r.t.done_ns);
    }
    if (config_.capture != nullptr) CaptureExchange(p, vu, kind);
    if (vu == nullptr) {  // orphaned: its coroutine is gone
        pending_free_.push_back(p);
        return;
    }
    vu->request = nullptr;
    vu->waiting_request = false;
    for (const auto& [name, value] : r.headers) {
        if (name == "set-cookie") {
            std::string_view path = p->spec.url.path_and_query;
            vu->jar.Store(value, p->spec.url.origin, path.substr(0, path.find('?')), NowUnix());
        }
    }
    if (kind != ErrorKind::kNone) {
        SetFailure(*vu, kind, r.status);
        listener_->OnRequestFailed(*vu, *p, kind);
    }
    p->vu = nullptr;
    if (aborted_ || vu->co == nullptr) {
        pending_free_.push_back(p);
        DropThread(*vu);
        EndRun(*vu, std::string(), /*cancelled=*/true);
        return;
    }
    // r.url: scheme://host[:port]/path?query of the hop that answered (the port only when not the default).
    const http::Url& url = p->spec.url;
    p->final_url.assign(url.origin.tls ? "https://" : "http://");
    p->final_url.append(HostHeaderFor(url.origin));
    p->final_url.append(url.path_and_query);
    PushResponse(vu->co, r, kind == ErrorKind::kNone, p->spec.name, p->final_url, p->redirects, p->stat_index);
    pending_free_.push_back(p);
    Resume(*vu, 1);
}

bool ScenarioEngine::FollowRedirect(PendingRequest* p, std::string_view location, std::int64_t intended,
                                    std::int64_t started) {
    const http::Result& r = p->exchange.result;
    RequestSpec& spec = p->spec;
    Vu& vu = *p->vu;
    const char* why = nullptr;
    if (!http::ResolveLocation(spec.url, location, &p->hop_url, &why)) return false;
    if (config_.capture != nullptr) CaptureExchange(p, &vu, ErrorKind::kNone);

    // The next hop's request: RFC 9110's method and body, credentials only for the same origin, the jar's cookies
    // derived again for the new URL (after this response's Set-Cookie).
    const http::RedirectMethod next = http::NextRedirectMethod(r.status, spec.method);
    const bool cross_origin = !(p->hop_url.origin == spec.url.origin);
    if (p->jar_cookie) spec.headers.pop_back();
    http::FilterRedirectHeaders(&spec.headers, cross_origin, !next.keep_body);
    if (!next.keep_body) spec.body.clear();
    spec.method = next.method;
    spec.has_cookie_header = std::any_of(spec.headers.begin(), spec.headers.end(),
                                         [](const auto& h) { return http::HeaderNameEquals(h.first, "cookie"); });
    std::swap(spec.url, p->hop_url);  // hop_url: the URL that answered, for its cookies
    for (const auto& [name, value] : r.headers) {
        if (name == "set-cookie") {
            std::string_view path = p->hop_url.path_and_query;
            vu.jar.Store(value, p->hop_url.origin, path.substr(0, path.find('?')), NowUnix());
        }
    }
    AddJarCookie(vu, p);
    try {
        http::PreparedRequest::BuildInto(spec.method, HostHeaderFor(spec.url.origin), spec.url.path_and_query,
                                         spec.headers, spec.body, &p->prepared, spec.method_token);
    } catch (const std::exception&) {
        // Not expected (the headers were valid for the first hop, the target was resolved): the response is final.
        std::swap(spec.url, p->hop_url);
        return false;
    }
    // This hop is an exchange of its own: counted under the request's name with its status, not a failure.
    static const runtime::StatusSet kRedirects = [] {
        runtime::StatusSet set;
        for (int status : {301, 302, 303, 307, 308}) set.Add(status);
        return set;
    }();
    ctx_.recorder->RecordExchange(p->stat_index, r, kRedirects, intended, started);
    ++p->redirects;
    if (!ctx_.client->Send(&p->exchange, /*allow_queue=*/true)) {
        // The run is stopping: the iteration ends here, cut short.
        p->vu = nullptr;
        vu.request = nullptr;
        pending_free_.push_back(p);
        DropThread(vu);
        EndRun(vu, std::string(), /*cancelled=*/true);
    }
    return true;
}

int ScenarioEngine::CheckCall(lua_State* L) {
    Vu* vu = FindVu(L);
    if (vu == nullptr) {
        throw std::runtime_error(IsMainThread(L) ? "check() is not available at file level: call it in a task or hook"
                                                 : "check() must be called by the virtual user's own code, not from "
                                                   "inside a coroutine the script created");
    }
    if (lua_type(L, 1) != LUA_TSTRING) throw std::runtime_error("check(name, condition): argument #1 (name) must be a string");
    if (lua_gettop(L) < 2) throw std::runtime_error("check(name, condition): argument #2 (condition) is missing");
    const bool passed = lua_toboolean(L, 2) != 0;
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    std::string_view name(s, len);
    if (interceptor_ != nullptr && vu->phase == Phase::kTask) interceptor_->OnTaskCheck(*vu, name);
    ctx_.recorder->RecordCheck(CheckIndex(*vu, name), passed);
    if (!passed) {
        SetFailure(*vu, ErrorKind::kCheck);
        listener_->OnCheckFailed(*vu, name);
    }
    lua_settop(L, 2);
    return 1;
}

int ScenarioEngine::SleepCall(lua_State* L) {
    Vu* vu = FindVu(L);
    if (vu == nullptr) {
        throw std::runtime_error(IsMainThread(L) ? "sleep() is not available at file level: call it in a task or hook"
                                                 : "sleep() must be called by the virtual user's own code, not from "
                                                   "inside a coroutine the script created");
    }
    const std::int64_t ns = ReadDurationArg(L, 1, "sleep(duration)");
    if (interceptor_ != nullptr && vu->phase == Phase::kTask) {
        interceptor_->OnTaskSleep(*vu, ns);
        return 0;
    }
    vu->sleeping = true;
    ++vu->sleep_seq;
    sleep_heap_.push_back(SleepEntry{NowNs() + ns, vu, vu->sleep_seq});
    std::push_heap(sleep_heap_.begin(), sleep_heap_.end(), std::greater<>());
    ArmSleepTimer();
    return lua_yield(L, 0);
}

void ScenarioEngine::ArmSleepTimer() {
    if (closed_) return;
    if (sleep_heap_.empty()) {
        uv_timer_stop(sleep_timer_);
        armed_due_ns_ = -1;
        return;
    }
    const std::int64_t due = sleep_heap_.front().due_ns;
    if (due == armed_due_ns_) return;
    uv_update_time(ctx_.loop);
    const std::int64_t wait = due - NowNs();
    const std::uint64_t ms = wait <= 0 ? 0 : static_cast<std::uint64_t>((wait + kNsPerMs - 1) / kNsPerMs);
    uv_timer_start(sleep_timer_, &ScenarioEngine::OnSleepTimer, ms, 0);
    armed_due_ns_ = due;
}

void ScenarioEngine::OnSleepTimer(uv_timer_t* timer) { static_cast<ScenarioEngine*>(timer->data)->WakeSleepers(); }

void ScenarioEngine::WakeSleepers() {
    armed_due_ns_ = -1;
    while (!sleep_heap_.empty() && sleep_heap_.front().due_ns <= NowNs() + kSleepSlackNs) {
        std::pop_heap(sleep_heap_.begin(), sleep_heap_.end(), std::greater<>());
        const SleepEntry e = sleep_heap_.back();
        sleep_heap_.pop_back();
        if (!e.vu->sleeping || e.vu->sleep_seq != e.seq || e.vu->co == nullptr) continue;  // stale
        e.vu->sleeping = false;
        Resume(*e.vu, 0);
    }
    ArmSleepTimer();
}

void ScenarioEngine::Abort() noexcept {
    aborted_ = true;
    // Sleepers first (the heap is rebuilt empty), then in-flight requests through the client,
    // whose completions see aborted_ and drop their virtual users.
    std::vector<SleepEntry> sleepers;
    sleepers.swap(sleep_heap_);
    if (!closed_) uv_timer_stop(sleep_timer_);
    armed_due_ns_ = -1;
    for (const SleepEntry& e : sleepers) {
        Vu& vu = *e.vu;
        if (!vu.sleeping || vu.sleep_seq != e.seq) continue;
        DropThread(vu);
        EndRun(vu, std::string(), /*cancelled=*/true);
    }
    ctx_.client->CancelAll(ErrorKind::kTimeout);
}

void ScenarioEngine::Close(std::function<void()> done) {
    errors_.PrintSummary();
    if (closed_) {
        done();
        return;
    }
    closed_ = true;
    struct Closing {
        uv_timer_t* timer;
        std::function<void()> done;
    };
    auto* closing = new Closing{sleep_timer_, std::move(done)};
    sleep_timer_->data = closing;
    uv_close(reinterpret_cast<uv_handle_t*>(sleep_timer_), [](uv_handle_t* h) {
        auto* c = static_cast<Closing*>(h->data);
        delete c->timer;
        auto done = std::move(c->done);
        delete c;
        done();
    });
    sleep_timer_ = nullptr;
}

}  // namespace lse::lua
