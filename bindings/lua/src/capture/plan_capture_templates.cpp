#include "plan_capture_templates.hpp"

#include <charconv>
#include <optional>

namespace lse::lua::capture {
namespace {

using plan::Segment;
using plan::Template;

constexpr std::string_view kPrefix = "~LSE~";

constexpr std::string_view kRawValue = "val~";
constexpr std::string_view kPercentValue = "pval~";
constexpr std::string_view kJsonValue = "jval~";

constexpr std::string_view kRawData = "data~";
constexpr std::string_view kPercentData = "pdata~";

// The value marker `rest` starts with: its encoding and length.
std::optional<std::pair<plan::ValueEncoding, std::size_t>> ValueMarker(std::string_view rest) {
    if (rest.substr(0, kRawValue.size()) == kRawValue) return std::pair(plan::ValueEncoding::kRaw, kRawValue.size());
    if (rest.substr(0, kPercentValue.size()) == kPercentValue) {
        return std::pair(plan::ValueEncoding::kPercent, kPercentValue.size());
    }
    if (rest.substr(0, kJsonValue.size()) == kJsonValue) {
        return std::pair(plan::ValueEncoding::kJsonValue, kJsonValue.size());
    }
    return std::nullopt;
}

struct Parsed {
    Segment segment;
    std::size_t length = 0;  // characters consumed, from the prefix on
};

// Reads "<int>~" at text[*pos]; advances past the '~'.
bool ReadInt(std::string_view text, std::size_t* pos, std::int64_t* out) {
    const char* begin = text.data() + *pos;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, *out);
    if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '~') return false;
    *pos = static_cast<std::size_t>(ptr - text.data()) + 1;
    return true;
}

// A placeholder starting at text[at] (which holds kPrefix), if well formed.
std::optional<Parsed> ParseAt(std::string_view text, std::size_t at) {
    std::size_t pos = at + kPrefix.size();
    std::string_view rest = text.substr(pos);
    Parsed p;
    if (rest.substr(0, 4) == "seq~") {
        p.segment.kind = Segment::Kind::kSeq;
        pos += 4;
    } else if (rest.substr(0, 5) == "uuid~") {
        p.segment.kind = Segment::Kind::kUuid;
        pos += 5;
    } else if (auto encoding = ValueMarker(rest)) {
        // "val~<gen>~<id>~" and its variants: a response value (response_values.hpp). a = the packed reference
        // (ValueRef), which the recorder replaces with the value's slot; b = how the value is written there.
        pos += encoding->second;
        p.segment.kind = Segment::Kind::kValue;
        std::int64_t gen = 0;
        std::int64_t id = 0;
        if (!ReadInt(text, &pos, &gen) || !ReadInt(text, &pos, &id) || gen < 0 || id < 0 || id >= kMaxValueId) {
            return std::nullopt;
        }
        p.segment.a = PackValueRef(gen, id);
        p.segment.b = static_cast<std::int64_t>(encoding->first);
    } else if (rest.substr(0, kRawData.size()) == kRawData || rest.substr(0, kPercentData.size()) == kPercentData) {
        const bool percent = rest.substr(0, kPercentData.size()) == kPercentData;
        pos += percent ? kPercentData.size() : kRawData.size();
        p.segment.kind = Segment::Kind::kData;
        std::int64_t feed = 0;
        std::int64_t draw = 0;
        std::int64_t column = 0;
        if (!ReadInt(text, &pos, &feed) || !ReadInt(text, &pos, &draw) || !ReadInt(text, &pos, &column) || feed < 0 ||
            draw < 0 || column < 0 || draw > UINT32_MAX || column > UINT32_MAX) {
            return std::nullopt;
        }
        p.segment.a = feed;
        p.segment.b = static_cast<std::int64_t>(percent ? plan::ValueEncoding::kPercent : plan::ValueEncoding::kRaw);
        p.segment.draw = static_cast<std::uint32_t>(draw);
        p.segment.column = static_cast<std::uint32_t>(column);
    } else if (rest.substr(0, 7) == "random~") {
        pos += 7;
        p.segment.kind = Segment::Kind::kRandom;
        if (!ReadInt(text, &pos, &p.segment.a) || !ReadInt(text, &pos, &p.segment.b)) return std::nullopt;
    } else {
        return std::nullopt;
    }
    p.length = pos - at;
    return p;
}

void AppendLiteral(Template* t, std::string_view text) {
    if (text.empty()) return;
    if (!t->segments.empty() && t->segments.back().kind == Segment::Kind::kLiteral) {
        t->segments.back().text.append(text);
        return;
    }
    Segment s;
    s.text.assign(text);
    t->segments.push_back(std::move(s));
}

// Calls literal(text) and placeholder(segment) in order over `text`.
template <typename OnLiteral, typename OnPlaceholder>
void Scan(std::string_view text, OnLiteral literal, OnPlaceholder placeholder) {
    std::size_t done = 0;
    std::size_t at = text.find(kPrefix);
    while (at != std::string_view::npos) {
        if (auto p = ParseAt(text, at)) {
            literal(text.substr(done, at - done));
            placeholder(p->segment);
            done = at + p->length;
            at = text.find(kPrefix, done);
        } else {
            at = text.find(kPrefix, at + 1);
        }
    }
    literal(text.substr(done));
}

bool IsNumeric(const Segment& s) { return s.kind == Segment::Kind::kSeq || s.kind == Segment::Kind::kRandom; }
bool IsData(const Segment& s) { return s.kind == Segment::Kind::kData; }

bool IsValue(const Segment& s, plan::ValueEncoding e) {
    return s.kind == Segment::Kind::kValue && s.b == static_cast<std::int64_t>(e);
}

}  // namespace

std::string SeqPlaceholder() { return std::string(kPrefix) + "seq~"; }

