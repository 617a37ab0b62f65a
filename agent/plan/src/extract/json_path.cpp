#include "lse/plan/extract/json_path.hpp"

#include <cstddef>
#include <cstring>

namespace lse::plan::extract {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

// Deeper documents are refused rather than scanned: the scanner's stack is a fixed array (no allocation),
// and no API response a flow correlates on nests this deep.
constexpr int kMaxDepth = 256;

constexpr const char* kNotJson = "the body is not JSON";
constexpr const char* kTooDeep = "the JSON nests deeper than 256 levels";
constexpr const char* kNoMember = "no such member";
constexpr const char* kPastEnd = "index past the end of the array";
constexpr const char* kNotObject = "not an object";
constexpr const char* kNotArray = "not an array";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Four hex digits at s[pos..pos+4), or -1.
long Hex4(std::string_view s, std::size_t pos) {
    if (pos + 4 > s.size()) return -1;
    long v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const int h = HexValue(s[pos + i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

// Length of the well-formed UTF-8 sequence starting at s[pos] (a byte >= 0x80), or 0 (as a strict JSON
// parser such as nlohmann's, which the Lua side uses, rejects ill-formed UTF-8 in strings).
std::size_t Utf8Length(std::string_view s, std::size_t pos) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
    const auto cont = [&](std::size_t i, unsigned lo, unsigned hi) {
        return pos + i < s.size() && b(i) >= lo && b(i) <= hi;
    };
    const unsigned c = b(0);
    if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) {
        return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    }
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
}

// Decodes the escape at s[pos] == '\\' into a code point; *next is the position after it. A high
// surrogate must be followed by an escaped low one (they are joined); a lone surrogate is invalid.
bool DecodeEscape(std::string_view s, std::size_t pos, std::size_t* next, unsigned long* cp) {
    if (pos + 1 >= s.size()) return false;
    switch (s[pos + 1]) {
        case '"': *cp = '"'; break;
        case '\\': *cp = '\\'; break;
        case '/': *cp = '/'; break;
        case 'b': *cp = '\b'; break;
        case 'f': *cp = '\f'; break;
        case 'n': *cp = '\n'; break;
        case 'r': *cp = '\r'; break;
        case 't': *cp = '\t'; break;
        case 'u': {
            const long hi = Hex4(s, pos + 2);
            if (hi < 0) return false;
            if (hi >= 0xDC00 && hi <= 0xDFFF) return false;
            if (hi >= 0xD800 && hi <= 0xDBFF) {
                if (pos + 7 >= s.size() || s[pos + 6] != '\\' || s[pos + 7] != 'u') return false;
                const long lo = Hex4(s, pos + 8);
                if (lo < 0xDC00 || lo > 0xDFFF) return false;
                *cp = 0x10000 + ((static_cast<unsigned long>(hi) - 0xD800) << 10) + (static_cast<unsigned long>(lo) - 0xDC00);
                *next = pos + 12;
                return true;
            }
            *cp = static_cast<unsigned long>(hi);
            *next = pos + 6;
            return true;
        }
        default: return false;
    }
    *next = pos + 2;
    return true;
}

std::size_t EncodeUtf8(unsigned long cp, char* out) {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

// s[pos] == '"': the position after the closing quote of a valid JSON string, or kNpos.
std::size_t ScanString(std::string_view s, std::size_t pos) {
    ++pos;
    while (pos < s.size()) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (c == '"') return pos + 1;
        if (c == '\\') {
            unsigned long cp;
            if (!DecodeEscape(s, pos, &pos, &cp)) return kNpos;
        } else if (c < 0x20) {
            return kNpos;
        } else if (c < 0x80) {
            ++pos;
        } else {
            const std::size_t n = Utf8Length(s, pos);
            if (n == 0) return kNpos;
            pos += n;
        }
    }
    return kNpos;
}

// The decoded text of a string token's inside (between the quotes), appended to *out.
bool DecodeInto(std::string_view inner, std::string* out) {
    std::size_t pos = 0;
    while (pos < inner.size()) {
        const std::size_t esc = inner.find('\\', pos);
        if (esc == kNpos) {
            out->append(inner.substr(pos));
            return true;
        }
        out->append(inner.substr(pos, esc - pos));
        unsigned long cp;
        if (!DecodeEscape(inner, esc, &pos, &cp)) return false;
        char buf[4];
        out->append(buf, EncodeUtf8(cp, buf));
    }
    return true;
}

// Whether a (valid) string token's inside decodes to `key`, without decoding into a buffer.
bool KeyEquals(std::string_view inner, std::string_view key) {
    if (inner.find('\\') == kNpos) return inner == key;
    std::size_t pos = 0;
    std::size_t k = 0;
    while (pos < inner.size()) {
        if (inner[pos] != '\\') {
            if (k >= key.size() || key[k] != inner[pos]) return false;
            ++k;
            ++pos;
            continue;
        }
        unsigned long cp;
        if (!DecodeEscape(inner, pos, &pos, &cp)) return false;
        char buf[4];
        const std::size_t n = EncodeUtf8(cp, buf);
        if (key.size() - k < n || std::memcmp(key.data() + k, buf, n) != 0) return false;
        k += n;
    }
    return k == key.size();
}

// s[pos] starts a number: the position after it (JSON grammar), or kNpos.
std::size_t ScanNumber(std::string_view s, std::size_t pos) {
    if (s[pos] == '-') ++pos;
    if (pos < s.size() && s[pos] == '0') {
        ++pos;
    } else if (pos < s.size() && s[pos] >= '1' && s[pos] <= '9') {
        while (pos < s.size() && IsDigit(s[pos])) ++pos;
    } else {
        return kNpos;
    }
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        if (pos >= s.size() || !IsDigit(s[pos])) return kNpos;
        while (pos < s.size() && IsDigit(s[pos])) ++pos;
    }
    if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
        ++pos;
        if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
        if (pos >= s.size() || !IsDigit(s[pos])) return kNpos;
        while (pos < s.size() && IsDigit(s[pos])) ++pos;
    }
    return pos;
}

