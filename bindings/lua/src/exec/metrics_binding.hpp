#pragma once
/// @file
/// lsengine.metrics.trend(name) / counter(name) / rate(name) / gauge(name): the script's own metrics (k6's four
/// kinds, lse/metrics/custom_metric.hpp), recorded into the worker's snapshot beside the request rows.
///
///   local cart = lsengine.metrics.trend("cart_value")   -- anywhere: file level, a hook, a task
///   cart:add(42.5)            trend, counter: a number; rate: a boolean or a number (not 0 = true)
///   gauge:set(v)              gauge: the latest value (gauge:add(v) does the same)
///
/// Declaring a name again returns the same metric; the same name with another kind is an error naming where it
/// was declared. A declaration resolves the metric's storage once (MetricsRecorder::Custom), so add() allocates
/// nothing. Bad names, values and calls raise Lua errors with the script's file:line.
///
/// Capture mode (plan capture of a distributed run): add()/set() inside a task go to LoadContext::metric_capture
/// (capture/metric_capture.hpp), which makes them plan metric steps.

#include <string>

struct lua_State;

namespace lse::lua::detail {

struct LoadContext;

/// Adds the `metrics` table to the `lsengine` global table on top of the stack.
void InstallMetricsFunctions(lua_State* L, LoadContext* ctx);

/// The value at idx as a sample of a metric of `kind` ("counter", ...): numbers (finite; trends >= 0), and for
/// rates booleans too (1 or 0). False with *problem ("expects a number, got string") otherwise.
bool ReadMetricValue(lua_State* L, int idx, int kind, double* out, std::string* problem);

}  // namespace lse::lua::detail
