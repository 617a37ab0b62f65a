#pragma once
/// @file
/// Placeholders for per-iteration values in capture mode. While a task is captured,
/// lsengine.seq(), lsengine.random(a, b) and lsengine.uuid() return placeholder strings instead of
/// values; wherever the script puts them (URL path or query, header values, body, inside JSON) they
/// come back out of the captured request as plan::Template segments the agent expands per iteration.
///
/// The placeholders use only RFC 3986 unreserved characters ("~LSE~seq~", "~LSE~random~1~100~",
/// "~LSE~uuid~"), so percent-encoding (query, form), JSON encoding and the path check leave them
/// intact; they are not numbers, so arithmetic on them is a Lua error (reported by the capture).

#include <cstdint>
#include <string>
#include <string_view>

#include "lse/plan/plan.hpp"

namespace lse::lua::capture {

std::string SeqPlaceholder();
std::string RandomPlaceholder(std::int64_t a, std::int64_t b);
std::string UuidPlaceholder();

/// True when `text` holds at least one well-formed placeholder.
bool HasPlaceholder(std::string_view text);

/// Splits `text` into literal and placeholder segments (adjacent literals merged; empty text -> no
/// segment). Malformed placeholders stay literal.
plan::Template ParseTemplate(std::string_view text);

/// ParseTemplate for a JSON document: a JSON string that is exactly one seq or random placeholder
/// ("n":"~LSE~seq~") loses its quotes, because in a normal run the script's value is a number and
/// the body says "n":17. (tostring(lsengine.seq()) therefore also becomes a number: documented.)
plan::Template ParseJsonTemplate(std::string_view json_text);

/// Human-readable form for stats names: placeholders become {seq}, {random:1:100}, {uuid}.
std::string DisplayText(std::string_view text);

}  // namespace lse::lua::capture