std::size_t SkipSpace(std::string_view s, std::size_t pos) {
    while (pos < s.size() && IsSpace(s[pos])) ++pos;
    return pos;
}

JsonKind KindOf(char first) {
    switch (first) {
        case '"': return JsonKind::kString;
        case 't': return JsonKind::kTrue;
        case 'f': return JsonKind::kFalse;
        case 'n': return JsonKind::kNull;
        case '{': return JsonKind::kObject;
        case '[': return JsonKind::kArray;
        default: return JsonKind::kNumber;
    }
}

// One pass over the document with an explicit stack. The containers on the path form a prefix of the
// stack (on_path_ of them): frame d on that prefix is the value `d` path steps select. When a member or
// element matches the next step, the value it starts resets the outcome, so a later duplicate key (or a
// later match at a shallower level) replaces what an earlier one found: the last occurrence wins.
class Finder {
public:
    Finder(std::string_view json, const JsonPath& path) : s_(json), path_(path) {}

    bool Run(std::string_view* raw, JsonKind* kind, const char** why) {
        if (!Scan()) {
            *why = error_;
            return false;
        }
        if (!found_) {
            *why = miss_ != nullptr ? miss_ : kNotJson;
            return false;
        }
        *raw = s_.substr(start_, end_ - start_);
        *kind = KindOf(s_[start_]);
        return true;
    }

private:
    struct Frame {
        bool object;
        std::uint32_t count;  // elements before the current one (arrays)
    };

    bool Fail(const char* why) {
        error_ = why;
        return false;
    }

    // The path level of the value about to start (the number of steps it satisfies), or -1 off the path.
    int ChildLevel(std::string_view key) const {
        if (depth_ == 0 || depth_ != on_path_) return -1;
        const JsonPath::Step& step = path_.steps[static_cast<std::size_t>(depth_ - 1)];
        const Frame& top = stack_[depth_ - 1];
        if (top.object ? !step.is_index && KeyEquals(key, step.key) : step.is_index && top.count == step.index) {
            return depth_;
        }
        return -1;
    }

