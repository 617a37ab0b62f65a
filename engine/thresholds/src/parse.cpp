// Parsing "[scenario:][scope.]metric op value" (grammar in threshold.hpp, docs/thresholds.md).
// Everything here reports through an error string so TryParse never throws; Parse wraps it.

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "custom_threshold.hpp"
#include "generator_threshold.hpp"
#include "lse/metrics/tags.hpp"
#include "lse/thresholds/threshold.hpp"
#include "metric_name.hpp"

namespace lse::thresholds {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOpChar(char c) { return c == '<' || c == '>' || c == '=' || c == '!'; }

// A plain non-negative decimal ("12", "1.5", ".5"); no sign, exponent, inf or nan.
bool ParseDecimal(std::string_view s, double* out) {
    if (s.empty()) return false;
    bool digits = false;
    bool dot = false;
    for (char c : s) {
        if (IsDigit(c)) {
            digits = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (!digits) return false;
    *out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
}

// Length of the leading number of s (digits and dots), to split "200ms" into "200" and "ms".
std::size_t NumberPrefixLength(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == '.')) ++i;
    return i;
}

bool ReadOp(std::string_view s, std::size_t at, Op* op, std::size_t* len, std::string* error) {
    const char c = s[at];
    const bool eq_next = at + 1 < s.size() && s[at + 1] == '=';
    switch (c) {
        case '<': *op = eq_next ? Op::kLessEqual : Op::kLess; break;
        case '>': *op = eq_next ? Op::kGreaterEqual : Op::kGreater; break;
        case '=':
            if (!eq_next) {
                *error = "'=' is not a comparison; use '==' (or <, <=, >, >=, !=)";
                return false;
            }
            *op = Op::kEqual;
            break;
        default:  // '!'
            if (!eq_next) {
                *error = "'!' must be followed by '=' ('!=')";
                return false;
            }
            *op = Op::kNotEqual;
            break;
    }
    *len = (c == '<' || c == '>') && !eq_next ? 1 : 2;
    if (at + *len < s.size() && IsOpChar(s[at + *len])) {
        *error = "bad comparison '" + std::string(s.substr(at, *len + 1)) + "' (use <, <=, >, >=, == or !=)";
        return false;
    }
    return true;
}

// The metric named in an unparseable subject, for the error message: the part after the last
// '.', or after the one before it when that part is a number ("x.p99.95x" -> "p99.95x").
std::string_view GuessMetricText(std::string_view subject) {
    const std::size_t last = subject.rfind('.');
    if (last == std::string_view::npos) return subject;
    const std::string_view tail = subject.substr(last + 1);
    if (last > 0 && !tail.empty() && IsDigit(tail[0])) {
        const std::size_t before = subject.rfind('.', last - 1);
        return subject.substr(before == std::string_view::npos ? 0 : before + 1);
    }
    return tail;
}

bool UnknownMetric(std::string_view text, std::string* error) {
    const std::span<const std::string_view> names = SuggestableMetricNames();
    std::string hint = DidYouMeanSuffix(text, std::vector<std::string>(names.begin(), names.end()));
    if (hint.empty()) {
        hint = " (metrics: pNN, min, max, mean, service_pNN..., error_rate, errors, requests, rps, checks, "
               "iterations, iteration_failures, dropped, generator_saturated, generator_lag_pNN)";
    }
    *error = "unknown metric '" + std::string(text) + "'" + hint;
    return false;
}

constexpr std::string_view kGroupPrefix = "group:";

// "checkout::payment.p95" after "group:": the group path and its metric. Group paths may contain dots, like
// task names: the first '.' whose right side is a metric ends the path.
bool ParseGroupSubject(std::string_view rest, Threshold* t, std::string* error) {
    MetricSpec spec;
    std::string_view metric_text;
    for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.', dot + 1)) {
        if (ParseMetricName(rest.substr(dot + 1), &spec)) {
            t->group = std::string(Trim(rest.substr(0, dot)));
            metric_text = rest.substr(dot + 1);
            break;
        }
    }
    if (metric_text.empty()) {
        if (rest.find('.') == std::string_view::npos) {
            *error = "expected 'group:NAME.metric' (e.g. group:checkout.p95 < 500ms)";
            return false;
        }
        return UnknownMetric(GuessMetricText(rest), error);
    }
    if (t->group.empty()) {
        *error = "empty group name after 'group:'";
        return false;
    }
    if (t->group.find('[') != std::string::npos) {
        *error = "a group scope takes no [request] (group:" + t->group + " measures every request in the group)";
        return false;
    }
    t->metric = spec.metric;
    t->stat = spec.stat;
    t->base = spec.base;
    t->percentile = spec.percentile;
    t->metric_name = spec.canonical;
    const bool per_request = t->metric == Metric::kLatency || t->metric == Metric::kErrorRate ||
                             t->metric == Metric::kErrors || t->metric == Metric::kRequests ||
                             t->metric == Metric::kRps || t->metric == Metric::kChecks;
    if (!per_request) {
        *error = "'" + t->metric_name + "' is not measured per group (a group has pNN, min, max, mean, service_*, "
                 "error_rate, errors, requests, rps and checks)";
        return false;
    }
    return true;
}

