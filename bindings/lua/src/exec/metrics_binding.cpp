#include "metrics_binding.hpp"

#include <cstdio>
#include <lua.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lse/core/clock.hpp"
#include "lse/metrics/custom_metric.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "load_context.hpp"
#include "metric_capture.hpp"
#include "protected_call.hpp"

namespace lse::lua::detail {
namespace {

using metrics::CustomMetricKind;

constexpr char kMetricMeta[] = "lsengine.metrics.metric";
constexpr char kMetricsByName[] = "lse.metrics.by_name";  // registry: name -> metric object (same name, same object)

// A metric object: where its samples go, resolved once at declaration.
struct MetricRef {
    LoadContext* ctx;
    metrics::CustomMetric* target;
    std::uint32_t index;  // LoadContext::declared_metrics
    CustomMetricKind kind;
};

LoadContext* ContextOf(lua_State* L) { return static_cast<LoadContext*>(lua_touserdata(L, lua_upvalueindex(1))); }

std::string Kind(CustomMetricKind kind) { return std::string(metrics::CustomMetricKindName(kind)); }

std::string FormatNumber(double v) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.17g", v);
    return buf;
}

template <CustomMetricKind K>
int Declare(lua_State* L) {
    LoadContext* ctx = ContextOf(L);
    // Only errors build text: a task may declare (look up) its metric every iteration.
    const auto fn = [] { return "lsengine.metrics." + Kind(K) + "(name)"; };
    if (lua_type(L, 1) != LUA_TSTRING) {
        throw std::runtime_error(fn() + ": the name must be a string, got " + luaL_typename(L, 1));
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    const std::string_view name(s, len);
    if (!metrics::IsValidCustomMetricName(name)) {
        throw std::runtime_error(fn() + ": invalid metric name '" + std::string(name.substr(0, 200)) +
                                 "': use letters, digits and _, not starting with a digit, at most " +
                                 std::to_string(metrics::kMaxCustomMetricNameLength) +
                                 " bytes (names appear in thresholds like " + Kind(K) + ":" + "name)");
    }
    lua_getfield(L, LUA_REGISTRYINDEX, kMetricsByName);
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) {
        const auto* m = static_cast<const MetricRef*>(lua_touserdata(L, -1));
        if (m->kind != K) {
            const LoadContext::DeclaredMetric& d = ctx->declared_metrics[m->index];
            throw std::runtime_error(fn() + ": '" + d.name + "' is already a " + Kind(d.kind) + " (declared at " +
                                     d.site + "); a metric has one kind");
        }
        return 1;
    }
    lua_pop(L, 1);
    const std::string key(name);
    metrics::CustomMetric* target =
        ctx->recorder != nullptr ? ctx->recorder->Custom(key, K) : ctx->own_metrics.ForCustom(key, K);
    if (target == nullptr) {
        throw std::runtime_error(fn() + ": '" + key + "' would be one metric too many: a run has at most " +
                                 std::to_string(metrics::kMaxCustomMetrics) +
                                 " custom metrics (a metric name must not carry ids; use one metric per quantity)");
    }
    if (target->kind != K) {  // declared by another scenario's script on this worker
        throw std::runtime_error(fn() + ": '" + key + "' is already a " + Kind(target->kind) +
                                 " in another scenario of this run; a metric has one kind");
    }
    ctx->declared_metrics.push_back({key, K, CallSite(L, 1), target});
    auto* m = static_cast<MetricRef*>(lua_newuserdata(L, sizeof(MetricRef)));
    *m = MetricRef{ctx, target, static_cast<std::uint32_t>(ctx->declared_metrics.size() - 1), K};
    luaL_getmetatable(L, kMetricMeta);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);  // by_name[name] = metric
    return 1;
}

// The metric object at index 1, or a Lua error saying how to call the method.
MetricRef* Self(lua_State* L, const char* method) {
    void* p = lua_touserdata(L, 1);
    if (p != nullptr && lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, kMetricMeta);
        const bool ours = lua_rawequal(L, -1, -2) != 0;
        lua_pop(L, 2);
        if (ours) return static_cast<MetricRef*>(p);
    }
    throw std::runtime_error(std::string("call ") + method + " with a colon on a metric: metric:" + method +
                             "(value)");
}

