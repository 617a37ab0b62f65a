#include "value_extraction.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/http/request.hpp"
#include "lse/plan/extract/json_path.hpp"

namespace lse::plan {
namespace {

bool IsLuaSpace(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

bool ReadNumber(std::string_view text, std::string* normal) noexcept {
    while (!text.empty() && IsLuaSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && IsLuaSpace(text.back())) text.remove_suffix(1);
    if (extract::IsJsonNumber(text)) {
        normal->append(text);
        return true;
    }
    // Lua's other number forms ("+5", ".5", "5.", "0x1F", "007"): read as Lua reads them, written as it prints them.
    char buf[64];
    if (text.empty() || text.size() >= sizeof buf) return false;
    text.copy(buf, text.size());
    buf[text.size()] = '\0';
    char* end = nullptr;
    const double d = std::strtod(buf, &end);
    if (end != buf + text.size() || !std::isfinite(d)) return false;  // strtod takes "inf" and "nan": Lua does not
    char out[32];
    const int n = std::snprintf(out, sizeof out, "%.14g", d);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof out) return false;
    normal->append(out, static_cast<size_t>(n));
    return true;
}

CompiledExtraction CompileExtraction(const Extraction& rule) {
    CompiledExtraction x;
    x.rule = rule;
    std::string error;
    if (rule.source == Extraction::Source::kJson && !extract::ParseJsonPath(rule.key, &x.path, &error)) {
        throw UsageError("invalid JSON path '" + rule.key + "': " + error);
    }
    if (!rule.pattern.empty()) {
        if (!x.pattern.Compile(rule.pattern, &error)) {
            throw UsageError("invalid pattern '" + rule.pattern + "': " + error);
        }
        x.has_pattern = true;
    }
    return x;
}

bool ResponseBodyText(const http::Result& response, http::ContentDecoder* decoder, std::string_view* body,
                      const char** why) noexcept {
    *body = response.body;
    if (response.body.empty()) return true;
    for (const auto& [name, value] : response.headers) {
        if (name != "content-encoding") continue;  // names are lower-case in a captured response
        if (decoder->Decode(value, response.body, body)) return true;
        *why = decoder->Error().c_str();
        return false;
    }
    return true;
}

bool ApplyExtraction(const CompiledExtraction& x, const http::Result& response, ValueSlot* slot,
                     const char** why) noexcept {
    return ApplyExtraction(x, response, response.body, slot, why);
}

bool ApplyExtraction(const CompiledExtraction& x, const http::Result& response, std::string_view body,
                     ValueSlot* slot, const char** why) noexcept {
    slot->Clear();
    std::string& text = slot->text;
    switch (x.rule.source) {
        case Extraction::Source::kStatus: {
            char digits[16];
            const auto r = std::to_chars(digits, digits + sizeof digits, response.status);
            text.append(digits, static_cast<size_t>(r.ptr - digits));
            break;
        }
        case Extraction::Source::kHeader: {
            // As r.headers[name] in Lua: a repeated header's values joined with ", ".
            bool found = false;
            for (const auto& [name, value] : response.headers) {
                if (!http::HeaderNameEquals(name, x.rule.key)) continue;
                if (found) text.append(", ");
                text.append(http::TrimHeaderValue(value));
                found = true;
            }
            if (!found) {
                *why = "no such header in the response";
                return false;
            }
            break;
        }
        case Extraction::Source::kBody:
            text.append(body);
            break;
        case Extraction::Source::kJson: {
            std::string_view raw;
            extract::JsonKind kind = extract::JsonKind::kNull;
            if (!extract::FindJsonValue(body, x.path, &raw, &kind, why)) return false;
            if (!extract::AppendJsonText(raw, kind, &text)) {
                *why = "the JSON string has an invalid escape";
                text.clear();
                return false;
            }
            slot->raw.append(raw);
            slot->kind = kind;
            slot->json = true;
            break;
        }
        case Extraction::Source::kCount:
            *why = "unknown source";
            return false;
    }
    if (x.has_pattern) {
        std::string_view match;
        if (!x.pattern.Match(text, &match)) {
            *why = "the pattern does not match";
            slot->Clear();
            return false;
        }
        // The match is a view into text: keep just it, in place.
        const size_t at = static_cast<size_t>(match.data() - text.data());
        const size_t length = match.size();
        text.erase(0, at);
        text.resize(length);
        slot->raw.clear();
        slot->json = false;  // a match is text, whatever it was taken from
    }
    if (x.rule.number) {
        slot->raw.clear();
        if (!ReadNumber(text, &slot->raw)) {
            *why = "not a number";
            slot->Clear();
            return false;
        }
        std::swap(text, slot->raw);
        slot->raw.clear();
        slot->json = false;
        slot->number = true;
    }
    slot->ok = true;
    return true;
}

void AppendExtractionLabel(const Extraction& rule, std::string* out) noexcept {
    switch (rule.source) {
        case Extraction::Source::kStatus: out->append("status"); break;
        case Extraction::Source::kHeader: out->append("header ").append(rule.key); break;
        case Extraction::Source::kBody: out->append("body"); break;
        case Extraction::Source::kJson: out->append("json ").append(rule.key); break;
        case Extraction::Source::kCount: out->append("?"); break;
    }
    if (!rule.pattern.empty()) out->append(" match '").append(rule.pattern).append("'");
}

}  // namespace lse::plan
