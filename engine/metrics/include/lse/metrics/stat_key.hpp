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

#include <string>
#include <string_view>

namespace lse::metrics {

enum class StatKind : char { kRequest = 'R', kTask = 'T', kScenario = 'S', kCheck = 'C' };

struct StatKey {
    StatKind kind = StatKind::kRequest;
    std::string scenario;
    std::string task;  ///< empty for kScenario
    std::string name;  ///< request or check name; empty for kTask and kScenario
};

inline constexpr char kStatKeySeparator = '\x1f';

std::string MakeStatKey(StatKind kind, std::string_view scenario, std::string_view task = {},
                        std::string_view name = {});
inline std::string MakeStatKey(const StatKey& k) { return MakeStatKey(k.kind, k.scenario, k.task, k.name); }

/// Returns false for a string that is not a key made by MakeStatKey.
bool ParseStatKey(std::string_view key, StatKey* out);

}  // namespace lse::metrics
