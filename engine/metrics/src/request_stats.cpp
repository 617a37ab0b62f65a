#include "lse/metrics/request_stats.hpp"

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "request stats";
}  // namespace

void RequestStats::RecordCompletion(ErrorKind kind, int status, bool accepted, std::int64_t service_us,
                                    std::int64_t response_us, std::uint64_t bytes_in,
                                    std::uint64_t bytes_out) noexcept {
    ++requests;
    bytes_received += bytes_in;
    bytes_sent += bytes_out;
    // An out-of-range kind is a caller bug; count it as unparseable rather than write out of bounds.
    if (static_cast<int>(kind) >= kErrorKindCount) kind = ErrorKind::kParse;
    if (kind == ErrorKind::kNone && !accepted) kind = ErrorKind::kStatus;
    if (kind == ErrorKind::kScript || kind == ErrorKind::kCheck) {
        // A scripted iteration that ran to its end but failed: it has a duration worth timing.
        service_time_us.Record(service_us);
        response_time_us.Record(response_us);
    } else if (kind == ErrorKind::kNone || kind == ErrorKind::kStatus || kind == ErrorKind::kExtract) {
        // A response came (for kExtract, one that lacked a value the flow needs): its status and time count.
        statuses.Record(status);
        service_time_us.Record(service_us);
        response_time_us.Record(response_us);
        if (kind == ErrorKind::kNone) {
            ++ok;
            return;
        }
    }
    ++errors_by_kind[static_cast<std::size_t>(kind)];
}

std::uint64_t RequestStats::ErrorCount() const noexcept {
    std::uint64_t sum = 0;
    for (std::size_t i = 1; i < errors_by_kind.size(); ++i) sum += errors_by_kind[i];
    return sum;
}

double RequestStats::ErrorRate() const noexcept {
    return requests == 0 ? 0.0 : static_cast<double>(ErrorCount()) / static_cast<double>(requests);
}

void RequestStats::Reset() noexcept {
    requests = 0;
    ok = 0;
    errors_by_kind.fill(0);
    statuses.Reset();
    dropped = 0;
    bytes_received = 0;
    bytes_sent = 0;
    bytes_decoded = 0;
    service_time_us.Reset();
    response_time_us.Reset();
}

RequestStats& RequestStats::operator+=(const RequestStats& other) noexcept {
    requests += other.requests;
    ok += other.ok;
    for (std::size_t i = 0; i < errors_by_kind.size(); ++i) errors_by_kind[i] += other.errors_by_kind[i];
    statuses += other.statuses;
    dropped += other.dropped;
    bytes_received += other.bytes_received;
    bytes_sent += other.bytes_sent;
    bytes_decoded += other.bytes_decoded;
    service_time_us += other.service_time_us;
    response_time_us += other.response_time_us;
    return *this;
}

void RequestStats::AppendTo(std::string* out) const {
    wire::AppendHeader(out, kWireTag, kWireVersion);
    ByteWriter w(out);
    w.U64(requests);
    w.U64(ok);
    w.U64(errors_by_kind.size());
    for (std::uint64_t e : errors_by_kind) w.U64(e);
    w.U64(dropped);
    w.U64(bytes_received);
    w.U64(bytes_sent);
    w.U64(bytes_decoded);  // version 2
    statuses.AppendTo(out);
    service_time_us.AppendTo(out);
    response_time_us.AppendTo(out);
}

bool RequestStats::Decode(std::string_view in, RequestStats* out, std::string* error) {
    if (!DecodeFrom(&in, out, error)) return false;
    if (!in.empty()) {
        out->Reset();
        return wire::Fail(error, kWhat, "trailing bytes");
    }
    return true;
}

bool RequestStats::DecodeFrom(std::string_view* in, RequestStats* out, std::string* error) {
    out->Reset();
    // Version 1 (an agent of an older build) has no bytes_decoded; anything else must be this build's version.
    const bool v1 = in->size() >= 2 && static_cast<std::uint8_t>((*in)[1]) == kOldestWireVersion;
    if (!wire::ReadHeader(in, kWireTag, v1 ? kOldestWireVersion : kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    out->requests = r.U64("truncated");
    out->ok = r.U64("truncated");
    const std::uint64_t kinds = r.U64("truncated");
    if (!r.ok()) {
        out->Reset();
        return wire::Fail(error, kWhat, r.error());
    }
    if (kinds > out->errors_by_kind.size()) {
        out->Reset();
        return wire::Fail(error, kWhat, "unknown error kinds");
    }
    for (std::uint64_t i = 0; i < kinds; ++i) {
        out->errors_by_kind[static_cast<std::size_t>(i)] = r.U64("truncated error counts");
    }
    if (!r.ok()) {
        out->Reset();
        return wire::Fail(error, kWhat, r.error());
    }
    if (out->errors_by_kind[0] != 0) {  // slot kNone is never counted
        out->Reset();
        return wire::Fail(error, kWhat, "errors counted under kind none");
    }
    out->dropped = r.U64("truncated counters");
    out->bytes_received = r.U64("truncated counters");
    out->bytes_sent = r.U64("truncated counters");
    if (!v1) out->bytes_decoded = r.U64("truncated counters");
    if (!r.ok()) {
        out->Reset();
        return wire::Fail(error, kWhat, r.error());
    }
    // Nested decoders leave their own member reset on failure; reset the rest too.
    if (!StatusCounts::DecodeFrom(in, &out->statuses, error) ||
        !Histogram::DecodeFrom(in, &out->service_time_us, error) ||
        !Histogram::DecodeFrom(in, &out->response_time_us, error)) {
        out->Reset();
        return false;
    }
    return true;
}

bool RequestStats::AddEncoded(std::string_view* in, RequestStats* into, std::string* error) {
    const bool v1 = in->size() >= 2 && static_cast<std::uint8_t>((*in)[1]) == kOldestWireVersion;
    if (!wire::ReadHeader(in, kWireTag, v1 ? kOldestWireVersion : kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    // The counters are read whole before any is added: a bad one adds none of them.
    RequestStats counters;
    counters.requests = r.U64("truncated");
    counters.ok = r.U64("truncated");
    const std::uint64_t kinds = r.U64("truncated");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (kinds > counters.errors_by_kind.size()) return wire::Fail(error, kWhat, "unknown error kinds");
    for (std::uint64_t i = 0; i < kinds; ++i) {
        counters.errors_by_kind[static_cast<std::size_t>(i)] = r.U64("truncated error counts");
    }
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (counters.errors_by_kind[0] != 0) return wire::Fail(error, kWhat, "errors counted under kind none");
    counters.dropped = r.U64("truncated counters");
    counters.bytes_received = r.U64("truncated counters");
    counters.bytes_sent = r.U64("truncated counters");
    if (!v1) counters.bytes_decoded = r.U64("truncated counters");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    into->requests += counters.requests;
    into->ok += counters.ok;
    for (std::size_t i = 0; i < into->errors_by_kind.size(); ++i) into->errors_by_kind[i] += counters.errors_by_kind[i];
    into->dropped += counters.dropped;
    into->bytes_received += counters.bytes_received;
    into->bytes_sent += counters.bytes_sent;
    into->bytes_decoded += counters.bytes_decoded;
    return StatusCounts::AddEncoded(in, &into->statuses, error) &&
           Histogram::AddEncoded(in, &into->service_time_us, error) &&
           Histogram::AddEncoded(in, &into->response_time_us, error);
}

}  // namespace lse::metrics
