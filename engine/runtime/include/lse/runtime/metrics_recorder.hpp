#pragma once
/// @file
/// Per-worker metrics: the loop thread records into plain (unsynchronised)
/// per-name statistics; once a second it publishes the interval into a
/// mutex-protected mailbox that the reporting thread drains. The lock is taken
/// once a second per worker, never per request.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lse/core/error_kind.hpp"
#include "lse/metrics/request_stats.hpp"
#include "lse/metrics/snapshot.hpp"

namespace lse::runtime {

class MetricsRecorder {
public:
    /// Returns the index to record under; same key, same index. Keys follow lse/metrics/stat_key.hpp.
    /// counts_in_total: request entries add into Snapshot::total; task and scenario entries do not
    /// (only their dropped arrivals do). Loop thread only; allocates, so call it at setup or on
    /// the first use of a name, not per request.
    int Register(const std::string& key, bool counts_in_total = true);
    /// Index for a check key (lse/metrics/stat_key.hpp, kind C). Same threading rules as Register.
    int RegisterCheck(const std::string& key);

    /// Hot path, loop thread only. service_us: request sent -> response complete; response_us: intended
    /// start -> response complete (coordinated-omission corrected). Latencies are ignored for transport errors.
    void RecordCompletion(int index, ErrorKind kind, int status, bool accepted, std::int64_t service_us,
                          std::int64_t response_us, std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
        by_index_[static_cast<size_t>(index)].RecordCompletion(kind, status, accepted, service_us, response_us,
                                                                bytes_in, bytes_out);
    }
    /// An arrival that could not start (no idle virtual user or connection).
    void RecordDropped(int index) noexcept { by_index_[static_cast<size_t>(index)].RecordDropped(); }
    void RecordCheck(int check_index, bool passed) noexcept {
        auto& c = checks_[static_cast<size_t>(check_index)];
        (passed ? c.passes : c.fails) += 1;
    }

    /// A failure worth a message (lse/metrics/error_groups.hpp): counted under (index, kind, the message's
    /// first line). Not the per-request hot path of a healthy run: callers record only failures. A
    /// message seen before costs a scan of the row's few groups and no allocation; past
    /// metrics::kMaxGroupsPerRow distinct messages a row folds the rest into one "(other messages)" group.
    /// noexcept: a message that cannot be stored (out of memory) is dropped; the failure itself is counted by
    /// RecordCompletion either way.
    void RecordError(int index, ErrorKind kind, std::string_view message, std::int64_t now_ns) noexcept;

    /// A completed request's reason, for every runner (Lua, native replay, URL mode): nothing for kNone, and nothing
    /// for kStatus (the status tables have it); else `detail` (the transport's words, e.g. "connection refused"),
    /// or what the kind means when the transport gave none.
    void RecordRequestFailure(int index, ErrorKind kind, std::string_view detail, std::int64_t now_ns) noexcept {
        if (kind == ErrorKind::kNone || kind == ErrorKind::kStatus) return;
        RecordError(index, kind, detail.empty() ? ErrorKindMeaning(kind) : detail, now_ns);
    }

    /// Loop thread: moves the current interval into the mailbox (merging if the reader is behind).
    void Publish(std::int64_t interval_start_ns, std::int64_t interval_end_ns);

    /// Any thread: takes what was published since the last call. Returns false if nothing was.
    bool TakePublished(metrics::Snapshot* out);

private:
    void RecordErrorOrThrow(int index, ErrorKind kind, std::string_view message, std::int64_t now_ns);

    std::vector<std::string> names_;
    std::vector<bool> in_total_;
    std::vector<metrics::RequestStats> by_index_;
    struct ErrorGroup {
        ErrorKind kind = ErrorKind::kNone;
        std::string message;  // cleaned (metrics::CleanErrorMessage)
        metrics::ErrorSample sample;
    };
    std::vector<std::vector<ErrorGroup>> errors_by_index_;  // groups stay (count 0) across intervals
    std::vector<std::string> check_names_;
    std::vector<metrics::CheckCounts> checks_;

    std::mutex mu_;
    bool has_published_ = false;
    metrics::Snapshot published_;
};

}  // namespace lse::runtime