std::string RandomPlaceholder(std::int64_t a, std::int64_t b) {
    return std::string(kPrefix) + "random~" + std::to_string(a) + "~" + std::to_string(b) + "~";
}

std::string UuidPlaceholder() { return std::string(kPrefix) + "uuid~"; }

std::string DataPlaceholder(std::uint32_t feed, std::uint32_t draw, std::uint32_t column) {
    return std::string(kPrefix) + std::string(kRawData) + std::to_string(feed) + "~" + std::to_string(draw) + "~" +
           std::to_string(column) + "~";
}

std::int64_t PackValueRef(std::int64_t generation, std::int64_t id) { return generation * kMaxValueId + id; }

std::string ValuePlaceholder(std::int64_t ref, plan::ValueEncoding encoding) {
    std::string_view marker = kRawValue;
    if (encoding == plan::ValueEncoding::kPercent) marker = kPercentValue;
    if (encoding == plan::ValueEncoding::kJsonValue) marker = kJsonValue;
    return std::string(kPrefix) + std::string(marker) + std::to_string(ref / kMaxValueId) + "~" +
           std::to_string(ref % kMaxValueId) + "~";
}

bool StartsWithValue(std::string_view text) {
    return text.substr(0, kPrefix.size()) == kPrefix && text.substr(kPrefix.size(), kRawValue.size()) == kRawValue;
}

void MarkPercentEncoded(std::string* encoded) {
    const std::pair<std::string_view, std::string_view> markers[] = {{kRawValue, kPercentValue}, {kRawData, kPercentData}};
    for (const auto& [raw_marker, percent_marker] : markers) {
        const std::string raw = std::string(kPrefix) + std::string(raw_marker);
        const std::string percent = std::string(kPrefix) + std::string(percent_marker);
        for (std::size_t at = encoded->find(raw); at != std::string::npos;
             at = encoded->find(raw, at + percent.size())) {
            encoded->replace(at, raw.size(), percent);
        }
    }
}

bool HasPlaceholder(std::string_view text) {
    bool found = false;
    Scan(text, [](std::string_view) {}, [&found](const Segment&) { found = true; });
    return found;
}

Template ParseTemplate(std::string_view text) {
    Template t;
    Scan(text, [&t](std::string_view lit) { AppendLiteral(&t, lit); }, [&t](const Segment& s) { t.segments.push_back(s); });
    return t;
}

Template ParseJsonTemplate(std::string_view json_text) {
    Template in = ParseTemplate(json_text);
    Template out;
    for (std::size_t i = 0; i < in.segments.size(); ++i) {
        const Segment& s = in.segments[i];
        if (s.kind == Segment::Kind::kLiteral) {
            AppendLiteral(&out, s.text);
            continue;
        }
        // A response value the JSON encoder met as a table field (jval) is a whole value: its quotes go. One that
        // came inside a string ("a-" .. id, tostring(id)) stays inside it, JSON-escaped.
        const bool json_value = IsValue(s, plan::ValueEncoding::kJsonValue);
        if (s.kind == Segment::Kind::kValue && !json_value) {
            Segment inside = s;
            inside.b = static_cast<std::int64_t>(plan::ValueEncoding::kJsonString);
            out.segments.push_back(std::move(inside));
            continue;
        }
        // A whole JSON string value: an opening quote after a structural character (never after a
        // backslash: that would be an escaped quote inside a string) and a closing quote before one.
        // A data cell as a whole string value is written as the cell's own JSON (a JSON file's number stays a number,
        // as the Lua value was one; a CSV cell is a string); inside a string it is JSON-escaped.
        const bool whole = (IsNumeric(s) || json_value || IsData(s)) && !out.segments.empty() &&
                           out.segments.back().kind == Segment::Kind::kLiteral &&
                           i + 1 < in.segments.size() && in.segments[i + 1].kind == Segment::Kind::kLiteral;
        if (whole) {
            std::string& before = out.segments.back().text;
            const std::string& after = in.segments[i + 1].text;
            const bool opens = before.back() == '"' &&
                               (before.size() == 1 || before[before.size() - 2] == ':' ||
                                before[before.size() - 2] == ',' || before[before.size() - 2] == '[');
            const bool closes = after.front() == '"' &&
                                (after.size() == 1 || after[1] == ',' || after[1] == '}' || after[1] == ']');
            if (opens && closes) {
                before.pop_back();
                if (before.empty()) out.segments.pop_back();
                Segment w = s;
                if (IsData(s)) w.b = static_cast<std::int64_t>(plan::ValueEncoding::kJsonValue);
                out.segments.push_back(std::move(w));
                AppendLiteral(&out, std::string_view(after).substr(1));
                ++i;
                continue;
            }
        }
        Segment kept = s;
        if (json_value || IsData(s)) kept.b = static_cast<std::int64_t>(plan::ValueEncoding::kJsonString);  // inside a string
        out.segments.push_back(std::move(kept));
    }
    return out;
}

std::string DisplayText(std::string_view text, const ValueLabeler& label) {
    std::string out;
    Scan(text, [&out](std::string_view lit) { out.append(lit); },
         [&out, &label](const Segment& s) {
             switch (s.kind) {
                 case Segment::Kind::kSeq: out += "{seq}"; break;
                 case Segment::Kind::kUuid: out += "{uuid}"; break;
                 case Segment::Kind::kRandom:
                     out += "{random:" + std::to_string(s.a) + ":" + std::to_string(s.b) + "}";
                     break;
                 case Segment::Kind::kValue: out += "{" + (label ? label(s.a) : std::string("value")) + "}"; break;
                 case Segment::Kind::kData: out += "{data}"; break;
                 default: break;
             }
         });
    return out;
}

}  // namespace lse::lua::capture
