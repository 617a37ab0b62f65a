#include "lse/http/request.hpp"

#include <array>
#include <cctype>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Method::kCount)> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

bool IsTokenChar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
        case '-': case '.': case '^': case '_': case '`': case '|': case '~':
            return true;
        default:
            return false;
    }
}


void ValidateHeader(const std::string& name, const std::string& value) {
    if (name.empty()) throw UsageError("invalid header: empty name");
    for (char c : name) {
        if (!IsTokenChar(c)) throw UsageError("invalid header name '" + name + "': not an HTTP token");
    }
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
    ValidateTarget(path_and_query);
    PreparedRequest req;
    req.method = method;
    req.idempotent = IsIdempotent(method);

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
            if (TrimHeaderValue(value) != std::to_string(body.size())) {
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
    out.reserve(64 + path_and_query.size() + body.size() + headers.size() * 32);
    out += MethodName(method);
    out += ' ';
    out += path_and_query;
    out += " HTTP/1.1\r\n";
    if (!has_host) {
        out += "Host: ";
        out += origin.HostHeader();
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
        out += std::to_string(body.size());
        out += "\r\n";
    }
    out += "\r\n";
    out += body;
    return req;
}

bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
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
