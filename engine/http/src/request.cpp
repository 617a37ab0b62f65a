#include "lse/http/request.hpp"

#include <array>
#include <charconv>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Method::kCount)> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

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

void ValidateHeader(const std::string& name, const std::string& value) {
    if (name.empty()) throw UsageError("invalid header: empty name");
    for (char c : name) {
        if (!IsTokenChar(c)) throw UsageError("invalid header name '" + name + "': not an HTTP token");
    }
    // One pass over the bytes (find_first_of with a 3-byte set calls memchr per byte of the value).
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0') {
            throw UsageError("invalid value for header '" + name + "': contains CR, LF or NUL");
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
    for (size_t i = 0; i < target.size(); ++i) {
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

}  // namespace

std::string_view MethodName(Method method) noexcept {
    const auto i = static_cast<size_t>(method);
    return i < kMethodNames.size() ? kMethodNames[i] : std::string_view("?");
}

bool ParseMethod(std::string_view name, Method* out) noexcept {
    for (size_t i = 0; i < kMethodNames.size(); ++i) {
        if (kMethodNames[i] == name) {
            *out = static_cast<Method>(i);
            return true;
        }
    }
    return false;
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
                                       const HeaderList& headers, std::string_view body) {
    PreparedRequest req;
    BuildInto(method, origin.HostHeader(), path_and_query, headers, body, &req);
    return req;
}

void PreparedRequest::BuildInto(Method method, std::string_view host_header, std::string_view path_and_query,
                                const HeaderList& headers, std::string_view body, PreparedRequest* out_req) {
    ValidateTarget(path_and_query);
    PreparedRequest& req = *out_req;
    req.method = method;
    req.idempotent = IsIdempotent(method);
    req.connection_close = false;

    bool has_host = false;
    bool has_user_agent = false;
    bool has_content_length = false;
    for (const auto& [name, value] : headers) {
        ValidateHeader(name, value);
        if (HeaderNameEquals(name, "host")) {
            has_host = true;
        } else if (HeaderNameEquals(name, "user-agent")) {
            has_user_agent = true;
        } else if (HeaderNameEquals(name, "content-length")) {
            if (!EqualsDecimal(TrimHeaderValue(value), body.size())) {
                throw UsageError("invalid value for header 'Content-Length': '" + value + "' but the body has " +
                                 std::to_string(body.size()) + " bytes");
            }
            has_content_length = true;
        } else if (HeaderNameEquals(name, "transfer-encoding")) {
            throw UsageError("header 'Transfer-Encoding' is not supported: bodies are sent with Content-Length");
        } else if (HeaderNameEquals(name, "connection") && HeaderNameEquals(TrimHeaderValue(value), "close")) {
            req.connection_close = true;
        }
    }

    std::string& out = req.bytes;
    out.clear();
    out.reserve(64 + path_and_query.size() + body.size() + headers.size() * 32);
    out += MethodName(method);
    out += ' ';
    AppendTarget(path_and_query, &out);
    out += " HTTP/1.1\r\n";
    if (!has_host) {
        out += "Host: ";
        out += host_header;
        out += "\r\n";
    }
    for (const auto& [name, value] : headers) {
        out += name;
        out += ": ";
        out += TrimHeaderValue(value);
        out += "\r\n";
    }
    if (!has_user_agent) out += "User-Agent: lsengine/0.1\r\n";
    const bool body_method = method == Method::kPost || method == Method::kPut || method == Method::kPatch;
    if (!has_content_length && (!body.empty() || body_method)) {
        out += "Content-Length: ";
        AppendDecimal(body.size(), &out);
        out += "\r\n";
    }
    out += "\r\n";
    out += body;
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
