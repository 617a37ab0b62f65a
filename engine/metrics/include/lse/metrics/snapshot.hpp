#pragma once
/// @file
/// What a worker hands to the reporter every interval (and an agent ships to the controller):
/// the interval bounds, the statistics of all requests and the statistics per request name.
///
/// Recording: a worker resolves `RequestStats* s = &snapshot.ForName(name)` once per name
/// (std::map nodes never move, so the pointer stays valid across Reset and +=) and then calls
/// Snapshot::Record..., or records into `total` and *s itself. `total` is kept by the recorder,
/// not derived, so a snapshot without names is fine.
///
/// Wire format (version 5), varints are unsigned LEB128, signed ones zigzag (lse/core/byte_codec.hpp):
///   byte 'N', byte kWireVersion (5),
///   signed varint start_ns, signed varint end_ns,
///   RequestStats total                               (request_stats.hpp)
///   varint names                                     (<= kMaxNames)
///   names times, in strictly increasing byte order (no duplicates):
///     varint length (1..kMaxNameLength), length bytes of name, RequestStats stats
///   varint checks                                    (<= kMaxNames)
///   checks times, in strictly increasing byte order:
///     varint length (1..kMaxNameLength), name bytes, varint passes, varint fails
///   varint errors                                    (<= kMaxErrorGroups; version 3)
///   errors times, in strictly increasing byte order (keys of lse/metrics/error_groups.hpp):
///     varint length (1..kMaxErrorKeyLength), key bytes, varint count, signed varint first_seen_ns
///   varint custom metrics                            (<= kMaxCustomMetrics; version 4)
///   custom metrics times, in strictly increasing byte order of their names:
///     varint length (1..kMaxCustomMetricNameLength), name bytes, CustomMetric (custom_metric.hpp)
///   varint generators                                (<= kMaxGenerators; version 5)
///   generators times, in strictly increasing byte order of their ids (IsValidGeneratorId):
///     varint length (1..kMaxGeneratorIdLength), id bytes, GeneratorHealth (generator_health.hpp)
/// Decode rejects anything else (an older version too: agents and coordinator share one build's version,
/// the protocol version checks that first). Memory is bounded: at most kMaxNames entries, each holding two
/// histograms (~432 KiB), so runtimes should fold names beyond kMaxNames into one bucket; at most
/// kMaxGenerators generators, each one lag histogram.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/metrics/custom_metric.hpp"
#include "lse/metrics/error_groups.hpp"
#include "lse/metrics/generator_health.hpp"
#include "lse/metrics/request_stats.hpp"

namespace lse::metrics {

/// Pass/fail counts of one named check (scenario check(name, cond)).
struct CheckCounts {
    std::uint64_t passes = 0;
    std::uint64_t fails = 0;
    CheckCounts& operator+=(const CheckCounts& o) noexcept {
        passes += o.passes;
        fails += o.fails;
        return *this;
    }
    bool operator==(const CheckCounts&) const noexcept = default;
};

struct Snapshot;

/// What Snapshot::AddEncoded read of a message besides adding it, for callers that act on each message (the
/// coordinator: the agent's request rate, its arrivals, its generator health). Reused from message to message.
struct AddSummary {
    struct Row {
        std::string_view name;       ///< points into the encoded bytes: valid while they are
        std::uint64_t requests = 0;  ///< this message's requests of the row
        std::uint64_t dropped = 0;   ///< this message's dropped arrivals of the row
    };
    std::int64_t start_ns = 0;  ///< the message's interval
    std::int64_t end_ns = 0;
    std::uint64_t requests = 0;  ///< the message's total.requests
    std::vector<Row> rows;       ///< by_name, in order
    /// Only `generators` is used: the message's generator health that was added (decoded whole: one lag
    /// histogram each, small), without the ones AddEncoded's only_generator dropped.
    std::unique_ptr<Snapshot> health;
    std::size_t foreign_generators = 0;  ///< generators dropped because their id was not only_generator
};

struct Snapshot {
    static constexpr char kWireTag = 'N';
    static constexpr std::uint8_t kWireVersion = 5;
    static constexpr std::size_t kMaxNames = 1000;
    /// A stat key: four names, a group path and up to 8 tags (lse/metrics/tags.hpp: 64-byte keys, 128-byte values)
    /// fit; the count bound (kMaxNames) is what bounds memory.
    static constexpr std::size_t kMaxNameLength = 4096;
    /// A stat key, two separators, a kind name and a message of kMaxErrorMessageLength bytes.
    static constexpr std::size_t kMaxErrorKeyLength = 4 * kMaxNameLength + 16 + kMaxErrorMessageLength;