    // Starts the value at pos_ (level: its path level or -1). Scalars are consumed whole; containers are
    // pushed. *pushed says which.
    bool BeginValue(int level, bool* pushed) {
        *pushed = false;
        if (pos_ >= s_.size()) return Fail(kNotJson);
        const char c = s_[pos_];
        const bool target = level >= 0 && static_cast<std::size_t>(level) == path_.steps.size();
        if (level >= 0) {
            found_ = false;
            miss_ = nullptr;
            target_depth_ = -1;
            if (target) start_ = pos_;
        }
        if (c == '{' || c == '[') {
            if (depth_ >= kMaxDepth) return Fail(kTooDeep);
            const bool object = c == '{';
            if (level >= 0 && !target) {
                if (object == path_.steps[static_cast<std::size_t>(level)].is_index) {
                    miss_ = object ? kNotArray : kNotObject;
                } else {
                    on_path_ = depth_ + 1;
                }
            }
            stack_[depth_++] = Frame{object, 0};
            if (target) target_depth_ = depth_;
            ++pos_;
            *pushed = true;
            return true;
        }
        std::size_t end = kNpos;
        if (c == '"') {
            end = ScanString(s_, pos_);
        } else if (c == '-' || IsDigit(c)) {
            end = ScanNumber(s_, pos_);
        } else {
            for (const char* literal : {"true", "false", "null"}) {
                if (s_.substr(pos_, std::strlen(literal)) == literal) end = pos_ + std::strlen(literal);
            }
        }
        if (end == kNpos) return Fail(kNotJson);
        if (level >= 0) {
            if (target) {
                end_ = end;
                found_ = true;
            } else {
                miss_ = path_.steps[static_cast<std::size_t>(level)].is_index ? kNotArray : kNotObject;
            }
        }
        pos_ = end;
        return true;
    }

    void Pop() {
        const Frame& top = stack_[depth_ - 1];
        if (depth_ == target_depth_) {
            end_ = pos_;
            found_ = true;
            target_depth_ = -1;
        }
        if (depth_ == on_path_) {
            --on_path_;
            if (!found_ && miss_ == nullptr) miss_ = top.object ? kNoMember : kPastEnd;
        }
        --depth_;
    }

    // A member's key and colon at pos_; *key is the key token's inside.
    bool ReadKey(std::string_view* key) {
        pos_ = SkipSpace(s_, pos_);
        if (pos_ >= s_.size() || s_[pos_] != '"') return Fail(kNotJson);
        const std::size_t end = ScanString(s_, pos_);
        if (end == kNpos) return Fail(kNotJson);
        *key = s_.substr(pos_ + 1, end - pos_ - 2);
        pos_ = SkipSpace(s_, end);
        if (pos_ >= s_.size() || s_[pos_] != ':') return Fail(kNotJson);
        pos_ = SkipSpace(s_, pos_ + 1);
        return true;
    }

    bool Scan() {
        pos_ = SkipSpace(s_, 0);
        int level = 0;  // the root is the value zero steps select
        for (;;) {
            // A value starts at pos_.
            bool pushed;
            if (!BeginValue(level, &pushed)) return false;
            if (pushed) {
                // An empty container closes at once; otherwise its first member or element starts.
                pos_ = SkipSpace(s_, pos_);
                const bool object = stack_[depth_ - 1].object;
                if (pos_ < s_.size() && s_[pos_] == (object ? '}' : ']')) {
                    ++pos_;
                    Pop();
                } else {
                    std::string_view key;
                    if (object && !ReadKey(&key)) return false;
                    level = ChildLevel(key);
                    continue;
                }
            }
            // A value ended: close containers until one continues with a next member or element.
            for (;;) {
                pos_ = SkipSpace(s_, pos_);
                if (depth_ == 0) {
                    if (pos_ != s_.size()) return Fail(kNotJson);
                    return true;
                }
                if (pos_ >= s_.size()) return Fail(kNotJson);
                Frame& top = stack_[depth_ - 1];
                const char c = s_[pos_++];
                if (c == ',') {
                    ++top.count;
                    break;
                }
                if (c != (top.object ? '}' : ']')) return Fail(kNotJson);
                Pop();
            }
            std::string_view key;
            if (stack_[depth_ - 1].object) {
                if (!ReadKey(&key)) return false;
            } else {
                pos_ = SkipSpace(s_, pos_);
            }
            level = ChildLevel(key);
        }
    }

