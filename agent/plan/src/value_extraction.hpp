#pragma once
/// @file
/// Applying a step's Extraction rules to its response on an agent (lse/plan/plan.hpp): the value a later
/// request of the same iteration uses, taken natively per response. JSON paths are parsed and patterns
/// compiled once at setup (CompileExtraction); the per-response work (ApplyExtraction) scans the captured
/// response without building a document, without throwing and, once the slot's buffers have grown, without
/// allocating.

#include <string>

#include "lse/http/content_decoding.hpp"
#include "lse/http/result.hpp"
#include "lse/plan/extract/json_path.hpp"
#include "lse/plan/extract/lua_pattern.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/template_expand.hpp"

namespace lse::plan {

/// An Extraction ready to apply; read-only once made, so every worker of an agent shares one.
struct CompiledExtraction {
    Extraction rule;  ///< slot included, but rules that differ only by slot share one compiled form
    extract::JsonPath path;
    extract::LuaPattern pattern;
    bool has_pattern = false;
};

/// Parses the JSON path (kJson) and compiles the pattern. Throws lse::UsageError naming the rule when
/// either is invalid (CheckScenarioPlan refuses such plans first; this is the backstop).
CompiledExtraction CompileExtraction(const Extraction& rule);

/// Takes the value from a response captured with headers and body. True: *slot holds it (ok, text, and for a
/// JSON source without a pattern the token). False: *why (static text) says what was missing; *slot is cleared.
/// No allocation once the slot's buffers have grown; never throws.
bool ApplyExtraction(const CompiledExtraction& x, const http::Result& response, ValueSlot* slot,
                     const char** why) noexcept;
/// The same with the body text given: the response's body decoded (ResponseBodyText), read by body and JSON rules.
bool ApplyExtraction(const CompiledExtraction& x, const http::Result& response, std::string_view body,
                     ValueSlot* slot, const char** why) noexcept;

/// The body as a script's r.body reads it: decoded from its Content-Encoding (gzip, deflate, br) with *decoder
/// (the view is valid until its next use), else response.body itself. False when it does not decode: *why is then
/// the decoder's message (valid until its next use).
bool ResponseBodyText(const http::Result& response, http::ContentDecoder* decoder, std::string_view* body,
                      const char** why) noexcept;

/// What a rule reads, for messages and --dry-run-like text: "status", "header location", "body",
/// "json $.id", each followed by " match '<pattern>'" when it has one. Appends to *out.
void AppendExtractionLabel(const Extraction& rule, std::string* out) noexcept;

/// Lua's tonumber() on text: true when it reads as a finite number (surrounding whitespace allowed, decimal or
/// 0x hex); *normal is then its text as a JSON number: the text itself when it already is one (no precision
/// lost), else the number as Lua prints it (%.14g). Appends to *normal.
bool ReadNumber(std::string_view text, std::string* normal) noexcept;

}  // namespace lse::plan
