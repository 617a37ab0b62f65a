#include "lse/plan/extract/lua_pattern.hpp"

#include <cstddef>
#include <cstring>

// The matcher follows Lua 5.1's lstrlib.c (match, max_expand, min_expand, singlematch,
// matchbracketclass, classEnd) item for item, on the pattern text itself, so a pattern means on an agent
// what it meant in the script. Compile walks the pattern the same way once to refuse what the subset
// leaves out, so Match never meets a malformed pattern and needs no error path.

namespace lse::plan::extract {
namespace {

constexpr char kEsc = '%';
constexpr int kMaxCaptures = 8;
constexpr std::ptrdiff_t kUnfinished = -1;

// Nested matcher calls (Lua's MAXCCALLS is 200): bounds the stack whatever the pattern.
constexpr int kMaxDepth = 200;
// Single-byte tests per Match, on top of a budget proportional to the subject: a pattern such as
// "(.*)x(.*)y" backtracks quadratically, and an agent must not spend seconds on one response.
constexpr std::size_t kBaseSteps = 1'000'000;
constexpr std::size_t kStepsPerByte = 64;

// C-locale character classes (not <cctype>, whose answers depend on the process locale).
bool IsAlpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsLower(int c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(int c) { return c >= 'A' && c <= 'Z'; }
bool IsSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsCntrl(int c) { return c < 0x20 || c == 0x7f; }
bool IsAlnum(int c) { return IsAlpha(c) || IsDigit(c); }
bool IsPunct(int c) { return c > 0x20 && c < 0x7f && !IsAlnum(c); }
bool IsXDigit(int c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int ToLower(int c) { return IsUpper(c) ? c - 'A' + 'a' : c; }

bool MatchClass(int c, int cl) {
    bool res;
    switch (ToLower(cl)) {
        case 'a': res = IsAlpha(c); break;
        case 'c': res = IsCntrl(c); break;
        case 'd': res = IsDigit(c); break;
        case 'l': res = IsLower(c); break;
        case 'p': res = IsPunct(c); break;
        case 's': res = IsSpace(c); break;
        case 'u': res = IsUpper(c); break;
        case 'w': res = IsAlnum(c); break;
        case 'x': res = IsXDigit(c); break;
        case 'z': res = c == 0; break;  // Lua 5.1's (deprecated) class of the NUL byte
        default: return cl == c;
    }
    return IsLower(cl) ? res : !res;
}

// p..ec: a set from its '[' to its closing ']'.
bool MatchBracketClass(int c, const char* p, const char* ec) {
    bool sig = true;
    if (*(p + 1) == '^') {
        sig = false;
        ++p;
    }
    while (++p < ec) {
        if (*p == kEsc) {
            ++p;
            if (MatchClass(c, static_cast<unsigned char>(*p))) return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if (static_cast<unsigned char>(*(p - 2)) <= c && c <= static_cast<unsigned char>(*p)) return sig;
        } else if (static_cast<unsigned char>(*p) == c) {
            return sig;
        }
    }
    return !sig;
}

// The end of the single-byte item at p (Compile has checked that it is complete).
const char* ClassEnd(const char* p) {
    switch (*p++) {
        case kEsc: return p + 1;
        case '[':
            if (*p == '^') ++p;
            do {
                if (*(p++) == kEsc && *p != '\0') ++p;
            } while (*p != ']');
            return p + 1;
        default: return p;
    }
}

bool SingleMatch(int c, const char* p, const char* ep) {
    switch (*p) {
        case '.': return true;
        case kEsc: return MatchClass(c, static_cast<unsigned char>(*(p + 1)));
        case '[': return MatchBracketClass(c, p, ep - 1);
        default: return static_cast<unsigned char>(*p) == c;
    }
}

struct MatchState {
    const char* src_init;
    const char* src_end;
    int level = 0;
    int depth = 0;
    std::size_t steps_left = 0;
    bool aborted = false;  // a bound was hit: the whole Match fails
    struct {
        const char* init;
        std::ptrdiff_t len;
    } capture[kMaxCaptures];
};

const char* DoMatch(MatchState* ms, const char* s, const char* p);

// One more single-byte test; false once the budget is spent.
bool Step(MatchState* ms) {
    if (ms->steps_left == 0) {
        ms->aborted = true;
        return false;
    }
    --ms->steps_left;
    return true;
}

bool ItemMatches(MatchState* ms, const char* s, const char* p, const char* ep) {
    return s < ms->src_end && Step(ms) && SingleMatch(static_cast<unsigned char>(*s), p, ep);
}

const char* MaxExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
    std::ptrdiff_t i = 0;
    while (ItemMatches(ms, s + i, p, ep)) ++i;
    while (i >= 0 && !ms->aborted) {
        const char* res = DoMatch(ms, s + i, ep + 1);
        if (res != nullptr) return res;
        --i;
    }
    return nullptr;
}

const char* MinExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
    for (;;) {
        const char* res = DoMatch(ms, s, ep + 1);
        if (res != nullptr) return res;
        if (!ms->aborted && ItemMatches(ms, s, p, ep)) {
            ++s;
        } else {
            return nullptr;
        }
    }
}

const char* StartCapture(MatchState* ms, const char* s, const char* p) {
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = kUnfinished;
    ++ms->level;
    const char* res = DoMatch(ms, s, p);
    if (res == nullptr) --ms->level;
    return res;
}

const char* EndCapture(MatchState* ms, const char* s, const char* p) {
    int l = ms->level - 1;
    while (ms->capture[l].len != kUnfinished) --l;  // Compile guarantees an open capture
    ms->capture[l].len = s - ms->capture[l].init;
    const char* res = DoMatch(ms, s, p);
    if (res == nullptr) ms->capture[l].len = kUnfinished;
    return res;
}

const char* MatchItems(MatchState* ms, const char* s, const char* p) {
    for (;;) {
        switch (*p) {
            case '(': return StartCapture(ms, s, p + 1);
            case ')': return EndCapture(ms, s, p + 1);
            case '\0': return s;
            case '$':
                if (*(p + 1) == '\0') return s == ms->src_end ? s : nullptr;
                break;
            default: break;
        }
        const char* ep = ClassEnd(p);
        const bool m = ItemMatches(ms, s, p, ep);
        if (ms->aborted) return nullptr;
        switch (*ep) {
            case '?':
                if (m) {
                    const char* res = DoMatch(ms, s + 1, ep + 1);
                    if (res != nullptr || ms->aborted) return res;
                }
                p = ep + 1;
                continue;
            case '*': return MaxExpand(ms, s, p, ep);
            case '+': return m ? MaxExpand(ms, s + 1, p, ep) : nullptr;
            case '-': return MinExpand(ms, s, p, ep);
            default:
                if (!m) return nullptr;
                ++s;
                p = ep;
                continue;
        }
    }
}

const char* DoMatch(MatchState* ms, const char* s, const char* p) {
    if (ms->aborted) return nullptr;
    if (ms->depth >= kMaxDepth) {
        ms->aborted = true;
        return nullptr;
    }
    ++ms->depth;
    const char* res = MatchItems(ms, s, p);
    --ms->depth;
    return res;
}

}  // namespace

bool LuaPattern::Compile(std::string_view pattern, std::string* error) {
    std::string scratch;
    if (error == nullptr) error = &scratch;
    source_.clear();
    captures_ = 0;
    anchored_ = false;
    first_byte_ = -1;
    auto fail = [&](std::string why) {
        *error = "pattern '" + std::string(pattern) + "': " + std::move(why);
        return false;
    };
    if (pattern.find('\0') != std::string_view::npos) return fail("contains a NUL byte");

    std::string_view body = pattern;
    const bool anchored = !body.empty() && body[0] == '^';
    if (anchored) body.remove_prefix(1);

    // The same walk as the matcher: captures, items, and a quantifier after a single-byte item.
    int open = 0;
    int total = 0;
    std::size_t i = 0;
    while (i < body.size()) {
        const char c = body[i];
        if (c == '(') {
            if (i + 1 < body.size() && body[i + 1] == ')') {
                return fail("position captures () are not supported in lsengine patterns");
            }
            if (++total > kMaxCaptures) return fail("more than 8 captures");
            ++open;
            ++i;
            continue;
        }
        if (c == ')') {
            if (open == 0) return fail("invalid pattern capture (')' without '(')");
            --open;
            ++i;
            continue;
        }
        if (c == '$' && i + 1 == body.size()) break;
        if (c == kEsc) {
            if (i + 1 >= body.size()) return fail("malformed pattern (ends with '%')");
            const char e = body[i + 1];
            if (e == 'b') return fail("%b is not supported in lsengine patterns");
            if (e == 'f') return fail("%f is not supported in lsengine patterns");
            if (IsDigit(static_cast<unsigned char>(e))) {
                return fail(std::string("back-references (%") + e + ") are not supported in lsengine patterns");
            }
            i += 2;
        } else if (c == '[') {
            std::size_t j = i + 1;
            if (j < body.size() && body[j] == '^') ++j;
            do {
                if (j >= body.size()) return fail("malformed pattern (missing ']')");
                if (body[j++] == kEsc && j < body.size()) ++j;
            } while (j >= body.size() || body[j] != ']');
            i = j + 1;
        } else {
            i += 1;
        }
        if (i < body.size() && (body[i] == '?' || body[i] == '*' || body[i] == '+' || body[i] == '-')) ++i;
    }
    if (open > 0) return fail("unfinished capture");

    source_.assign(pattern);
    captures_ = total;
    anchored_ = anchored;
    // A pattern that starts with a plain byte (not quantified) can only match where that byte is: the
    // scan jumps there with memchr instead of trying every position.
    if (!body.empty()) {
        const unsigned char c0 = static_cast<unsigned char>(body[0]);
        const bool special = std::strchr("^$*+?.([%-", c0) != nullptr;
        const bool quantified = body.size() > 1 && std::strchr("?*-", body[1]) != nullptr;
        if (!special && !quantified) first_byte_ = c0;
    }
    return true;
}

bool LuaPattern::Match(std::string_view subject, std::string_view* value) const noexcept {
    const char* p = source_.c_str() + (anchored_ ? 1 : 0);
    MatchState ms;
    ms.src_init = subject.data();
    ms.src_end = subject.data() + subject.size();
    ms.steps_left = kBaseSteps + kStepsPerByte * subject.size();
    const char* s = ms.src_init;
    for (;;) {
        if (first_byte_ >= 0 && !anchored_) {
            if (s == ms.src_end) return false;
            const void* at = std::memchr(s, first_byte_, static_cast<std::size_t>(ms.src_end - s));
            if (at == nullptr) return false;
            s = static_cast<const char*>(at);
        }
        ms.level = 0;
        ms.depth = 0;
        const char* end = DoMatch(&ms, s, p);
        if (end != nullptr) {
            if (captures_ == 0) {
                *value = std::string_view(s, static_cast<std::size_t>(end - s));
            } else {
                *value = std::string_view(ms.capture[0].init, static_cast<std::size_t>(ms.capture[0].len));
            }
            return true;
        }
        if (ms.aborted || anchored_ || s >= ms.src_end) return false;
        ++s;
    }
}

}  // namespace lse::plan::extract
