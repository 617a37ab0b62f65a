#pragma once
/// @file
/// Capture mode's side of lsengine.metrics (metrics_binding.hpp): while a task is captured, a metric's add()
/// or set() is not a sample but a plan metric step (lse/plan/plan.hpp) that agents replay natively.

#include <cstdint>

struct lua_State;

namespace lse::lua::capture {

class MetricCapture {
public:
    virtual ~MetricCapture() = default;
    /// add() (set == false) or set() of the state's declared metric `metric` (LoadContext::declared_metrics) with
    /// the value at `value_index` of L: a number, a boolean (rates) or a response value (response_values.hpp).
    /// The binding has checked what it can of the value; may throw std::runtime_error (becomes a Lua error).
    virtual void OnMetricSample(lua_State* L, std::uint32_t metric, int value_index, bool set) = 0;
};

}  // namespace lse::lua::capture
