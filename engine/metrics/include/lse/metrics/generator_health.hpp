#pragma once
/// @file
/// The load generator's own health: is lsengine itself the bottleneck? Every worker thread measures its
/// event-loop lag, late arrivals and sockets; the process adds CPU (its own and the host's), ephemeral ports in
/// use and RSS. One GeneratorHealth per generator (a single-node run: "local"; an agent: its agent id) travels
/// in Snapshot::generators, so it merges, ships and reaches every output like request statistics do.
///
/// Merging: within one interval the entries of one generator come from its threads (lag histograms and counts
/// add, gauges take the worst); over intervals (cumulative totals) the same rules give "worst seen" gauges and
/// whole-run counts, and the saturated periods are united.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/metrics/histogram.hpp"

namespace lse::metrics {

/// The generator id of a single-node run.
inline constexpr std::string_view kLocalGenerator = "local";

/// When a generator counts as saturated in an interval (IsSaturated): its loops ran timers this much late at p99...
inline constexpr std::int64_t kSaturatedLagP99Us = 10'000;
/// ...or its CPU (the process's per worker thread, or the host's) was above this while arrivals started late.
inline constexpr double kSaturatedCpu = 0.90;
/// An open-model arrival is late when the generator started it more than this after its intended time for its
/// own reasons (a busy loop), not because it waited for a free virtual user.
inline constexpr std::int64_t kLateArrivalNs = 5'000'000;
/// Bound on the saturated periods one generator keeps (the oldest merge when more arrive).
inline constexpr std::size_t kMaxSaturatedPeriods = 64;
/// Wire bounds (Snapshot version 5): generators per snapshot, and an id's length (the protocol's id limit).
inline constexpr std::size_t kMaxGenerators = 4096;
inline constexpr std::size_t kMaxGeneratorIdLength = 64;
/// Sane values a decoder accepts: worker threads of one generator, and cores one process can use.
inline constexpr std::uint32_t kMaxGeneratorThreads = 4096;
inline constexpr double kMaxProcessCpu = 65536;
/// Ports are 16 bits: no process holds more, no range is wider.
inline constexpr std::uint32_t kMaxPorts = 65536;

/// [from_ms, to_ms) from the start of load.
struct SaturatedPeriod {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    bool operator==(const SaturatedPeriod&) const noexcept = default;
};

struct GeneratorHealth {
    std::uint32_t threads = 0;        ///< worker threads (max when merged)
    std::uint64_t intervals = 0;      ///< intervals merged into this (1 per interval and generator)
    Histogram loop_lag_us;            ///< event-loop lag samples of every thread, µs
    double process_cpu = 0;           ///< cores the process used (1.0 = one core busy); merged: max
    double host_cpu = 0;              ///< the host's busy fraction of all its cores, 0..1; merged: max
    std::uint64_t arrivals = 0;       ///< open-model arrivals started; merged: sum
    std::uint64_t late_arrivals = 0;  ///< of them, started kLateArrivalNs late by the generator; merged: sum
    std::uint32_t open_sockets = 0;   ///< sockets open toward targets; merged: max
    std::uint32_t ephemeral_ports = 0;       ///< local ports in use (TCP sockets of the process); merged: max
    std::uint32_t ephemeral_port_range = 0;  ///< size of net.ipv4.ip_local_port_range (0: unknown)
    std::uint64_t rss_bytes = 0;             ///< resident set size; merged: max
    std::uint64_t saturated_intervals = 0;   ///< intervals IsSaturated judged saturated; merged: sum
    std::vector<SaturatedPeriod> saturated;  ///< when, sorted and disjoint; merged: united (adjacent ones join)

    GeneratorHealth& operator+=(const GeneratorHealth& other);
    bool operator==(const GeneratorHealth&) const = default;
    /// Zeroes everything (keeps the histogram's memory).
    void Reset() noexcept;

    /// Wire format (inside a Snapshot, no tag; varints as in snapshot.hpp):
    ///   varint threads (<= kMaxGeneratorThreads), varint intervals, Histogram loop_lag_us,
    ///   f64 process_cpu (0..kMaxProcessCpu), f64 host_cpu (0..1), varint arrivals, varint late_arrivals
    ///   (<= arrivals), varint open_sockets (32 bits), varint ephemeral_ports, varint ephemeral_port_range
    ///   (both <= kMaxPorts), varint rss_bytes, varint saturated_intervals (<= intervals),
    ///   varint periods (<= kMaxSaturatedPeriods), periods times: signed varint from_ms, signed varint to_ms
    ///   (0 <= from_ms < to_ms, each period starting after the previous one ended: sorted, disjoint, apart).
    void AppendTo(std::string* out) const;
    /// Decodes one entry from the front of *in (consuming it) into *out, reusing its histogram pages.
    static bool DecodeFrom(std::string_view* in, GeneratorHealth* out, std::string* error);
};

/// A generator id that may cross the wire: 1..kMaxGeneratorIdLength printable ASCII bytes, no space (agent ids
/// follow the stricter protocol rules; "local" for a single node).
bool IsValidGeneratorId(std::string_view id) noexcept;

/// Per thread CPU use of the process (process_cpu / threads), 0 with no thread.
double CpuPerThread(const GeneratorHealth& h) noexcept;

/// True when one interval's health says the generator itself limited the load (see the constants above).
bool IsSaturated(const GeneratorHealth& interval) noexcept;

/// Adds [from_ms, to_ms) to `periods` (sorted, disjoint; touching or overlapping periods join; beyond
/// kMaxSaturatedPeriods the two closest neighbours merge).
void AddSaturatedPeriod(std::vector<SaturatedPeriod>* periods, SaturatedPeriod period);

}  // namespace lse::metrics