    std::string_view s_;
    const JsonPath& path_;
    std::size_t pos_ = 0;
    Frame stack_[kMaxDepth];
    int depth_ = 0;
    int on_path_ = 0;
    int target_depth_ = -1;  // the stack depth of the target container until it closes
    bool found_ = false;
    std::size_t start_ = 0;
    std::size_t end_ = 0;
    const char* miss_ = nullptr;
    const char* error_ = kNotJson;
};

std::string PathError(std::string_view text, std::size_t pos, const char* what) {
    return "bad JSON path '" + std::string(text) + "': " + what + " at offset " + std::to_string(pos);
}

}  // namespace

bool ParseJsonPath(std::string_view text, JsonPath* out, std::string* error) {
    std::string scratch;
    if (error == nullptr) error = &scratch;
    out->steps.clear();
    if (text.empty() || text[0] != '$') {
        *error = PathError(text, 0, "expected '$'");
        return false;
    }
    std::size_t pos = 1;
    while (pos < text.size()) {
        JsonPath::Step step;
        if (text[pos] == '.') {
            const std::size_t begin = ++pos;
            if (pos >= text.size() || !IsIdentStart(text[pos])) {
                *error = PathError(text, pos, "expected a member name after '.'");
                return false;
            }
            while (pos < text.size() && IsIdentChar(text[pos])) ++pos;
            step.key.assign(text.substr(begin, pos - begin));
        } else if (text[pos] == '[') {
            ++pos;
            if (pos < text.size() && text[pos] == '"') {
                const std::size_t end = ScanString(text, pos);
                if (end == kNpos || !DecodeInto(text.substr(pos + 1, end - pos - 2), &step.key)) {
                    *error = PathError(text, pos, "bad JSON string");
                    return false;
                }
                pos = end;
            } else if (pos < text.size() && IsDigit(text[pos])) {
                const std::size_t begin = pos;
                std::uint64_t index = 0;
                while (pos < text.size() && IsDigit(text[pos])) {
                    index = index * 10 + static_cast<std::uint64_t>(text[pos] - '0');
                    if (index > 0xFFFFFFFFu) {
                        *error = PathError(text, begin, "index too large");
                        return false;
                    }
                    ++pos;
                }
                if (text[begin] == '0' && pos - begin > 1) {
                    *error = PathError(text, begin, "index with a leading zero");
                    return false;
                }
                step.is_index = true;
                step.index = static_cast<std::uint32_t>(index);
            } else {
                *error = PathError(text, pos, "expected an index or a quoted key after '['");
                return false;
            }
            if (pos >= text.size() || text[pos] != ']') {
                *error = PathError(text, pos, "expected ']'");
                return false;
            }
            ++pos;
        } else {
            *error = PathError(text, pos, "expected '.' or '['");
            return false;
        }
        out->steps.push_back(std::move(step));
    }
    return true;
}

std::string FormatJsonPath(const JsonPath& path) {
    std::string out = "$";
    for (const JsonPath::Step& step : path.steps) {
        if (step.is_index) {
            out += '[';
            out += std::to_string(step.index);
            out += ']';
            continue;
        }
        bool ident = !step.key.empty() && IsIdentStart(step.key[0]);
        for (const char c : step.key) ident = ident && IsIdentChar(c);
        if (ident) {
            out += '.';
            out += step.key;
            continue;
        }
        out += "[\"";
        for (const char c : step.key) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (u < 0x20) {
                static constexpr char kHex[] = "0123456789abcdef";
                out += "\\u00";
                out += kHex[u >> 4];
                out += kHex[u & 15];
            } else {
                out += c;
            }
        }
        out += "\"]";
    }
    return out;
}

bool FindJsonValue(std::string_view json, const JsonPath& path, std::string_view* raw, JsonKind* kind,
                   const char** why) noexcept {
    Finder finder(json, path);
    return finder.Run(raw, kind, why);
}

bool AppendJsonText(std::string_view raw, JsonKind kind, std::string* out) noexcept {
    if (kind != JsonKind::kString) {
        out->append(raw);
        return true;
    }
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
    return DecodeInto(raw.substr(1, raw.size() - 2), out);
}

bool IsJsonNumber(std::string_view s) noexcept { return !s.empty() && ScanNumber(s, 0) == s.size(); }

}  // namespace lse::plan::extract
