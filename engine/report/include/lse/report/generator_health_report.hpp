#pragma once
/// @file
/// How every output shows the load generators' own health (Snapshot::generators, lse/metrics/generator_health.hpp):
/// is lsengine itself the bottleneck? The text summary, the live view, --summary-json, --out ndjson and the HTML
/// report all read these functions, so a number means the same thing everywhere. Generators without a report (an
/// entry Snapshot::Reset zeroed) are left out; a run without any generator report shows nothing.
///
/// JSON of one generator (GeneratorHealthJson; times in integer µs like every other latency, CPU as fractions):
///   { "threads", "intervals", "loop_lag_us": Latency (json_fields.hpp),
///     "process_cpu": cores the process used (1.0 = one core busy; the worst interval), "host_cpu": 0..1 (worst),
///     "arrivals", "late_arrivals", "open_sockets", "ephemeral_ports", "ephemeral_port_range" (0: unknown),
///     "rss_bytes", "saturated": bool, "saturated_intervals", "saturated_s": total time,
///     "saturated_periods": [ { "from_s", "to_s" } ]   (from the start of load, sorted) }
/// In a run's totals the gauges are the worst interval's and the counts the whole run's; in an ndjson interval line
/// they are that interval's.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/metrics/snapshot.hpp"

namespace lse::report {

nlohmann::json GeneratorHealthJson(const metrics::GeneratorHealth& h);
/// { id: GeneratorHealthJson } of every generator with a report; an empty object when none has one.
nlohmann::json GeneratorsJson(const metrics::Snapshot& snapshot);

/// The plain sentence a run prints when a generator was saturated (empty when none was), e.g.
/// "results may understate the target's performance: agent a2 was saturated from 12 s to 40 s"; a single-node run
/// says "this machine (local) was saturated from ...", several periods are listed ("from 3 s to 5 s and from 9 s to
/// 12 s"), and a long list is cut with a count of what was left out.
std::string SaturationWarning(const metrics::Snapshot& total);

/// The text summary's "load generators" table, then the saturation warning when there is one (nothing when no
/// generator reported). Fits 100 columns.
void PrintGeneratorTable(std::ostream& out, const metrics::Snapshot& total);

/// The live frame's generator lines for one interval: one line per generator (lag p99, CPU, late arrivals, sockets,
/// RSS, and SATURATED when that interval was judged so), saturated ones first; beyond `max_rows` one "+N more" line.
std::vector<std::string> GeneratorLiveLines(const metrics::Snapshot& interval, std::size_t width,
                                            std::size_t max_rows);

/// The compact (log) line's generator part over the intervals it covers: " | gen lag p99 1.20ms cpu 85%" for the
/// worst generator, then " | SATURATED: a2, a3" when some were; "" without a generator report.
std::string GeneratorProgressText(const metrics::Snapshot& intervals);

/// "12 s", "12.5 s": a time from the start of load in ms, as the warning writes it.
std::string SecondsText(std::int64_t ms);

}  // namespace lse::report
