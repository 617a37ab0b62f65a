#pragma once
/// @file
/// Per-request failure kinds. The hot path reports failures as these codes and
/// counts them; it never throws.

#include <cstdint>
#include <string_view>

namespace lse {

enum class ErrorKind : std::uint8_t {
    kNone = 0,  ///< The request completed at the transport level (status may still be unexpected).
    kDns,       ///< Host name could not be resolved.
    kConnect,   ///< TCP connect refused, unreachable or timed out.
    kTls,       ///< Handshake or certificate verification failed, or a TLS record was bad.
    kTimeout,   ///< The per-request timeout fired before the response completed.
    kReset,     ///< The peer reset or closed the connection before the response completed.
    kParse,     ///< The response was not valid HTTP/1.1.
    kStatus,    ///< The response status was not an accepted one.
    // Iteration-level kinds: why a scripted task iteration failed when no request did.
    kScript,    ///< The script raised an error (reported with file:line and traceback).
    kCheck,     ///< A check() in the iteration failed.
    /// A correlated flow's value (r:json().id, a header, a pattern) could not be taken from a response an agent
    /// received (missing field, body not JSON, no match): counted on that response's request.
    kExtract,
    kCount
};

inline constexpr int kErrorKindCount = static_cast<int>(ErrorKind::kCount);

/// Stable lower-case name ("dns", "connect", ...), used in summaries, JSON and metric labels.
std::string_view ErrorKindName(ErrorKind kind) noexcept;

/// What a failure of this kind means, for a failure that carries no detail of its own ("the connection was
/// closed before the response was complete"). Static text: no allocation.
std::string_view ErrorKindMeaning(ErrorKind kind) noexcept;

/// Inverse of ErrorKindName; returns false when the name is unknown.
bool ParseErrorKind(std::string_view name, ErrorKind* out) noexcept;

}  // namespace lse
