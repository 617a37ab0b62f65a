#include "lse/thresholds/threshold.hpp"

#include <cmath>

namespace lse::thresholds {

bool IsLifecycleTask(std::string_view task) noexcept {
    for (std::string_view t : kLifecycleTasks) {
        if (t == task) return true;
    }
    return false;
}

ValueKind ValueKindOf(Metric metric) noexcept {
    switch (metric) {
        case Metric::kLatency:
        case Metric::kGeneratorLag:
            return ValueKind::kDurationNs;
        case Metric::kErrorRate:
        case Metric::kChecks:
        case Metric::kIterationFailures:
            return ValueKind::kPercent;
        default:
            return ValueKind::kNumber;
    }
}

std::string_view OpText(Op op) noexcept {
    switch (op) {
        case Op::kLess: return "<";
        case Op::kLessEqual: return "<=";
        case Op::kGreater: return ">";
        case Op::kGreaterEqual: return ">=";
        case Op::kEqual: return "==";
        case Op::kNotEqual: return "!=";
        default: return "?";
    }
}

bool Compare(double actual, Op op, double limit) noexcept {
    if (std::isnan(actual) || std::isnan(limit)) return false;
    switch (op) {
        case Op::kLess: return actual < limit;
        case Op::kLessEqual: return actual <= limit;
        case Op::kGreater: return actual > limit;
        case Op::kGreaterEqual: return actual >= limit;
        case Op::kEqual: return actual == limit;
        case Op::kNotEqual: return actual != limit;
        default: return false;
    }
}

std::string Threshold::Subject() const {
    std::string s = region.empty() ? std::string() : "region:" + region + ".";
    if (metric == Metric::kCustom) {
        return s + std::string(metrics::CustomMetricKindName(custom_kind)) + ":" + custom_name + "." + metric_name;
    }
    if (!scenario.empty()) s += scenario + ":";
    if (!group.empty()) return s + "group:" + group + "." + metric_name;
    if (!tag_key.empty()) return s + "tag:" + tag_key + "=" + tag_value + "." + metric_name;
    s += task;
    if (!request.empty()) s += "[" + request + "]";
    // A dot after a task or request scope; none right after "scenario:" (a task name may end in ':' itself).
    if (!task.empty() || !request.empty()) s += ".";
    s += metric_name;
    return s;
}

}  // namespace lse::thresholds
