#include "lse/http/request.hpp"

#include <array>
#include <charconv>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Method::kCount)> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", ""};

// RFC 9110 5.6.2 tchar, as a table: this runs for every header byte of every Lua request.
constexpr std::array<bool, 256> MakeTokenTable() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr std::array<bool, 256> kTokenChars = MakeTokenTable();

bool IsTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Appends the decimal digits of n (std::to_string would allocate for the comparison below).
void AppendDecimal(std::size_t n, std::string* out) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
}

bool EqualsDecimal(std::string_view text, std::size_t n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    return text == std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

void ValidateHeaderName(std::string_view name) {
    if (name.empty()) throw UsageError("invalid header: empty name");
    for (char c : name) {
        if (!IsTokenChar(c)) throw UsageError("invalid header name '" + std::string(name) + "': not an HTTP token");
    }
}

void ValidateHeaderValue(std::string_view name, std::string_view value) {
    // One pass over the bytes (find_first_of with a 3-byte set calls memchr per byte of the value).
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0') {
            throw UsageError("invalid value for header '" + std::string(name) + "': contains CR, LF or NUL");
        }
    }
}

void ValidateTarget(std::string_view target) {
    if (target.empty() || (target.front() != '/' && target != "*")) {
        throw UsageError("invalid request target '" + std::string(target) + "': must start with '/'");
    }
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            throw UsageError("invalid request target '" + std::string(target) +
                             "': contains whitespace or a control character");
        }
    }
}