int Sample(lua_State* L, bool set) {
    MetricRef* m = Self(L, set ? "set" : "add");
    LoadContext* ctx = m->ctx;
    const LoadContext::DeclaredMetric& d = ctx->declared_metrics[m->index];
    if (set && m->kind != CustomMetricKind::kGauge) {
        throw std::runtime_error("metric '" + d.name + "' is a " + Kind(m->kind) + ": set() is for gauges, use add(value)");
    }
    if (ctx->capture_mode && ctx->metric_capture != nullptr) {
        ctx->metric_capture->OnMetricSample(L, m->index, 2, set);
        return 0;
    }
    double v = 0;
    std::string problem;
    if (!ReadMetricValue(L, 2, static_cast<int>(m->kind), &v, &problem)) {
        throw std::runtime_error(Kind(m->kind) + " '" + d.name + "': " + (set ? "set" : "add") + "(value) " + problem);
    }
    // Only a gauge keeps a time (which set came last); the others need no clock read.
    const std::int64_t now = m->kind == CustomMetricKind::kGauge ? MonotonicClock().NowNs() : 0;
    m->target->Add(v, now);
    return 0;
}

int Add(lua_State* L) { return Sample(L, false); }
int Set(lua_State* L) { return Sample(L, true); }

int ToString(lua_State* L) {
    const auto* m = static_cast<const MetricRef*>(lua_touserdata(L, 1));
    const std::string text = Kind(m->kind) + " metric '" + m->ctx->declared_metrics[m->index].name + "'";
    lua_pushlstring(L, text.data(), text.size());
    return 1;
}

}  // namespace

bool ReadMetricValue(lua_State* L, int idx, int kind, double* out, std::string* problem) {
    const auto k = static_cast<CustomMetricKind>(kind);
    const int type = lua_type(L, idx);
    if (type == LUA_TBOOLEAN && k == CustomMetricKind::kRate) {
        *out = lua_toboolean(L, idx) ? 1 : 0;
        return true;
    }
    if (type != LUA_TNUMBER) {
        *problem = std::string(k == CustomMetricKind::kRate ? "expects a boolean or a number, got "
                                                            : "expects a number, got ") +
                   luaL_typename(L, idx) + (type == LUA_TSTRING ? " (convert it with tonumber)" : "");
        return false;
    }
    const double v = lua_tonumber(L, idx);
    const std::string_view why = metrics::CustomValueProblem(k, v);
    if (!why.empty()) {
        *problem = "got " + FormatNumber(v) + ", which " + std::string(why);
        return false;
    }
    *out = k == CustomMetricKind::kRate ? (v != 0 ? 1 : 0) : v;
    return true;
}

void InstallMetricsFunctions(lua_State* L, LoadContext* ctx) {
    luaL_newmetatable(L, kMetricMeta);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, &Guarded<Add>);
    lua_setfield(L, -2, "add");
    lua_pushcfunction(L, &Guarded<Set>);
    lua_setfield(L, -2, "set");
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, &Guarded<ToString>);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "metric");
    lua_setfield(L, -2, "__metatable");  // getmetatable(m) does not hand out the methods
    lua_pop(L, 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kMetricsByName);

    lua_createtable(L, 0, 4);
    const luaL_Reg fns[] = {{"trend", &Guarded<Declare<CustomMetricKind::kTrend>>},
                            {"counter", &Guarded<Declare<CustomMetricKind::kCounter>>},
                            {"rate", &Guarded<Declare<CustomMetricKind::kRate>>},
                            {"gauge", &Guarded<Declare<CustomMetricKind::kGauge>>}};
    for (const auto& fn : fns) {
        lua_pushlightuserdata(L, ctx);
        lua_pushcclosure(L, fn.func, 1);
        lua_setfield(L, -2, fn.name);
    }
    lua_setfield(L, -2, "metrics");
}

}  // namespace lse::lua::detail
