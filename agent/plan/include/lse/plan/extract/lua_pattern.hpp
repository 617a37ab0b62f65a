#pragma once
/// @file
/// The subset of Lua patterns a correlated flow may use on response text (r.body:match("csrf=(%w+)")),
/// matched natively by agents with Lua's semantics (find the first match scanning from the left):
///   .            any byte
///   %a %d %l %s %u %w %x %p %c   letters, digits, lower, space, upper, alphanumerics, hex digits,
///                punctuation, control characters (C locale); upper-case letter = complement (%D ...)
///   %x           for a non-alphanumeric x: that byte literally (%. %% %- %[ ...)
///   [set] [^set] with ranges (a-z) and classes (%d) inside
///   * + - ?      after a single-byte item: greedy 0+, greedy 1+, lazy 0+, optional
///   ^ at the start, $ at the end: anchors
///   ( )          captures (up to 8; the value is the first capture, or the whole match without one)
/// Not supported (Compile says so): %b, %f, back-references %1-%9, position captures (), more than 8 captures.
/// The capture validates every pattern with Compile at plan time so a script learns it at --dry-run.

#include <cstdint>
#include <string>
#include <string_view>

namespace lse::plan::extract {

class LuaPattern {
public:
    /// Compiles `pattern`; false with *error ("%b is not supported in lsengine patterns", "malformed pattern
    /// (ends with '%')", "unfinished capture", ...) when it is outside the subset or malformed.
    bool Compile(std::string_view pattern, std::string* error);

    /// The first match in `subject` (Lua's string.match): true with *value = the first capture (or the whole
    /// match). Never allocates; bounded work (no exponential backtracking beyond Lua's own matcher): nesting is
    /// capped at 200 (Lua's MAXCCALLS) and byte tests at 1M + 64 per subject byte; past either bound the
    /// match fails (false), where Lua would report "pattern too complex" or take seconds.
    bool Match(std::string_view subject, std::string_view* value) const noexcept;

    const std::string& Source() const noexcept { return source_; }

private:
    // The matcher walks the validated pattern text itself, as Lua's does (lua_pattern.cpp).
    std::string source_;
    int captures_ = 0;
    bool anchored_ = false;
    int first_byte_ = -1;  ///< a byte every match starts with (the scan jumps to it), or -1
};

}  // namespace lse::plan::extract
