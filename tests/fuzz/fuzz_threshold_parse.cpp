// libFuzzer target: lse::thresholds::TryParse / Parse (threshold strings from scenarios and --threshold).
//
// Invariants: no crash or UB; Parse throws exactly when TryParse fails, with the same message inside;
// an accepted threshold reparses from its own `expression` to the same threshold, and the canonical
// spelling "<Subject()> <op> <value_text>" parses to the same scope, metric, operator and value.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "lse/core/errors.hpp"
#include "lse/thresholds/threshold.hpp"

namespace {

namespace t = lse::thresholds;

bool SameMeaning(const t::Threshold& a, const t::Threshold& b) {
    return a.scenario == b.scenario && a.task == b.task && a.request == b.request && a.metric == b.metric &&
           a.stat == b.stat && a.base == b.base && a.percentile == b.percentile && a.metric_name == b.metric_name &&
           a.op == b.op && a.value == b.value && a.custom_name == b.custom_name && a.custom_kind == b.custom_kind &&
           a.custom_stat == b.custom_stat;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const std::optional<t::Threshold> parsed = t::TryParse(text, &error);
    try {
        const t::Threshold thrown = t::Parse(text);
        if (!parsed.has_value() || !SameMeaning(thrown, *parsed)) std::abort();
    } catch (const lse::UsageError& e) {
        if (parsed.has_value()) std::abort();
        // what() is a C string: compare the message up to its first NUL (inputs may contain some).
        const std::string expected = error.substr(0, error.find('\0'));
        if (std::string(e.what()).find(expected) == std::string::npos) std::abort();
    }
    if (!parsed.has_value()) {
        if (error.empty()) std::abort();
        return 0;
    }
    const t::Threshold& th = *parsed;
    if (std::isnan(th.value)) std::abort();
    const bool percentile = (th.metric == t::Metric::kLatency && th.stat == t::LatencyStat::kPercentile) ||
                            (th.metric == t::Metric::kCustom && th.custom_stat == t::CustomStat::kPercentile);
    if (percentile && !(th.percentile > 0 && th.percentile <= 100)) {
        std::abort();
    }

    const std::optional<t::Threshold> again = t::TryParse(th.expression, &error);
    if (!again.has_value() || !SameMeaning(*again, th) || again->expression != th.expression) std::abort();

    const std::string canonical = th.Subject() + " " + std::string(t::OpText(th.op)) + " " + th.value_text;
    const std::optional<t::Threshold> from_subject = t::TryParse(canonical, &error);
    if (!from_subject.has_value() || !SameMeaning(*from_subject, th)) std::abort();
    return 0;
}
