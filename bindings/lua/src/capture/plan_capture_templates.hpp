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
#include <functional>
#include <string>
#include <string_view>

#include "lse/plan/plan.hpp"

namespace lse::lua::capture {

std::string SeqPlaceholder();
std::string RandomPlaceholder(std::int64_t a, std::int64_t b);
std::string UuidPlaceholder();
/// A data file's cell (data_binding.hpp): "~LSE~data~<feed>~<draw>~<column>~", "~LSE~pdata~...~" once a query/form
/// encoder percent-encoded it. ParseTemplate turns it into Segment{kData, a = feed, b = ValueEncoding, column,
/// draw}; ParseJsonTemplate makes a whole JSON string value kJsonValue (a number of a JSON file stays a number).
std::string DataPlaceholder(std::uint32_t feed, std::uint32_t draw, std::uint32_t column);

/// Response values (response_values.hpp) of capture mode: "~LSE~val~<generation>~<id>~" where a script
/// uses one as text, "~LSE~pval~...~" once a query/form encoder percent-encoded it, "~LSE~jval~...~" where
/// the JSON encoder met one as a table field (a whole JSON value). The generation is the task iteration
/// that read the value, so a value kept for a later iteration is recognised. ParseTemplate turns them
/// into Segment{kValue, a = PackValueRef(generation, id), b = plan::ValueEncoding}; the recorder then
/// replaces `a` with the value's slot.
inline constexpr std::int64_t kMaxValueId = std::int64_t{1} << 24;  ///< values per iteration
std::int64_t PackValueRef(std::int64_t generation, std::int64_t id);
std::string ValuePlaceholder(std::int64_t ref, plan::ValueEncoding encoding);
/// True when `text` begins with a response value used as text (http:get(r.headers["location"])).
bool StartsWithValue(std::string_view text);
/// Rewrites the text markers of a query/form encoder's output into percent-encoded markers.
void MarkPercentEncoded(std::string* encoded);

/// True when `text` holds at least one well-formed placeholder.
bool HasPlaceholder(std::string_view text);

/// Splits `text` into literal and placeholder segments (adjacent literals merged; empty text -> no
/// segment). Malformed placeholders stay literal.
plan::Template ParseTemplate(std::string_view text);

/// ParseTemplate for a JSON document: a JSON string that is exactly one seq or random placeholder
/// ("n":"~LSE~seq~") loses its quotes, because in a normal run the script's value is a number and
/// the body says "n":17. (tostring(lsengine.seq()) therefore also becomes a number: documented.)
/// Likewise a string that is exactly a jval marker becomes a whole value (kJsonValue); any other
/// response value in the document is inside a JSON string (kJsonString).
plan::Template ParseJsonTemplate(std::string_view json_text);

/// A response value's label for names ("id", "location", "status"): from its packed reference.
using ValueLabeler = std::function<std::string(std::int64_t ref)>;

/// Human-readable form for stats names: placeholders become {seq}, {random:1:100}, {uuid}, and response
/// values {label} (`label`, or {value} without one).
std::string DisplayText(std::string_view text, const ValueLabeler& label = {});

}  // namespace lse::lua::capture