    std::int64_t start_ns = 0;  ///< Interval start (monotonic ns); [start_ns, end_ns).
    std::int64_t end_ns = 0;    ///< Interval end; end_ns <= start_ns means "no interval set yet".
    RequestStats total;
    std::map<std::string, RequestStats, std::less<>> by_name;
    std::map<std::string, CheckCounts, std::less<>> checks;  ///< keyed like by_name (see stat_key.hpp)
    /// Failure messages by row, kind and message (lse/metrics/error_groups.hpp).
    std::map<std::string, ErrorSample, std::less<>> errors;
    /// The script's own metrics by name (lsengine.metrics.*; lse/metrics/custom_metric.hpp).
    std::map<std::string, CustomMetric, std::less<>> custom;
    /// The load generators' own health by generator id ("local", or an agent id): generator_health.hpp.
    std::map<std::string, GeneratorHealth, std::less<>> generators;

    bool HasInterval() const noexcept { return end_ns > start_ns; }

    /// Entry for `name`, created empty on first use (allocates then; resolve names at setup).
    RequestStats& ForName(std::string_view name);

    /// Records into `total` and into *named (from ForName; may be null). No allocation.
    void RecordCompletion(RequestStats* named, ErrorKind kind, int status, bool accepted, std::int64_t service_us,
                          std::int64_t response_us, std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
        total.RecordCompletion(kind, status, accepted, service_us, response_us, bytes_in, bytes_out);
        if (named != nullptr) {
            named->RecordCompletion(kind, status, accepted, service_us, response_us, bytes_in, bytes_out);
        }
    }
    void RecordDropped(RequestStats* named, std::uint64_t n = 1) noexcept {
        total.RecordDropped(n);
        if (named != nullptr) named->RecordDropped(n);
    }

    /// The custom metric `name`, created with `kind` on first use (allocates then: resolve at declaration).
    /// An existing metric is returned as it is, whatever its kind: callers compare `kind` themselves. Returns
    /// null when `name` is new and kMaxCustomMetrics metrics exist already.
    CustomMetric* ForCustom(std::string_view name, CustomMetricKind kind);

    /// Adds to the group `key` (MakeErrorKey); a new key beyond kMaxErrorGroups is dropped (counted
    /// nowhere: recorders fold messages long before that bound, see error_groups.hpp).
    void AddError(std::string_view key, const ErrorSample& sample);

    /// Starts a new interval: zeroes all statistics but keeps the names (and their memory), so
    /// pointers from ForName and ForCustom stay valid and nothing is allocated. Error groups are cleared.
    void Reset(std::int64_t new_start_ns = 0, std::int64_t new_end_ns = 0) noexcept;

    /// Merges `other` into this: statistics add up name by name (new names are created), and
    /// the interval becomes the union of both set intervals (an unset one is ignored).
    Snapshot& operator+=(const Snapshot& other);
    bool operator==(const Snapshot& other) const = default;

    void AppendTo(std::string* out) const;
    /// Decodes one Snapshot that must fill all of `in`, replacing *out. Entries of *out whose
    /// names reappear are reused (no allocation when the set of names is stable); others are
    /// erased. On failure returns false, fills *error (when non-null) and leaves *out valid but
    /// unspecified (callers should Reset or discard it).
    static bool Decode(std::string_view in, Snapshot* out, std::string* error);
    /// Decodes from the front of *in, consuming what it reads (for nesting).
    static bool DecodeFrom(std::string_view* in, Snapshot* out, std::string* error);
    /// Adds the snapshot encoded in `in` (all of it) to *into: the same result as Decode into a scratch snapshot
    /// and `*into += scratch`, in one pass and without the scratch (no allocation once *into has the message's
    /// names and histogram pages). This is the coordinator's merge of every agent's interval
    /// (bench/merge_benchmark.cpp). With a non-empty `only_generator`, generator entries of any other id are
    /// skipped and counted in summary->foreign_generators (an agent reports only its own). On failure *into may
    /// hold part of the message: callers that need exact totals must not use *into then.
    static bool AddEncoded(std::string_view in, Snapshot* into, std::string* error, AddSummary* summary = nullptr,
                           std::string_view only_generator = {});
};

}  // namespace lse::metrics
