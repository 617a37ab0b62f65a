#pragma once
/// @file
/// Names of the entries in Snapshot::by_name and Snapshot::checks. One flat map
/// carries several levels (scenario, task, request, check), so every key is
/// "<kind>\x1f<scenario>\x1f<task>\x1f<name>" with a one-letter kind; the unit
/// separator (0x1f) cannot occur in a scenario, task or request name typed by a
/// person, and URLs with ':' or '/' stay unambiguous.
///
///   R  a request name (e.g. "GET /api/products") made by a task    -> in Snapshot::total
///   T  a task's iterations (duration, failure reasons)            -> not in total
///   S  a scenario's arrivals (dropped arrivals live here)          -> not in total
///   C  a check (checks map only)
///
/// A request made inside group("checkout", fn) (nested: "checkout::payment") has a fifth field, its group path:
/// "R\x1f<scenario>\x1f<task>\x1f<name>\x1f<group>". Requests outside any group keep four fields, so their keys,
/// and everything that reads them, are as before; a group's rows merge across workers and agents like any row.
/// A check made inside a group carries the group path the same way: "C\x1f<scenario>\x1f<task>\x1f<name>\x1f<group>".
///
/// A request with tags (tags = { k = "v" }) has a sixth field after the group field (empty when ungrouped):
/// "R\x1f<scenario>\x1f<task>\x1f<name>\x1f<group>\x1f<tags>", tags in canonical form (tags.hpp). Untagged
/// requests keep four or five fields. Rows with different tag sets are different rows.

#include <string>
#include <string_view>

namespace lse::metrics {

enum class StatKind : char { kRequest = 'R', kTask = 'T', kScenario = 'S', kCheck = 'C' };

struct StatKey {
    StatKind kind = StatKind::kRequest;
    std::string scenario;
    std::string task;  ///< empty for kScenario
    std::string name;  ///< request or check name; empty for kTask and kScenario
    std::string group;  ///< kRequest and kCheck: the group path ("checkout::payment"); empty outside any group
    std::string tags{};  ///< kRequest only: the request's tags in canonical form (tags.hpp); empty: none
};

inline constexpr char kStatKeySeparator = '\x1f';

/// Request names per task are bounded: a task that puts an id in its URL ("GET /items/17") would otherwise
/// make one row, and two histograms, per id. Past kManyRequestNames distinct names a task is warned about
/// (group them with name=...); past kMaxRequestNamesPerTask every new name is counted under kOtherRequestName,
/// so memory and the wire format (Snapshot::kMaxNames) stay bounded whatever the script does.
inline constexpr std::size_t kManyRequestNames = 20;
inline constexpr std::size_t kMaxRequestNamesPerTask = 100;
inline constexpr std::string_view kOtherRequestName = "(other)";

/// Nested group names are joined with this ("checkout::payment", as k6 shows them).
inline constexpr std::string_view kGroupSeparator = "::";
/// Distinct group paths per scenario are bounded like request names: a group named after an id would make
/// rows without end. Past this many, group() raises an error naming the new group.
inline constexpr std::size_t kMaxGroupsPerScenario = 100;

/// "task 'buy' produced 40 request names (e.g. 'GET /items/17'); group them with name=..., e.g.
/// http:get(url, { name = \"GET /items/{id}\" })" (appends ", the rest counted under '(other)'" when capped).
std::string ManyRequestNamesWarning(std::string_view task, std::size_t names, std::string_view example, bool capped);

std::string MakeStatKey(StatKind kind, std::string_view scenario, std::string_view task = {},
                        std::string_view name = {}, std::string_view group = {}, std::string_view tags = {});
inline std::string MakeStatKey(const StatKey& k) {
    return MakeStatKey(k.kind, k.scenario, k.task, k.name, k.group, k.tags);
}

/// Returns false for a string that is not a key made by MakeStatKey (a group field only on kRequest and kCheck
/// keys, a tags field only on kRequest keys and canonical, see ParseTags).
bool ParseStatKey(std::string_view key, StatKey* out);

}  // namespace lse::metrics