constexpr std::string_view kTagPrefix = "tag:";

// "env=staging.p95" after "tag:": the tag's key and value, then its metric. Values may contain dots (and '='):
// the first '.' whose right side is a metric ends the value; the first '=' ends the key.
bool ParseTagSubject(std::string_view rest, Threshold* t, std::string* error) {
    MetricSpec spec;
    std::string_view tag;
    std::string_view metric_text;
    for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.', dot + 1)) {
        if (ParseMetricName(rest.substr(dot + 1), &spec)) {
            tag = rest.substr(0, dot);
            metric_text = rest.substr(dot + 1);
            break;
        }
    }
    if (metric_text.empty()) {
        if (rest.find('.') == std::string_view::npos) {
            *error = "expected 'tag:KEY=VALUE.metric' (e.g. tag:env=staging.p95 < 500ms)";
            return false;
        }
        return UnknownMetric(GuessMetricText(rest), error);
    }
    const std::size_t eq = tag.find('=');
    if (eq == std::string_view::npos) {
        *error = "expected 'tag:KEY=VALUE.metric' (e.g. tag:env=staging.p95 < 500ms): no '=' after the tag key";
        return false;
    }
    t->tag_key = std::string(Trim(tag.substr(0, eq)));
    t->tag_value = std::string(tag.substr(eq + 1));
    if (const std::string problem = metrics::TagKeyProblem(t->tag_key); !problem.empty()) {
        *error = "after 'tag:': " + problem;
        return false;
    }
    t->metric = spec.metric;
    t->stat = spec.stat;
    t->base = spec.base;
    t->percentile = spec.percentile;
    t->metric_name = spec.canonical;
    const bool per_request = t->metric == Metric::kLatency || t->metric == Metric::kErrorRate ||
                             t->metric == Metric::kErrors || t->metric == Metric::kRequests ||
                             t->metric == Metric::kRps;
    if (!per_request) {
        *error = "'" + t->metric_name + "' is not measured per tag (a tag has pNN, min, max, mean, service_*, "
                 "error_rate, errors, requests and rps)";
        return false;
    }
    return true;
}

// Where to look for the comparison in a "tag:KEY=VALUE..." (or "scenario:tag:...") threshold: past the '=' that
// joins the key and the value, which is no comparison. 0 for any other threshold.
std::size_t TagScopeEnd(std::string_view s) {
    std::size_t at = 0;
    if (!s.starts_with(kTagPrefix)) {
        const std::size_t colon = s.find(':');
        if (colon == std::string_view::npos) return 0;
        at = colon + 1;
        while (at < s.size() && s[at] == ' ') ++at;
        if (!s.substr(at).starts_with(kTagPrefix)) return 0;
    }
    // The key's '=' comes before any comparison ("tag:env.p95 <= 1s" has none: the parse then says so).
    const std::size_t eq = s.find_first_of("=<>!", at + kTagPrefix.size());
    if (eq == std::string_view::npos || s[eq] != '=' || (eq + 1 < s.size() && s[eq + 1] == '=')) return 0;
    return eq + 1;
}

