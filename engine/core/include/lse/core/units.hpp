#pragma once
/// @file
/// Parsing and printing of the human units used on the command line and in
/// scenarios: durations ("1.5s", "200ms", "2m", "1h30m") and counts ("10k").

#include <cstdint>
#include <string>
#include <string_view>

namespace lse {

/// Parses a duration into nanoseconds. Accepted units: ns, us (or µs), ms, s, m, h;
/// compounds such as "1m30s"; a bare number is rejected (ambiguous) unless
/// default_unit_ns is non-zero. Throws UsageError naming `what` on bad input.
std::int64_t ParseDurationNs(std::string_view text, std::string_view what, std::int64_t default_unit_ns = 0);

/// Non-throwing variant for hot or fuzzed paths: returns false and fills *error.
bool TryParseDurationNs(std::string_view text, std::int64_t default_unit_ns, std::int64_t* out, std::string* error);

/// Parses a non-negative rate or count with an optional k/M suffix ("2.5k" -> 2500).
/// Throws UsageError naming `what` on bad input.
double ParseCount(std::string_view text, std::string_view what);

/// Parses a size in bytes: a whole number with an optional binary unit, B, KiB, MiB or GiB (also k/K/KB, m/M/MB
/// and g/G/GB, all powers of 1024 as nginx reads "64k"): "65536", "64KiB", "1MiB". Throws UsageError naming
/// `what` on bad input or a value that does not fit in 64 bits.
std::uint64_t ParseByteSize(std::string_view text, std::string_view what);

/// Short human form of a duration: "850us", "12.3ms", "1.50s", "2m05s".
std::string FormatDurationNs(std::int64_t ns);

}  // namespace lse
