// libFuzzer target: the response extraction an agent runs on every body of a correlated flow
// (lse/plan/extract): FindJsonValue and AppendJsonText on arbitrary bodies, LuaPattern on arbitrary
// patterns and subjects, ParseJsonPath on arbitrary path text.
//
// Input: one selector byte, a path or pattern text (up to 64 bytes), then the body.
//
// Invariants: no crash, UB or stack overflow (the scanner's depth and the matcher's recursion and work
// are bounded); every failure says why; a found value is a slice of the body whose kind matches its first
// byte, that is itself a whole JSON document ("$" finds it again, unchanged) and whose text decodes; a
// match is a slice of the subject; a parsed path formats to text that parses back to it.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lse/plan/extract/json_path.hpp"
#include "lse/plan/extract/lua_pattern.hpp"

namespace {

namespace x = lse::plan::extract;

constexpr const char* kPaths[] = {"$", "$.id", "$.items[0].sku", "$[\"content-type\"]", "$[2].id", "$.a.b.c[1]"};
constexpr const char* kPatterns[] = {"name=\"csrf\" value=\"([%w%-]+)\"", "csrf=(%w+)", "^(.-)%s*$", "(%d+)-(%d+)",
                                     "<(.*)>", "[^%s]+$", "(.-)x(.-)y(.-)z"};

bool Inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckFind(std::string_view body, const x::JsonPath& path) {
    std::string_view raw;
    x::JsonKind kind = x::JsonKind::kCount;
    const char* why = nullptr;
    if (!x::FindJsonValue(body, path, &raw, &kind, &why)) {
        if (why == nullptr || *why == '\0') std::abort();
        return;
    }
    if (raw.empty() || !Inside(raw, body) || kind >= x::JsonKind::kCount) std::abort();
    const char first = raw.front();
    const bool kind_ok = kind == x::JsonKind::kString   ? first == '"'
                         : kind == x::JsonKind::kObject ? first == '{'
                         : kind == x::JsonKind::kArray  ? first == '['
                         : kind == x::JsonKind::kTrue   ? raw == "true"
                         : kind == x::JsonKind::kFalse  ? raw == "false"
                         : kind == x::JsonKind::kNull   ? raw == "null"
                                                        : first == '-' || (first >= '0' && first <= '9');
    if (!kind_ok) std::abort();
    std::string_view again;
    x::JsonKind again_kind;
    if (!x::FindJsonValue(raw, x::JsonPath{}, &again, &again_kind, &why) || again != raw || again_kind != kind) {
        std::abort();
    }
    std::string text;
    if (!x::AppendJsonText(raw, kind, &text)) std::abort();
}

void CheckMatch(const x::LuaPattern& pattern, std::string_view subject) {
    std::string_view value;
    if (pattern.Match(subject, &value) && !Inside(value, subject)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    FuzzedDataProvider provider(data, size);
    const std::uint8_t selector = provider.ConsumeIntegral<std::uint8_t>();
    const std::string text = provider.ConsumeRandomLengthString(64);
    const std::string body = provider.ConsumeRemainingBytesAsString();

    switch (selector % 4) {
        case 0: {  // fixed paths on the body
            for (const char* p : kPaths) {
                x::JsonPath path;
                if (!x::ParseJsonPath(p, &path, nullptr)) std::abort();
                CheckFind(body, path);
            }
            break;
        }
        case 1: {  // an arbitrary path: round trip, then on the body
            x::JsonPath path;
            std::string error;
            if (!x::ParseJsonPath(text, &path, &error)) {
                if (error.empty()) std::abort();
                break;
            }
            x::JsonPath back;
            if (!x::ParseJsonPath(x::FormatJsonPath(path), &back, &error) || !(back == path)) std::abort();
            CheckFind(body, path);
            break;
        }
        case 2: {  // fixed patterns on the body
            for (const char* p : kPatterns) {
                x::LuaPattern pattern;
                if (!pattern.Compile(p, nullptr)) std::abort();
                CheckMatch(pattern, body);
            }
            break;
        }
        default: {  // an arbitrary pattern on the body
            x::LuaPattern pattern;
            std::string error;
            if (!pattern.Compile(text, &error)) {
                if (error.empty()) std::abort();
                break;
            }
            if (pattern.Source() != text) std::abort();
            CheckMatch(pattern, body);
            break;
        }
    }
    return 0;
}