// Splits the left-hand side into scenario, task, request and metric.
bool ParseSubject(std::string_view lhs, Threshold* t, std::string* error) {
    std::string_view rest = lhs;
    // "group:NAME.metric" (or "scenario:group:NAME.metric"): "group" is a keyword here, not a scenario name.
    if (rest.starts_with(kGroupPrefix)) return ParseGroupSubject(Trim(rest.substr(kGroupPrefix.size())), t, error);
    // "trend:NAME.p95" and the other custom metric kinds: keywords too (custom_threshold.hpp).
    if (IsCustomSubject(rest)) return ParseCustomSubject({}, rest, t, error);
    if (rest.starts_with(kTagPrefix)) return ParseTagSubject(Trim(rest.substr(kTagPrefix.size())), t, error);
    const std::size_t colon = rest.substr(0, rest.find('[')).find(':');
    if (colon != std::string_view::npos) {
        const std::string_view scenario = Trim(rest.substr(0, colon));
        if (scenario.empty()) {
            *error = "empty scenario name before ':'";
            return false;
        }
        t->scenario = std::string(scenario);
        rest = Trim(rest.substr(colon + 1));
        if (rest.starts_with(kGroupPrefix)) {
            return ParseGroupSubject(Trim(rest.substr(kGroupPrefix.size())), t, error);
        }
        if (IsCustomSubject(rest)) return ParseCustomSubject(scenario, rest, t, error);
        if (rest.starts_with(kTagPrefix)) return ParseTagSubject(Trim(rest.substr(kTagPrefix.size())), t, error);
    }

    std::string_view metric_text;
    MetricSpec spec;
    const std::size_t open = rest.find('[');
    if (open != std::string_view::npos) {
        const std::size_t close = rest.rfind(']');
        if (close == std::string_view::npos || close < open) {
            *error = "'[' without a closing ']' around the request name";
            return false;
        }
        const std::string_view request = rest.substr(open + 1, close - open - 1);
        if (Trim(request).empty()) {
            *error = "empty request name in '[]'";
            return false;
        }
        t->task = std::string(Trim(rest.substr(0, open)));
        t->request = std::string(request);
        const std::string_view after = rest.substr(close + 1);
        if (after.empty() || after[0] != '.') {
            *error = "expected '.' and a metric after ']' (e.g. [GET /api].p95)";
            return false;
        }
        metric_text = after.substr(1);
        if (!ParseMetricName(metric_text, &spec)) return UnknownMetric(metric_text, error);
    } else if (ParseMetricName(rest, &spec)) {
        metric_text = rest;
    } else {
        // The first '.' whose right side is a metric splits task from metric, so task names
        // may contain dots ("api.v2.p95") and percentiles may too ("browse.p99.9").
        bool found = false;
        for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.', dot + 1)) {
            if (ParseMetricName(rest.substr(dot + 1), &spec)) {
                t->task = std::string(Trim(rest.substr(0, dot)));
                metric_text = rest.substr(dot + 1);
                found = true;
                break;
            }
        }
        if (!found) return UnknownMetric(GuessMetricText(rest), error);
        if (t->task.empty()) {
            *error = "empty task name before '." + std::string(metric_text) + "'";
            return false;
        }
    }
    t->metric = spec.metric;
    t->stat = spec.stat;
    t->base = spec.base;
    t->percentile = spec.percentile;
    t->metric_name = spec.canonical;

    // Scopes a metric cannot have: say so instead of silently measuring something else.
    const bool per_request_meaningless =
        t->metric == Metric::kChecks || t->metric == Metric::kIterations || t->metric == Metric::kIterationFailures;
    if (!t->request.empty() && per_request_meaningless) {
        *error = "'" + t->metric_name + "' is counted per task, not per request: drop the [request] scope";
        return false;
    }
    if (t->metric == Metric::kDropped && (!t->task.empty() || !t->request.empty())) {
        *error = "'dropped' is counted per scenario: drop the task/request scope";
        return false;
    }
    if (IsGeneratorMetric(t->metric) && (!t->scenario.empty() || !t->task.empty() || !t->request.empty())) {
        *error = "'" + t->metric_name + "' judges the load generators of the whole run, not a scenario, task or "
                 "request: drop the scope";
        return false;
    }
    return true;
}

