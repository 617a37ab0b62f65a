#pragma once
/// @file
/// Gathers what one scope (scenario, task, request name) recorded, from the flat stat-key maps
/// of a Snapshot (lse/metrics/stat_key.hpp). Shared by threshold evaluation and the summary so
/// both read the same numbers. End-of-run code: it allocates freely.

#include <cstdint>
#include <string_view>

#include "lse/metrics/snapshot.hpp"

namespace lse::thresholds {

/// Empty fields match everything, except that an empty task excludes the lifecycle tasks
/// (on_start, on_stop, setup, teardown): their requests are not part of the load.
struct Scope {
    std::string_view scenario;
    std::string_view task;
    std::string_view request;
    std::string_view group;  ///< a group path: its requests and those of the groups nested in it
    std::string_view tag_key{};  ///< set: only requests carrying the tag tag_key=tag_value
    std::string_view tag_value{};
};

/// True when a request made in group `key_group` counts for the group scope `scope_group` (itself or nested).
bool InGroup(std::string_view key_group, std::string_view scope_group) noexcept;

/// Merge of the R (request) entries in scope. With nothing set it is Snapshot::total itself,
/// which is exact even when names were folded.
metrics::RequestStats RequestsIn(const metrics::Snapshot& snapshot, const Scope& scope);

/// Merge of the T (task iteration) entries in scope; `requests` counts iterations, `ok` the
/// successful ones. The request field of the scope is ignored.
metrics::RequestStats IterationsIn(const metrics::Snapshot& snapshot, const Scope& scope);

/// Sum of the checks in scope (the request field is ignored).
metrics::CheckCounts ChecksIn(const metrics::Snapshot& snapshot, const Scope& scope);

/// Dropped arrivals of a scenario (S entries); the whole run's when scope.scenario is empty.
std::uint64_t DroppedIn(const metrics::Snapshot& snapshot, std::string_view scenario);

}  // namespace lse::thresholds
