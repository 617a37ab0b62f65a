#include "lse/core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace lse {
namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

constexpr std::array<std::string_view, 7> kSecretWords = {"token",  "secret", "password", "passwd",
                                                          "api-key", "apikey", "session"};

bool IsSecretFieldName(std::string_view name) {
    const std::string n = Lower(name);
    if (n == "pass" || n == "pwd" || n == "api_key" || n == "authorization") return true;
    for (std::string_view w : kSecretWords) {
        if (n.find(w) != std::string::npos) return true;
    }
    return false;
}

// JSON: "key": "value" pairs whose key is secret get their string (or scalar) value masked.
// A tolerant scan, not a parser: it only needs to find quoted keys followed by ':'.
std::string RedactJson(std::string_view body) {
    std::string out;
    out.reserve(body.size());
    size_t i = 0;
    while (i < body.size()) {
        if (body[i] != '"') {
            out += body[i++];
            continue;
        }
        size_t end = i + 1;
        while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
        if (end >= body.size()) {
            out.append(body.substr(i));
            break;
        }
        const std::string_view key = body.substr(i + 1, end - i - 1);
        out.append(body.substr(i, end - i + 1));
        i = end + 1;
        size_t j = i;
        while (j < body.size() && std::isspace(static_cast<unsigned char>(body[j]))) ++j;
        if (j >= body.size() || body[j] != ':' || !IsSecretFieldName(key)) continue;
        ++j;
        while (j < body.size() && std::isspace(static_cast<unsigned char>(body[j]))) ++j;
        out.append(body.substr(i, j - i));
        if (j < body.size() && body[j] == '"') {
            size_t vend = j + 1;
            while (vend < body.size() && body[vend] != '"') vend += body[vend] == '\\' ? 2 : 1;
            out += "\"***\"";
            i = std::min(vend + 1, body.size());
        } else {
            size_t vend = j;
            while (vend < body.size() && body[vend] != ',' && body[vend] != '}' && body[vend] != ']') ++vend;
            out += "\"***\"";
            i = vend;
        }
    }
    return out;
}

std::string RedactForm(std::string_view body) {
    std::string out;
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        if (amp == std::string_view::npos) amp = body.size();
        const std::string_view pair = body.substr(start, amp - start);
        const size_t eq = pair.find('=');
        if (!out.empty() || start > 0) out += '&';
        if (eq != std::string_view::npos && IsSecretFieldName(pair.substr(0, eq))) {
            out.append(pair.substr(0, eq + 1));
            out += "***";
        } else {
            out.append(pair);
        }
        start = amp + 1;
    }
    return out;
}

}  // namespace

bool IsSecretHeader(std::string_view name) noexcept {
    const std::string n = Lower(name);
    if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie") return true;
    for (std::string_view w : kSecretWords) {
        if (n.find(w) != std::string::npos) return true;
    }
    return false;
}

std::string RedactHeaderValue(std::string_view value) {
    const size_t space = value.find(' ');
    if (space != std::string_view::npos && space > 0) return std::string(value.substr(0, space)) + " ***";
    return "***";
}

std::string RedactBody(std::string_view body) {
    size_t first = 0;
    while (first < body.size() && std::isspace(static_cast<unsigned char>(body[first]))) ++first;
    if (first < body.size() && (body[first] == '{' || body[first] == '[')) return RedactJson(body);
    if (body.find('=') != std::string_view::npos && body.find(' ') == std::string_view::npos &&
        body.find('\n') == std::string_view::npos) {
        return RedactForm(body);
    }
    return std::string(body);
}

std::string RedactUrl(std::string_view url) {
    std::string out;
    const size_t scheme = url.find("://");
    if (scheme != std::string_view::npos) {
        const size_t host_start = scheme + 3;
        const size_t authority_end = url.find_first_of("/?#", host_start);
        const std::string_view authority = url.substr(host_start, authority_end - host_start);
        const size_t at = authority.rfind('@');
        out.append(url.substr(0, host_start));
        if (at != std::string_view::npos) {
            out.append("***");
            out.append(authority.substr(at));
        } else {
            out.append(authority);
        }
        url = authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
    }
    const size_t query = url.find('?');
    if (query == std::string_view::npos) {
        out.append(url);
        return out;
    }
    const size_t fragment = url.find('#', query);
    out.append(url.substr(0, query + 1));
    out.append(RedactBody(url.substr(query + 1, fragment - query - 1)));
    if (fragment != std::string_view::npos) out.append(url.substr(fragment));
    return out;
}

}  // namespace lse
