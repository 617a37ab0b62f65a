#include "lse/thresholds/scope_stats.hpp"

#include "lse/metrics/stat_key.hpp"
#include "lse/metrics/tags.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {
namespace {

bool InScope(const metrics::StatKey& key, const Scope& scope, bool match_request) {
    if (!scope.scenario.empty() && key.scenario != scope.scenario) return false;
    if (scope.task.empty() ? IsLifecycleTask(key.task) : key.task != scope.task) return false;
    if (!scope.group.empty() && !InGroup(key.group, scope.group)) return false;
    if (!scope.tag_key.empty() && !metrics::HasTag(key.tags, scope.tag_key, scope.tag_value)) return false;
    return !match_request || scope.request.empty() || key.name == scope.request;
}

// Merges every by_name entry of `kind` in scope into one RequestStats.
metrics::RequestStats MergeKind(const metrics::Snapshot& snapshot, metrics::StatKind kind, const Scope& scope,
                                bool match_request) {
    metrics::RequestStats merged;
    metrics::StatKey key;
    for (const auto& [name, stats] : snapshot.by_name) {
        if (!metrics::ParseStatKey(name, &key) || key.kind != kind) continue;
        if (InScope(key, scope, match_request)) merged += stats;
    }
    return merged;
}

}  // namespace

bool InGroup(std::string_view key_group, std::string_view scope_group) noexcept {
    if (!key_group.starts_with(scope_group)) return false;
    const std::string_view rest = key_group.substr(scope_group.size());
    return rest.empty() || rest.starts_with(metrics::kGroupSeparator);
}

metrics::RequestStats RequestsIn(const metrics::Snapshot& snapshot, const Scope& scope) {
    if (scope.scenario.empty() && scope.task.empty() && scope.request.empty() && scope.group.empty() &&
        scope.tag_key.empty()) {
        return snapshot.total;
    }
    return MergeKind(snapshot, metrics::StatKind::kRequest, scope, true);
}

metrics::RequestStats IterationsIn(const metrics::Snapshot& snapshot, const Scope& scope) {
    return MergeKind(snapshot, metrics::StatKind::kTask, scope, false);
}

metrics::CheckCounts ChecksIn(const metrics::Snapshot& snapshot, const Scope& scope) {
    metrics::CheckCounts sum;
    metrics::StatKey key;
    for (const auto& [name, counts] : snapshot.checks) {
        if (!metrics::ParseStatKey(name, &key) || key.kind != metrics::StatKind::kCheck) continue;
        if (InScope(key, scope, false)) sum += counts;
    }
    return sum;
}

std::uint64_t DroppedIn(const metrics::Snapshot& snapshot, std::string_view scenario) {
    if (scenario.empty()) return snapshot.total.dropped;
    std::uint64_t dropped = 0;
    metrics::StatKey key;
    for (const auto& [name, stats] : snapshot.by_name) {
        // Drops live on the scenario's S key only (lse/metrics/stat_key.hpp).
        if (!metrics::ParseStatKey(name, &key) || key.kind != metrics::StatKind::kScenario) continue;
        if (key.scenario == scenario) dropped += stats.dropped;
    }
    return dropped;
}

}  // namespace lse::thresholds
