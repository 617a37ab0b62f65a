#include "lse/core/redact.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <vector>

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

// ---------------------------------------------------------------- secret values

namespace {

constexpr std::array<std::string_view, 9> kSecretEnvWords = {"token", "secret",     "password", "passwd", "key",
                                                             "auth",  "credential", "cookie",   "session"};

// The JSON spelling of `value` as nlohmann::json::dump writes it (quotes, backslashes, control characters).
std::string JsonEscaped(std::string_view value) {
    std::string out;
    for (char c : value) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

// Written during setup, read by every output (some on their own threads: Prometheus, the loops' error logs).
struct SecretRegistry {
    std::shared_mutex mu;
    std::vector<std::string> values;  // longest first
    std::atomic<bool> any{false};
};

SecretRegistry& Registry() {
    static SecretRegistry registry;
    return registry;
}

}  // namespace

bool IsSecretEnvName(std::string_view name) noexcept {
    std::string n;
    n.reserve(name.size());
    for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::any_of(kSecretEnvWords.begin(), kSecretEnvWords.end(),
                       [&n](std::string_view w) { return n.find(w) != std::string::npos; });
}

bool AddSecretValue(std::string_view value) {
    if (value.size() < kMinSecretValueLength) return false;
    SecretRegistry& r = Registry();
    std::unique_lock lock(r.mu);
    for (std::string spelling : {std::string(value), JsonEscaped(value)}) {
        if (std::find(r.values.begin(), r.values.end(), spelling) == r.values.end()) r.values.push_back(spelling);
    }
    std::stable_sort(r.values.begin(), r.values.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    r.any.store(true, std::memory_order_release);
    return true;
}

bool HasSecretValues() noexcept { return Registry().any.load(std::memory_order_acquire); }

std::string RedactSecretValues(std::string_view text) {
    if (!HasSecretValues()) return std::string(text);
    SecretRegistry& r = Registry();
    std::shared_lock lock(r.mu);
    std::string out(text);
    for (const std::string& secret : r.values) {
        size_t at = out.find(secret);
        while (at != std::string::npos) {
            out.replace(at, secret.size(), "***");
            at = out.find(secret, at + 3);
        }
    }
    return out;
}

void ClearSecretValues() noexcept {
    SecretRegistry& r = Registry();
    std::unique_lock lock(r.mu);
    r.values.clear();
    r.any.store(false, std::memory_order_release);
}

}  // namespace lse