bool ParseValue(std::string_view rhs, Threshold* t, std::string* error) {
    if (t->metric == Metric::kCustom) return ParseCustomValue(rhs, t, error);
    t->value_text = std::string(rhs);
    const std::size_t num_len = NumberPrefixLength(rhs);
    const std::string_view number = rhs.substr(0, num_len);
    const std::string_view suffix = Trim(rhs.substr(num_len));
    double plain = 0;
    const bool bare_number = suffix.empty() && ParseDecimal(number, &plain);
    if (!number.empty() && !ParseDecimal(number, &plain)) {
        *error = "bad number '" + std::string(rhs) + "'";
        return false;
    }
    if (number.empty()) {
        *error = "expected a number after '" + std::string(OpText(t->op)) + "', got '" + std::string(rhs) + "'";
        return false;
    }
    switch (ValueKindOf(t->metric)) {
        case ValueKind::kDurationNs: {
            if (bare_number) {
                *error = "missing unit (did you mean " + std::string(rhs) + "ms?)";
                return false;
            }
            if (suffix == "%") {
                *error = "'" + t->metric_name + "' is a duration, not a percentage (e.g. 200ms, 1.5s)";
                return false;
            }
            std::int64_t ns = 0;
            std::string duration_error;
            if (!TryParseDurationNs(rhs, 0, &ns, &duration_error)) {
                *error = "bad duration: " + duration_error;
                return false;
            }
            t->value = static_cast<double>(ns);
            return true;
        }
        case ValueKind::kPercent:
            if (suffix != "%") {
                *error = bare_number ? "'" + t->metric_name + "' is a percentage: missing '%' (did you mean " +
                                           std::string(rhs) + "%?)"
                                     : "'" + t->metric_name + "' is a percentage (e.g. 1%, 99.5%), got '" +
                                           std::string(rhs) + "'";
                return false;
            }
            if (plain > 100) {
                *error = "percentage above 100% ('" + std::string(rhs) + "')";
                return false;
            }
            t->value = plain;
            return true;
        default:
            if (suffix == "k" || suffix == "K") {
                plain *= 1e3;
            } else if (suffix == "M") {
                plain *= 1e6;
            } else if (!suffix.empty()) {
                *error = "'" + t->metric_name + "' is a plain number (e.g. 100, 2.5k), got '" + std::string(rhs) + "'";
                return false;
            }
            t->value = plain;
            return true;
    }
}

constexpr std::string_view kRegionPrefix = "region:";
constexpr std::string_view kPerRegionSuffix = "per region";

// "region:eu." before the rest of a threshold and "per region" after it: both taken off `s` (region names are
// single NATS subject tokens, so the first '.' ends one).
bool ParseRegionParts(std::string_view* s, Threshold* t, std::string* error) {
    if (s->ends_with(kPerRegionSuffix)) {
        const std::string_view before = s->substr(0, s->size() - kPerRegionSuffix.size());
        if (!before.empty() && (before.back() == ' ' || before.back() == '\t')) {
            t->per_region = true;
            *s = Trim(before);
        }
    }
    // "region :eu.p95" too: the other scopes allow blanks around their ':', so a parse that let this one fall
    // through would read "region" as another scope and print it back as "region:..." (the fuzzer found it).
    const std::string_view keyword = kRegionPrefix.substr(0, kRegionPrefix.size() - 1);
    if (!s->starts_with(keyword)) return true;
    const std::string_view after = Trim(s->substr(keyword.size()));
    if (!after.starts_with(':')) return true;
    const std::string_view rest = after.substr(1);
    const std::size_t dot = rest.find('.');
    const std::string_view name = Trim(rest.substr(0, dot));
    if (dot == std::string_view::npos || name.empty() || name.find_first_of(" \t<>=!") != std::string_view::npos) {
        *error = "expected 'region:NAME.metric' (e.g. region:eu.p95 < 200ms)";
        return false;
    }
    if (t->per_region) {
        *error = "'region:" + std::string(name) + "' and 'per region' exclude each other (one region, or every one)";
        return false;
    }
    t->region = std::string(name);
    *s = Trim(rest.substr(dot + 1));
    return true;
}

