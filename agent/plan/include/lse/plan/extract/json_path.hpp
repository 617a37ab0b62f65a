#pragma once
/// @file
/// JSON path extraction without a DOM: what an agent runs on every response a correlated flow reads
/// (r:json().items[1].sku), so it must not build a tree, throw or allocate per response.
///
/// Path syntax (written by the capture, shown by --dry-run, parsed once at setup):
///   $                  the document itself
///   .name              object member; name is [A-Za-z_][A-Za-z0-9_]*
///   ["any key"]        object member with any key (JSON string escapes inside the quotes)
///   [N]                array element, 0-based (Lua's items[1] is [0])
/// e.g. $.items[0].sku, $["content-type"], $[2].id
///
/// FindJsonValue scans the document once, left to right, skipping (and validating as it skips) every
/// value that is not on the path. When an object repeats a key, the last occurrence wins (as a DOM
/// parser such as lsengine's Lua json() keeps it).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lse::plan::extract {

struct JsonPath {
    struct Step {
        bool is_index = false;
        std::string key;          ///< member name (decoded), when !is_index
        std::uint32_t index = 0;  ///< element, when is_index
        bool operator==(const Step&) const = default;
    };
    std::vector<Step> steps;
    bool operator==(const JsonPath&) const = default;
};

/// Parses a path; false with *error (naming the offending position) when it is not valid.
bool ParseJsonPath(std::string_view text, JsonPath* out, std::string* error);

/// The canonical text of a path (identifier keys as .name, others as ["..."]): ParseJsonPath's inverse.
std::string FormatJsonPath(const JsonPath& path);

enum class JsonKind : std::uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray, kCount };

/// Finds the value at `path` in `json`. True: *raw is the value's exact JSON text (a string with its quotes
/// and escapes, an object with its braces) and *kind its kind. False: *why says why, as static text ("the body
/// is not JSON", "no such member", "index past the end of the array", "not an object", "not an array"; the
/// caller adds which step and path): the document is not valid JSON, a member is missing, an index is past the
/// end, or a step expects an object/array and finds something else. Never throws, never allocates.
bool FindJsonValue(std::string_view json, const JsonPath& path, std::string_view* raw, JsonKind* kind,
                   const char** why) noexcept;

/// The text a JSON value stands for in a string context (concatenation, headers, patterns): a string's
/// decoded characters (escapes resolved, \uXXXX to UTF-8, surrogate pairs joined), any other token as is.
/// Appends to *out. False when a string token has an invalid escape.
bool AppendJsonText(std::string_view raw, JsonKind kind, std::string* out) noexcept;

/// True when the whole of `s` is one RFC 8259 number (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), the
/// grammar FindJsonValue scans numbers by.
bool IsJsonNumber(std::string_view s) noexcept;

}  // namespace lse::plan::extract
