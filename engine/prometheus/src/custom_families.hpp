#pragma once
/// @file
/// The exposition's families for a script's own metrics (Snapshot::custom), one family per metric, as a
/// Prometheus user names them: `lsengine_custom_<name>` with the type's usual suffix (exposition.hpp lists them).

#include <string>

#include "lse/metrics/snapshot.hpp"

namespace lse::prometheus::detail {

/// The families of every metric in `snapshot.custom`, sorted by name; "" when there is none. A metric whose
/// series name would repeat an earlier metric's (gauge `orders_total` beside counter `orders`) is left out with
/// a `# lsengine:` comment saying so, so a scrape never holds one series twice.
std::string RenderCustomMetricFamilies(const metrics::Snapshot& snapshot);

}  // namespace lse::prometheus::detail
