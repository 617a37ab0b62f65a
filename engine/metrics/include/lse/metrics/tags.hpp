#pragma once
/// @file
/// Request tags (`tags = { env = "staging" }` per request or per scenario, issue 15): user labels that split a
/// request's stats into rows of their own. In a stat key (stat_key.hpp) they are one field in canonical form:
/// pairs sorted by key, each "key\x1evalue", joined by "\x1d". Keys and values cannot hold control bytes, so
/// the separators never occur inside them, and two requests with the same tags always make the same key.

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lse::metrics {

using Tag = std::pair<std::string, std::string>;  // key, value

inline constexpr char kTagPairSeparator = '\x1d';
inline constexpr char kTagValueSeparator = '\x1e';
inline constexpr std::size_t kMaxTagsPerRequest = 8;
inline constexpr std::size_t kMaxTagKeyBytes = 64;
inline constexpr std::size_t kMaxTagValueBytes = 128;

/// Keys that would collide with the built-in fields of the outputs (Prometheus labels, JSON row fields).
inline constexpr std::array<std::string_view, 14> kReservedTagKeys = {
    "scenario", "task", "request", "name", "group", "status", "kind",
    "le",       "quantile", "method", "url", "phase", "metric", "check"};

/// "scenario, task, ..., check": for messages that reject a reserved key.
std::string ReservedTagKeyList();

/// Empty when `key` may be a tag key; otherwise what is wrong with it (without saying where it came from).
std::string TagKeyProblem(std::string_view key);
/// Empty when `value` may be a tag value; otherwise what is wrong with it.
std::string TagValueProblem(std::string_view value);

/// The canonical form of `tags`: sorted by key (a later pair with the same key wins), joined. Empty for none.
/// Does not check keys or values: callers validate them first (TagKeyProblem, TagValueProblem).
std::string CanonicalTags(std::vector<Tag> tags);

/// Splits a canonical tags string into its pairs (in key order). Returns false, leaving `out` unspecified, for a
/// string that is not what CanonicalTags makes from valid tags (unsorted, a duplicate key, a bad key or value,
/// more than kMaxTagsPerRequest pairs). The empty string is valid: no tags.
bool ParseTags(std::string_view canonical, std::vector<Tag>* out);

/// The pairs of a canonical tags string, without validating them (outputs: the key was validated when made).
std::vector<Tag> SplitTags(std::string_view canonical);

/// "{env=staging,tier=gold}" for text outputs; empty for no tags. `canonical` must be valid.
std::string TagsDisplay(std::string_view canonical);

/// True when the canonical tags string holds the pair key=value.
bool HasTag(std::string_view canonical, std::string_view key, std::string_view value) noexcept;

}  // namespace lse::metrics
