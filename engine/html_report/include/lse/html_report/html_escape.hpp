#pragma once
/// @file
/// Escaping for the two places the HTML report puts user-controlled text (scenario, task, request and
/// check names, config values): HTML text/attributes, and JSON inside a <script> element.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lse::html_report {

/// Escapes & < > " ' and replaces control characters with '?', for text and quoted attribute values.
std::string HtmlEscape(std::string_view text);

/// Serialises `value` for <script type="application/json">: every '<', '>' and '&' becomes a \u escape
/// (so neither "</script" nor "<!--" can occur; the JSON still parses to the same value) and invalid
/// UTF-8 becomes U+FFFD instead of throwing.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace lse::html_report
