#pragma once
/// @file
/// What one request/response exchange produced: outcome, status, byte counts and the phase timestamps
/// the metrics are computed from.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lse/core/error_kind.hpp"

namespace lse::http {

/// Absolute monotonic timestamps (uv_hrtime() nanoseconds); 0 when the phase was not reached.
/// connect_start/connected/tls_done are set only when the exchange ran on a connection opened for it
/// (or opened while it waited); they stay 0 on a reused keep-alive connection.
struct Timings {
    std::int64_t queued_ns = 0;         ///< Send() was called.
    std::int64_t connect_start_ns = 0;  ///< TCP connect started (after DNS).
    std::int64_t connected_ns = 0;      ///< TCP connection established.
    std::int64_t tls_done_ns = 0;       ///< TLS handshake finished (https only).
    std::int64_t write_start_ns = 0;    ///< The request was handed to the socket ("sent").
    std::int64_t first_byte_ns = 0;     ///< First response byte arrived (= done_ns when the whole response came in one read).
    std::int64_t done_ns = 0;           ///< Completion (success or failure).
};

struct Result {
    /// kNone: a full response was parsed (whatever its status). kStatus is never set here: the caller
    /// decides which statuses are acceptable.
    lse::ErrorKind error = lse::ErrorKind::kNone;
    int status = 0;                     ///< Final (non-1xx) status; 0 when no status line was parsed.
    std::uint64_t bytes_sent = 0;       ///< Request bytes written (HTTP bytes, before TLS).
    std::uint64_t bytes_received = 0;   ///< Response bytes read (HTTP bytes, after TLS), 1xx included.
    bool reused_connection = false;     ///< The final attempt ran on a connection that had served before.
    int attempts = 0;                   ///< 1, or 2 after a retry on a fresh connection.
    Timings t;
    /// Filled only when capture is on, or on DNS/connect/TLS errors (rare; may allocate).
    std::string error_detail;
    /// Captured only when Exchange::capture is set: names lower-cased, in arrival order (chunked trailers
    /// appended after the headers). Cleared at every use (ClearHeaders); filled with AddHeader.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  ///< Captured only when Exchange::capture is set (decoded from chunked).

    /// Resets everything for a new exchange, keeping the capacity of the capture buffers.
    void Clear() noexcept {
        error = lse::ErrorKind::kNone;
        status = 0;
        bytes_sent = 0;
        bytes_received = 0;
        reused_connection = false;
        attempts = 0;
        t = Timings{};
        error_detail.clear();
        ClearHeaders();
        body.clear();
    }

    /// Empties `headers` but keeps each entry's strings (and their buffers) for AddHeader: a
    /// response's header values (a Date is 29 bytes, past the small-string buffer) cost no
    /// allocation once a Result has seen as many headers.
    void ClearHeaders() noexcept {
        for (auto& h : headers) spare_headers_.push_back(std::move(h));
        headers.clear();
    }
    /// Appends an empty header entry, reusing a cleared one's buffers when there is one.
    std::pair<std::string, std::string>& AddHeader() {
        if (spare_headers_.empty()) return headers.emplace_back();
        headers.push_back(std::move(spare_headers_.back()));
        spare_headers_.pop_back();
        auto& h = headers.back();
        h.first.clear();
        h.second.clear();
        return h;
    }

private:
    std::vector<std::pair<std::string, std::string>> spare_headers_;
};

}  // namespace lse::http
