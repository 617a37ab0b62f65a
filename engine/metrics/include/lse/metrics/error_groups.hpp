#pragma once
/// @file
/// Failure messages grouped by where and why they happened, so a run can say *what* went wrong and not
/// only how often: "task 'buy': script: checkout.lua:12: attempt to call global 'chek' (a nil value) x 812,
/// first at 0.4 s", or "request 'GET /': tls: certificate verify failed: self-signed certificate x 8".
///
/// A group is keyed by the row it belongs to (a stat key, lse/metrics/stat_key.hpp: a request name, a task's
/// iterations or a lifecycle phase), the ErrorKind and the message's first line:
///
///   "<stat key>\x1e<kind name>\x1e<message>"
///
/// The record separator (0x1e) does not occur in stat keys, and messages are cleaned of control bytes
/// (CleanErrorMessage), so the key splits back unambiguously. Counts add up and first_seen_ns takes the
/// earliest across workers and agents (same clock as Snapshot::start_ns).
///
/// Bounds: a message is cut to kMaxErrorMessageLength bytes; a recorder keeps at most kMaxGroupsPerRow
/// distinct messages per row and folds the rest into one group whose message is kOtherMessages; a
/// Snapshot carries at most kMaxErrorGroups groups (wire decode rejects more), so memory stays bounded
/// whatever a script puts into its error messages.

#include <cstdint>
#include <string>
#include <string_view>

#include "lse/core/error_kind.hpp"

namespace lse::metrics {

struct ErrorSample {
    std::uint64_t count = 0;
    std::int64_t first_seen_ns = 0;  ///< 0: unknown

    ErrorSample& operator+=(const ErrorSample& o) noexcept {
        count += o.count;
        if (o.first_seen_ns != 0 && (first_seen_ns == 0 || o.first_seen_ns < first_seen_ns)) {
            first_seen_ns = o.first_seen_ns;
        }
        return *this;
    }
    bool operator==(const ErrorSample&) const noexcept = default;
};

inline constexpr char kErrorKeySeparator = '\x1e';
inline constexpr std::size_t kMaxErrorMessageLength = 300;
inline constexpr std::size_t kMaxGroupsPerRow = 8;
inline constexpr std::size_t kMaxErrorGroups = 512;
inline constexpr std::string_view kOtherMessages = "(other messages)";

struct ErrorKey {
    std::string row;  ///< stat key of the row (lse/metrics/stat_key.hpp)
    ErrorKind kind = ErrorKind::kNone;
    std::string message;
};

/// The first line of `text`, control bytes replaced by '?', cut to kMaxErrorMessageLength bytes (on a
/// UTF-8 character boundary); "(no message)" when that leaves nothing.
std::string CleanErrorMessage(std::string_view text);

/// Builds the key; `message` must already be clean (CleanErrorMessage).
std::string MakeErrorKey(std::string_view row, ErrorKind kind, std::string_view message);

/// Returns false for a string that is not a key made by MakeErrorKey.
bool ParseErrorKey(std::string_view key, ErrorKey* out);

}  // namespace lse::metrics