bool ParseInto(std::string_view expression, Threshold* t, std::string* error) {
    std::string_view s = Trim(expression);
    if (s.empty()) {
        *error = "empty threshold";
        return false;
    }
    t->expression = std::string(s);
    if (!ParseRegionParts(&s, t, error)) return false;
    // A request name in brackets may contain '<' or '=': look for the operator after it.
    const std::size_t bracket_end = s.find('[') == std::string_view::npos ? std::string_view::npos : s.rfind(']');
    std::size_t at = bracket_end == std::string_view::npos ? 0 : bracket_end + 1;
    at = std::max(at, TagScopeEnd(s));  // tag:KEY=VALUE: that '=' is no comparison
    while (at < s.size() && !IsOpChar(s[at])) ++at;
    if (at >= s.size()) {
        *error = "missing comparison (use <, <=, >, >=, == or !=)";
        return false;
    }
    std::size_t op_len = 0;
    if (!ReadOp(s, at, &t->op, &op_len, error)) return false;
    const std::string_view lhs = Trim(s.substr(0, at));
    const std::string_view rhs = Trim(s.substr(at + op_len));
    if (lhs.empty()) {
        *error = "missing metric before '" + std::string(OpText(t->op)) + "'";
        return false;
    }
    if (rhs.empty()) {
        *error = "missing value after '" + std::string(OpText(t->op)) + "'";
        return false;
    }
    return ParseSubject(lhs, t, error) && ParseValue(rhs, t, error);
}

std::string Quote(std::string_view expression) { return "threshold '" + std::string(Trim(expression)) + "': "; }

void ValidateName(const Threshold& t, std::string_view kind, const std::string& name,
                  std::span<const std::string> known, bool allow_lifecycle) {
    if (name.empty()) return;
    if (allow_lifecycle && IsLifecycleTask(name)) return;
    for (const std::string& k : known) {
        if (k == name) return;
    }
    std::string hint = DidYouMeanSuffix(name, std::vector<std::string>(known.begin(), known.end()));
    if (hint.empty() && !known.empty() && known.size() <= 10) {
        hint = " (known: ";
        for (std::size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : "") + known[i];
        hint += ")";
    }
    throw UsageError(Quote(t.expression) + "unknown " + std::string(kind) + " '" + name + "'" + hint);
}

}  // namespace

std::optional<Threshold> TryParse(std::string_view expression, std::string* error) {
    Threshold t;
    std::string problem;
    if (!ParseInto(expression, &t, &problem)) {
        if (error != nullptr) *error = Quote(expression) + problem;
        return std::nullopt;
    }
    return t;
}

Threshold Parse(std::string_view expression) {
    std::string error;
    std::optional<Threshold> t = TryParse(expression, &error);
    if (!t) throw UsageError(error);
    return std::move(*t);
}

void Validate(const Threshold& threshold, std::span<const std::string> known_tasks) {
    ValidateName(threshold, "task", threshold.task, known_tasks, true);
}

void ValidateScenario(const Threshold& threshold, std::span<const std::string> known_scenarios) {
    ValidateName(threshold, "scenario", threshold.scenario, known_scenarios, false);
}

}  // namespace lse::thresholds