// Bytes a request-target may carry as they are (RFC 3986 unreserved, sub-delims, ":@/?" and the "[]" of
// IPv6-style query values, which servers accept); '%' is handled apart. Everything else is encoded.
constexpr std::array<bool, 256> MakeTargetTable() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
    for (char c : std::string_view("-._~!$&'()*+,;=:@/?[]")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr std::array<bool, 256> kTargetChars = MakeTargetTable();

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Appends the request-target as curl sends it: without the #fragment, bytes >= 0x80 and characters that
// are illegal in a target (", <, >, \, ^, `, {, |, }) percent-encoded, a '%' that starts no %XX escape
// sent as %25. Valid targets (the common case) are appended unchanged, so encoding is idempotent.
void AppendTarget(std::string_view target, std::string* out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    target = target.substr(0, target.find('#'));
    // The common case, a target with nothing to encode, is one append; the rest goes byte by byte.
    size_t clean = 0;
    while (clean < target.size() && kTargetChars[static_cast<unsigned char>(target[clean])]) ++clean;
    out->append(target.substr(0, clean));
    for (size_t i = clean; i < target.size(); ++i) {
        const char c = target[i];
        const auto u = static_cast<unsigned char>(c);
        if (kTargetChars[u] ||
            (c == '%' && i + 2 < target.size() && IsHexDigit(target[i + 1]) && IsHexDigit(target[i + 2]))) {
            out->push_back(c);
        } else {
            out->push_back('%');
            out->push_back(kHex[u >> 4]);
            out->push_back(kHex[u & 0xF]);
        }
    }
}

// AppendTarget on the bytes of *s from `from` on, in place (the target of a filled shape, holes included): cut at
// '#', then each byte that needs it becomes %XX, walking backwards so that nothing is copied aside. No
// allocation beyond growing *s.
void EncodeTargetInPlace(std::string* s, std::size_t from) noexcept {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const std::size_t hash = s->find('#', from);
    if (hash != std::string::npos) s->resize(hash);
    const std::size_t n = s->size();
    const char* d = s->data();
    std::size_t bad = 0;
    for (std::size_t i = from; i < n; ++i) {
        const char c = d[i];
        if (kTargetChars[static_cast<unsigned char>(c)]) continue;
        if (c == '%' && i + 2 < n && IsHexDigit(d[i + 1]) && IsHexDigit(d[i + 2])) continue;
        ++bad;
    }
    if (bad == 0) return;
    s->resize(n + 2 * bad);
    char* w = s->data();
    std::size_t at = n + 2 * bad;
    char next1 = 0;  // the original bytes at i + 1 and i + 2 (already overwritten when i is reached)
    char next2 = 0;
    for (std::size_t i = n; i-- > from;) {
        const char c = w[i];
        const auto u = static_cast<unsigned char>(c);
        if (kTargetChars[u] || (c == '%' && i + 2 < n && IsHexDigit(next1) && IsHexDigit(next2))) {
            w[--at] = c;
        } else {
            w[--at] = kHex[u & 0xF];
            w[--at] = kHex[u >> 4];
            w[--at] = '%';
        }
        next2 = next1;
        next1 = c;
    }
}

bool HasHole(std::span<const ShapePart> parts) noexcept {
    for (const ShapePart& p : parts) {
        if (p.hole >= 0) return true;
    }
    return false;
}

std::size_t LiteralSize(std::span<const ShapePart> parts) noexcept {
    std::size_t n = 0;
    for (const ShapePart& p : parts) n += p.text.size();
    return n;
}

// The text of literal parts: a view of a single part (every request Build makes), else joined into *tmp.
std::string_view JoinLiteral(std::span<const ShapePart> parts, std::string* tmp) {
    if (parts.size() == 1) return parts[0].text;
    tmp->clear();
    for (const ShapePart& p : parts) tmp->append(p.text);
    return *tmp;
}

std::string_view TrimLeft(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

std::string_view TrimRight(std::string_view s) noexcept {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Where the serialiser writes: the bytes, and the holes when it makes a shape (nullptr for a request whose parts
// are all literal, which then has none).
struct Sink {
    std::string* out;
    std::vector<RequestShape::Hole>* holes;

    void Mark(RequestShape::HoleKind kind, std::int32_t id = -1) {
        holes->push_back(RequestShape::Hole{static_cast<std::uint32_t>(out->size()), id, kind});
    }
    void Parts(std::span<const ShapePart> parts) {
        for (const ShapePart& p : parts) {
            if (p.hole >= 0) {
                Mark(RequestShape::HoleKind::kValue, p.hole);
            } else {
                out->append(p.text);
            }
        }
    }
};

// A header value's parts, trimmed as TrimHeaderValue trims the whole value: leading whitespace of the literal parts
// before the first non-blank one or hole, trailing whitespace likewise (hole values have none).
void WriteValue(std::span<const ShapePart> parts, Sink& sink) {
    if (parts.size() == 1 && parts[0].hole < 0) {  // every value Build writes
        sink.out->append(TrimHeaderValue(parts[0].text));
        return;
    }
    std::size_t first = 0;
    std::size_t last = parts.size();
    while (first < last && parts[first].hole < 0 && TrimLeft(parts[first].text).empty()) ++first;
    while (last > first && parts[last - 1].hole < 0 && TrimRight(parts[last - 1].text).empty()) --last;
    for (std::size_t i = first; i < last; ++i) {
        if (parts[i].hole >= 0) {
            sink.Mark(RequestShape::HoleKind::kValue, parts[i].hole);
            continue;
        }
        std::string_view t = parts[i].text;
        if (i == first) t = TrimLeft(t);
        if (i + 1 == last) t = TrimRight(t);
        sink.out->append(t);
    }
}

void ValidateTargetParts(std::span<const ShapePart> target) {
    if (target.size() == 1 && target[0].hole < 0) return ValidateTarget(target[0].text);  // every target Build has
    if (!HasHole(target)) {
        std::string tmp;
        ValidateTarget(JoinLiteral(target, &tmp));
        return;
    }
    std::string shown;  // for the messages: holes as "{}"
    for (const ShapePart& p : target) shown += p.hole >= 0 ? std::string_view("{}") : p.text;
    // A hole may start the target (a response value used as the path): its filler writes a value starting with '/'.
    if (target.front().hole < 0 && (target.front().text.empty() || target.front().text.front() != '/')) {
        throw UsageError("invalid request target '" + shown + "': must start with '/'");
    }
    for (const ShapePart& p : target) {
        for (char c : p.text) {
            const auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u == 0x7f) {
                throw UsageError("invalid request target '" + shown + "': contains whitespace or a control character");
            }
        }
    }
}

// The one serialiser (PreparedRequest::BuildInto, RequestShape::Make). for_each_header(fn) calls
// fn(name, value parts) for each header in order; it is called twice (checks, then bytes).
template <typename ForEachHeader>
void Serialise(Method method, std::string_view method_token, std::string_view host_header,
               std::span<const ShapePart> target, ForEachHeader&& for_each_header, std::span<const ShapePart> body,
               PreparedRequest* req, std::vector<RequestShape::Hole>* holes) {
    ValidateTargetParts(target);
    if (method == Method::kOther) {
        Method known = Method::kOther;
        ParseAnyMethod(method_token, &known);  // throws for a bad token
        if (known != Method::kOther) method = known;  // "GET" given as a token: the same request as kGet
    }
    req->method = method;
    req->idempotent = IsIdempotent(method);
    req->connection_close = false;

    const bool body_holes = HasHole(body);
    const std::size_t body_size = LiteralSize(body);
    bool has_host = false;
    bool has_user_agent = false;
    bool has_content_length = false;
    std::size_t header_bytes = 0;
    std::string tmp;  // only for values made of several literal parts (never for Build)
    for_each_header([&](std::string_view name, std::span<const ShapePart> value) {
        ValidateHeaderName(name);
        for (const ShapePart& p : value) {
            if (p.hole < 0) ValidateHeaderValue(name, p.text);
        }
        header_bytes += name.size() + LiteralSize(value) + 4;
        if (HeaderNameEquals(name, "host")) {
            has_host = true;
        } else if (HeaderNameEquals(name, "user-agent")) {
            has_user_agent = true;
        } else if (HeaderNameEquals(name, "content-length")) {
            if (body_holes) return;  // dropped: the length changes per send, and is computed at every fill
            if (HasHole(value)) {
                throw UsageError("invalid value for header 'Content-Length': it cannot have placeholders");
            }
            const std::string_view given = JoinLiteral(value, &tmp);
            if (!EqualsDecimal(TrimHeaderValue(given), body_size)) {
                throw UsageError("invalid value for header 'Content-Length': '" + std::string(given) +
                                 "' but the body has " + std::to_string(body_size) + " bytes");
            }
            has_content_length = true;
        } else if (HeaderNameEquals(name, "transfer-encoding")) {
            throw UsageError("header 'Transfer-Encoding' is not supported: bodies are sent with Content-Length");
        } else if (HeaderNameEquals(name, "connection") && !HasHole(value) &&
                   HeaderNameEquals(TrimHeaderValue(JoinLiteral(value, &tmp)), "close")) {
            req->connection_close = true;
        }
    });

    std::string& out = req->bytes;
    out.clear();
    out.reserve(64 + LiteralSize(target) + body_size + header_bytes);
    Sink sink{&out, holes};
    out += MethodText(method, method_token);
    out += ' ';
    if (HasHole(target)) {
        // Encoded at every fill, with the values in: a '%' before a hole is an escape or not depending on it.
        sink.Mark(RequestShape::HoleKind::kTargetStart);
        sink.Parts(target);
        sink.Mark(RequestShape::HoleKind::kTargetEnd);
    } else {
        AppendTarget(JoinLiteral(target, &tmp), &out);
    }
    out += " HTTP/1.1\r\n";
    if (!has_host) {
        out += "Host: ";
        out += host_header;
        out += "\r\n";
    }
    for_each_header([&](std::string_view name, std::span<const ShapePart> value) {
        if (body_holes && HeaderNameEquals(name, "content-length")) return;
        out += name;
        out += ": ";
        WriteValue(value, sink);
        out += "\r\n";
    });
    if (!has_user_agent) out += "User-Agent: lsengine/0.1\r\n";
    const bool body_method = method == Method::kPost || method == Method::kPut || method == Method::kPatch;
    if (body_holes) {
        out += "Content-Length: ";
        sink.Mark(RequestShape::HoleKind::kContentLength);
        out += "\r\n\r\n";
        sink.Mark(RequestShape::HoleKind::kBodyStart);
        sink.Parts(body);
        return;
    }
    if (!has_content_length && (body_size > 0 || body_method)) {
        out += "Content-Length: ";
        AppendDecimal(body_size, &out);
        out += "\r\n";
    }
    out += "\r\n";
    for (const ShapePart& p : body) out += p.text;
}

}  // namespace

std::string_view MethodName(Method method) noexcept {
    const auto i = static_cast<size_t>(method);
    return i < kMethodNames.size() ? kMethodNames[i] : std::string_view("?");
}

bool ParseMethod(std::string_view name, Method* out) noexcept {
    for (size_t i = 0; i < kMethodNames.size(); ++i) {
        if (static_cast<Method>(i) != Method::kOther && kMethodNames[i] == name) {
            *out = static_cast<Method>(i);
            return true;
        }
    }
    return false;
}

void ParseAnyMethod(std::string_view name, Method* out) {
    if (ParseMethod(name, out)) return;
    if (name.empty()) throw UsageError("invalid HTTP method: empty");
    // Checked without a copy: a script's http:request("PROPFIND", ...) runs this per request.
    bool lower = false;
    for (char c : name) {
        if (!IsTokenChar(c)) {
            throw UsageError("invalid HTTP method '" + std::string(name) + "': not an HTTP token (RFC 9110 9.1)");
        }
        lower = lower || (c >= 'a' && c <= 'z');
    }
    if (lower) {
        std::string upper(name);
        for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c;
        throw UsageError("invalid HTTP method '" + std::string(name) +
                         "': HTTP methods are case-sensitive: did you mean '" + upper + "'?");
    }
    *out = Method::kOther;
}

bool IsIdempotent(Method method) noexcept {
    switch (method) {
        case Method::kGet: case Method::kHead: case Method::kPut: case Method::kDelete: case Method::kOptions:
            return true;
        default:
            return false;
    }
}

PreparedRequest PreparedRequest::Build(Method method, const Origin& origin, std::string_view path_and_query,
                                       const HeaderList& headers, std::string_view body,
                                       std::string_view method_token) {
    PreparedRequest req;
    BuildInto(method, origin.HostHeader(), path_and_query, headers, body, &req, method_token);
    return req;
}

void PreparedRequest::BuildInto(Method method, std::string_view host_header, std::string_view path_and_query,
                                const HeaderList& headers, std::string_view body, PreparedRequest* out_req,
                                std::string_view method_token) {
    // Every part literal: the shape is complete, and there are no holes to record.
    const ShapePart target{path_and_query};
    const ShapePart body_part{body};
    Serialise(
        method, method_token, host_header, std::span<const ShapePart>(&target, 1),
        [&headers](auto&& fn) {
            for (const auto& [name, value] : headers) {
                const ShapePart part{value};
                fn(name, std::span<const ShapePart>(&part, 1));
            }
        },
        std::span<const ShapePart>(&body_part, body.empty() ? 0 : 1), out_req, nullptr);
}

RequestShape RequestShape::Make(Method method, std::string_view host_header, std::span<const ShapePart> target,
                                std::span<const ShapeHeader> headers, std::span<const ShapePart> body,
                                std::string_view method_token) {
    RequestShape shape;
    Serialise(
        method, method_token, host_header, target,
        [headers](auto&& fn) {
            for (const ShapeHeader& h : headers) fn(h.name, h.value);
        },
        body, &shape.request, &shape.holes);
    return shape;
}

void RequestShape::FillInto(HoleFiller& filler, PreparedRequest* out) const noexcept {
    out->method = request.method;
    out->idempotent = request.idempotent;
    out->connection_close = request.connection_close;
    std::string& b = out->bytes;
    b.clear();
    const std::string& literal = request.bytes;
    std::size_t from = 0;
    std::size_t target_at = 0;
    std::size_t body_at = 0;
    std::size_t length_at = std::string::npos;
    for (const Hole& h : holes) {
        b.append(literal, from, h.at - from);
        from = h.at;
        switch (h.kind) {
            case HoleKind::kValue:
                filler.AppendHole(h.id, &b);
                break;
            case HoleKind::kTargetStart:
                target_at = b.size();
                break;
            case HoleKind::kTargetEnd:
                EncodeTargetInPlace(&b, target_at);
                break;
            case HoleKind::kContentLength:
                length_at = b.size();
                break;
            case HoleKind::kBodyStart:
                body_at = b.size();
                break;
        }
    }
    b.append(literal, from);
    if (length_at != std::string::npos) {
        char digits[24];
        const auto r = std::to_chars(digits, digits + sizeof digits, b.size() - body_at);
        b.insert(length_at, digits, static_cast<std::size_t>(r.ptr - digits));
    }
}

bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (AsciiLower(a[i]) != AsciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view TrimHeaderValue(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace lse::http
