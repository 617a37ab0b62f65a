#pragma once
/// @file
/// Mergeable statistics of one request name (or of all requests): counters, status codes and
/// two latency histograms. Workers record into it on the hot path with one noexcept,
/// allocation-free call (RecordCompletion); the reporter merges copies with +=.
///
/// Outcome rules (RecordCompletion):
///   - every call is one completed attempt: `requests` += 1, bytes are added whatever happened;
///   - kind == kNone and accepted        -> `ok` += 1, status counted;
///   - kind == kNone and not accepted    -> treated as kStatus (callers may pass either);
///   - kind == kStatus                   -> errors_by_kind[kStatus] += 1, status counted;
///   - any transport error (kDns .. kParse) -> errors_by_kind[kind] += 1, status ignored.
///   - kScript / kCheck (scripted task iterations) -> errors_by_kind[kind] += 1 and, since the
///     iteration ran to its end, both latencies are recorded (status ignored).
///   Latency is recorded only for requests that got a response (kNone or kStatus): a transport
///   failure has no meaningful "response complete" instant (a timeout would just record the
///   timeout value), so failures are counted but not timed.
///   - `dropped` counts arrivals that could not even start (no free connection/VU in time).
///     They are not in `requests` and not in ErrorRate(); the coordinated-omission-corrected
///     response_time_us of the requests that did run still shows the queueing they suffered.
///
/// Wire format (version 2), varints are unsigned LEB128 (lse/core/byte_codec.hpp):
///   byte 'R', byte 0x02, varint requests, varint ok,
///   varint kinds (<= kErrorKindCount; fewer is accepted, missing kinds read as 0),
///   kinds x varint errors_by_kind[i], varint dropped, varint bytes_received, varint bytes_sent,
///   varint bytes_decoded,
///   StatusCounts statuses, Histogram service_time_us, Histogram response_time_us
/// (nested encodings as documented in status_counts.hpp and histogram.hpp).
/// Version 1 (before issue 15) is the same without bytes_decoded; it is still decoded (bytes_decoded = 0).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "lse/core/error_kind.hpp"
#include "lse/metrics/histogram.hpp"
#include "lse/metrics/status_counts.hpp"

namespace lse::metrics {

struct RequestStats {
    static constexpr char kWireTag = 'R';
    static constexpr std::uint8_t kWireVersion = 2;
    static constexpr std::uint8_t kOldestWireVersion = 1;  ///< still decoded: no bytes_decoded

    std::uint64_t requests = 0;  ///< Completed attempts, any outcome (not dropped ones).
    std::uint64_t ok = 0;        ///< Responses with an accepted status.
    /// Failures indexed by ErrorKind; slot kNone stays 0.
    std::array<std::uint64_t, kErrorKindCount> errors_by_kind{};
    StatusCounts statuses;       ///< Status codes of every response received (accepted or not).
    std::uint64_t dropped = 0;   ///< Arrivals that could not start.
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    /// Size after Content-Encoding decoding of the response bodies that were decoded: by a script reading r.body
    /// (or r:json()), or by an agent's body/JSON extraction. Decoding is lazy, so a body nobody read is not
    /// counted here (only in bytes_received, as it came). Not part of RecordCompletion: added when decoded.
    std::uint64_t bytes_decoded = 0;
    Histogram service_time_us;   ///< Request sent -> response complete.
    Histogram response_time_us;  ///< Intended start -> response complete (coordinated-omission corrected).

    /// The hot-path entry point; see the file comment for the rules. No allocation.
    void RecordCompletion(ErrorKind kind, int status, bool accepted, std::int64_t service_us,
                          std::int64_t response_us, std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept;

    /// A response arrived (accepted or not).
    void RecordResponse(int status, bool accepted, std::int64_t service_us, std::int64_t response_us,
                        std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
        RecordCompletion(ErrorKind::kNone, status, accepted, service_us, response_us, bytes_in, bytes_out);
    }
    /// A transport failure (kDns .. kParse); counted, not timed.
    void RecordError(ErrorKind kind, std::uint64_t bytes_in = 0, std::uint64_t bytes_out = 0) noexcept {
        RecordCompletion(kind, 0, false, 0, 0, bytes_in, bytes_out);
    }
    void RecordDropped(std::uint64_t n = 1) noexcept { dropped += n; }
    /// A response body of this row was decoded to `n` bytes (see bytes_decoded).
    void RecordDecoded(std::uint64_t n) noexcept { bytes_decoded += n; }

    /// All failed requests (every kind, including kStatus).
    std::uint64_t ErrorCount() const noexcept;
    std::uint64_t ErrorsOf(ErrorKind kind) const noexcept {
        const auto i = static_cast<std::size_t>(kind);
        return i < errors_by_kind.size() ? errors_by_kind[i] : 0;
    }
    /// ErrorCount() / requests, in [0, 1]; 0 when nothing completed.
    double ErrorRate() const noexcept;

    /// Zeroes everything without freeing the histograms' counters.
    void Reset() noexcept;
    RequestStats& operator+=(const RequestStats& other) noexcept;
    bool operator==(const RequestStats& other) const noexcept = default;

    void AppendTo(std::string* out) const;
    /// Decodes one RequestStats that must fill all of `in`. On failure returns false, fills
    /// *error (when non-null) and leaves *out reset. Reuses *out's histograms: no allocation.
    static bool Decode(std::string_view in, RequestStats* out, std::string* error);
    /// Decodes from the front of *in, consuming what it reads (for nesting).
    static bool DecodeFrom(std::string_view* in, RequestStats* out, std::string* error);
    /// Adds the RequestStats at the front of *in (consuming it) to *into without decoding it first
    /// (Snapshot::AddEncoded): DecodeFrom and += in one pass. On failure *into may hold part of it.
    static bool AddEncoded(std::string_view* in, RequestStats* into, std::string* error);
};

}  // namespace lse::metrics
