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
#include "lse/http/result.hpp"
#include "lse/metrics/request_stats.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::runtime {

/// The two latencies of one measured span, in microseconds (never negative).
struct Latency {
    std::int64_t service_us = 0;
    std::int64_t response_us = 0;
};

/// The one rule for where response time starts (docs/user-guide.md, "response time"): an iteration is measured
/// from its intended start, or from when it did start if that is earlier (the pacer takes arrivals due within
/// a few microseconds, so intended may be a little later than the start: response time never drops below
/// the time actually spent). 0 (no intended start: a hook, a closed-model VU) means "when it started".
constexpr std::int64_t CoordinatedOmissionStart(std::int64_t intended_ns, std::int64_t started_ns) noexcept {
    return intended_ns > 0 && intended_ns < started_ns ? intended_ns : started_ns;
}

/// One request/response exchange's latencies from its own timestamps (no clock read):
///   * service: sent (write_start) -> done; a request never written (failed on connect) has none.
///   * response: queued (the http call) -> done, plus the iteration's start delay (started - intended, see
///     CoordinatedOmissionStart): every request of a late iteration is that late.
/// intended_ns / started_ns are the iteration's; for an iteration that is one request sent when it starts
/// (URL mode) pass started_ns = t.queued_ns, which makes response = done - intended.
/// Missing phases fall back to the next one (queued -> sent -> done); done_ns is set by the client before
/// on_done, and a zero done_ns falls back to the latest phase there is (no service time, never garbage).
constexpr Latency MeasureExchange(const http::Timings& t, std::int64_t intended_ns, std::int64_t started_ns) noexcept {
    const std::int64_t latest = t.write_start_ns > t.queued_ns ? t.write_start_ns : t.queued_ns;
    const std::int64_t done = t.done_ns > 0 ? t.done_ns : latest;
    const std::int64_t sent = t.write_start_ns > 0 ? t.write_start_ns : done;
    const std::int64_t queued = t.queued_ns > 0 ? t.queued_ns : sent;
    const std::int64_t lag = started_ns - CoordinatedOmissionStart(intended_ns, started_ns);
    Latency l;
    l.service_us = done > sent ? (done - sent) / 1000 : 0;
    l.response_us = done - queued + lag > 0 ? (done - queued + lag) / 1000 : 0;
    return l;
}

/// A whole run (an iteration, or a hook) that started at started_ns and ended at end_ns: service is its
/// duration, response runs from CoordinatedOmissionStart(intended_ns, started_ns).
constexpr Latency MeasureRun(std::int64_t intended_ns, std::int64_t started_ns, std::int64_t end_ns) noexcept {
    const std::int64_t from = CoordinatedOmissionStart(intended_ns, started_ns);
    Latency l;
    l.service_us = end_ns > started_ns ? (end_ns - started_ns) / 1000 : 0;
    l.response_us = end_ns > from ? (end_ns - from) / 1000 : 0;
    return l;
}

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
    /// The one measurement of a completed exchange, for every runner (Lua, native replay, URL mode): the accepted
    /// check (a full response whose status is not in `accepted` is a kStatus failure), the latencies
    /// (MeasureExchange), the counts, and the failure's reason (RecordRequestFailure). Returns the exchange's
    /// kind: r.error, or kStatus. Hot path: no allocation on success, never throws.
    ErrorKind RecordExchange(int index, const http::Result& r, const StatusSet& accepted, std::int64_t intended_ns,
                             std::int64_t started_ns) noexcept {
        ErrorKind kind = r.error;
        bool ok = false;
        if (kind == ErrorKind::kNone) {
            ok = accepted.Contains(r.status);
            if (!ok) kind = ErrorKind::kStatus;
        }
        const Latency l = MeasureExchange(r.t, intended_ns, started_ns);
        RecordCompletion(index, kind, r.status, ok, l.service_us, l.response_us, r.bytes_received, r.bytes_sent);
        RecordRequestFailure(index, kind, r.error_detail, r.t.done_ns);
        return kind;
    }
    /// A task's iteration or a hook that ended at end_ns with `failure` (kNone: it succeeded), measured by MeasureRun.
    void RecordRun(int index, ErrorKind failure, std::int64_t intended_ns, std::int64_t started_ns,
                   std::int64_t end_ns) noexcept {
        const Latency l = MeasureRun(intended_ns, started_ns, end_ns);
        RecordCompletion(index, failure, 0, failure == ErrorKind::kNone, l.service_us, l.response_us, 0, 0);
    }
    /// An arrival that could not start (no idle virtual user or connection).
    void RecordDropped(int index) noexcept { by_index_[static_cast<size_t>(index)].RecordDropped(); }
    /// A response body of row `index` was decoded (Content-Encoding) to `bytes` bytes; in the interval it is
    /// decoded in, which may be after the one its request completed in (a script reads r.body later).
    void RecordDecoded(int index, std::uint64_t bytes) noexcept {
        by_index_[static_cast<size_t>(index)].RecordDecoded(bytes);
    }
    void RecordCheck(int check_index, bool passed) noexcept {
        auto& c = checks_[static_cast<size_t>(check_index)];
        (passed ? c.passes : c.fails) += 1;
    }

    /// The script's metric `name` (lsengine.metrics.*), created with `kind` on first use; an existing one is
    /// returned whatever its kind (the caller compares). The pointer stays valid for the recorder's life, so
    /// a binding resolves it once at declaration and then calls CustomMetric::Add on the hot path (no
    /// allocation, loop thread only). Null when `name` is new and metrics::kMaxCustomMetrics exist. Every
    /// declared metric is published each interval, with count 0 when it got no sample.
    metrics::CustomMetric* Custom(std::string_view name, metrics::CustomMetricKind kind) {
        return custom_.ForCustom(name, kind);
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

    /// This worker thread's own health in the current interval (loop lag, arrivals, sockets: generator_health.hpp),
    /// loop thread only. Published with the interval under the id given to SetGenerator; nothing is published for
    /// health before an id is set.
    metrics::GeneratorHealth& Health() noexcept { return health_; }
    /// Loop thread, at setup: the generator id this worker's health is published under (LoadSpec::generator_id).
    void SetGenerator(std::string id) { generator_ = std::move(id); }

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
    metrics::Snapshot custom_;  // only its `custom` map is used: the script's metrics of this interval
    std::string generator_;     // empty: health is not published
    metrics::GeneratorHealth health_;

    std::mutex mu_;
    bool has_published_ = false;
    metrics::Snapshot published_;
};

}  // namespace lse::runtime
