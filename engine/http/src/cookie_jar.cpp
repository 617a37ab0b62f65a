#include "lse/http/cookie_jar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>

namespace lse::http {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool IEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// RFC 6265 5.1.4: the directory of the request path.
std::string_view DefaultPath(std::string_view request_path) {
    if (request_path.empty() || request_path.front() != '/') return "/";
    const size_t last = request_path.rfind('/');
    if (last == 0) return "/";
    return request_path.substr(0, last);
}

bool DomainMatches(std::string_view host, std::string_view domain) {
    if (host == domain) return true;
    return host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain &&
           host[host.size() - domain.size() - 1] == '.' && !IsIpLiteral(host);
}

bool PathMatches(std::string_view request_path, std::string_view cookie_path) {
    if (request_path == cookie_path) return true;
    if (request_path.size() > cookie_path.size() && request_path.substr(0, cookie_path.size()) == cookie_path) {
        return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
    }
    return false;
}

bool Expired(const CookieJar::Cookie& c, std::int64_t now) { return c.expires_unix >= 0 && c.expires_unix <= now; }

}  // namespace

bool ParseHttpDate(std::string_view text, std::int64_t* out_unix) {
    static const char* const kFormats[] = {
        "%a, %d %b %Y %H:%M:%S",  // IMF-fixdate (the trailing "GMT" is checked below)
        "%A, %d-%b-%y %H:%M:%S",  // RFC 850 (two-digit year; tried before the four-digit form)
        "%a, %d-%b-%Y %H:%M:%S",  // common Netscape form
        "%a %b %d %H:%M:%S %Y",   // asctime
    };
    std::string s(Trim(text));
    for (const char* format : kFormats) {
        std::tm tm{};
        const char* end = strptime(s.c_str(), format, &tm);
        if (end == nullptr) continue;
        std::string_view rest = Trim(end);
        if (!rest.empty() && rest != "GMT" && rest != "UTC") continue;
        *out_unix = static_cast<std::int64_t>(timegm(&tm));
        return true;
    }
    return false;
}

void CookieJar::Store(std::string_view set_cookie, const Origin& origin, std::string_view request_path,
                      std::int64_t now_unix) {
    // Parsed into views first: replacing a cookie the jar holds (the common case under load: a server that sets
    // its session cookie on every response) then costs no allocation.
    std::string_view pair = set_cookie.substr(0, set_cookie.find(';'));
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return;  // RFC 6265 5.2: no '=' -> ignore the cookie
    const std::string_view name = Trim(pair.substr(0, eq));
    const std::string_view value = Trim(pair.substr(eq + 1));
    if (name.empty()) return;
    std::string_view domain = origin.host;
    std::string_view path = DefaultPath(request_path);
    bool host_only = true;
    bool secure = false;
    std::int64_t expires_unix = -1;
    char domain_buf[256];  // a Domain attribute, lower-cased (DNS names have at most 253 characters)

    bool have_max_age = false;
    std::string_view attrs = set_cookie.size() > pair.size() ? set_cookie.substr(pair.size() + 1) : "";
    while (!attrs.empty()) {
        const size_t semi = attrs.find(';');
        std::string_view attr = Trim(attrs.substr(0, semi));
        attrs = semi == std::string_view::npos ? std::string_view() : attrs.substr(semi + 1);
        const size_t aeq = attr.find('=');
        std::string_view key = Trim(attr.substr(0, aeq));
        std::string_view val = aeq == std::string_view::npos ? std::string_view() : Trim(attr.substr(aeq + 1));
        if (IEquals(key, "max-age")) {
            long long seconds = 0;
            const bool negative = !val.empty() && val.front() == '-';
            std::string_view digits = negative ? val.substr(1) : val;
            auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
            if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty()) continue;
            have_max_age = true;  // Max-Age wins over Expires (RFC 6265 5.3 step 3)
            expires_unix = (negative || seconds == 0) ? 0 : now_unix + seconds;
        } else if (IEquals(key, "expires")) {
            std::int64_t when = 0;
            if (!have_max_age && ParseHttpDate(val, &when)) expires_unix = std::max<std::int64_t>(when, 0);
        } else if (IEquals(key, "domain")) {
            if (!val.empty() && val.front() == '.') val.remove_prefix(1);
            if (val.empty()) continue;
            if (val.size() > sizeof domain_buf) return;  // not a domain name
            for (size_t i = 0; i < val.size(); ++i) domain_buf[i] = AsciiLower(val[i]);
            const std::string_view d(domain_buf, val.size());
            if (!DomainMatches(origin.host, d)) return;  // a foreign domain: reject the whole cookie
            domain = d;
            host_only = false;
        } else if (IEquals(key, "path")) {
            if (!val.empty() && val.front() == '/') path = val;
        } else if (IEquals(key, "secure")) {
            secure = true;
        }
    }

    auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
        return o.name == name && o.domain == domain && o.path == path;
    });
    if (expires_unix >= 0 && expires_unix <= now_unix) {
        // A cookie dated in the past is how servers delete one.
        if (same != cookies_.end()) cookies_.erase(same);
        return;
    }
    if (same != cookies_.end()) {
        same->value.assign(value);
        same->host_only = host_only;
        same->secure = secure;
        same->expires_unix = expires_unix;
        return;
    }
    // After every cookie with a path at least as long: the jar stays in sending order.
    auto at = std::find_if(cookies_.begin(), cookies_.end(),
                           [&](const Cookie& o) { return o.path.size() < path.size(); });
    Cookie c;
    c.name = std::string(name);
    c.value = std::string(value);
    c.domain = std::string(domain);
    c.path = std::string(path);
    c.host_only = host_only;
    c.secure = secure;
    c.expires_unix = expires_unix;
    cookies_.insert(at, std::move(c));
}

void CookieJar::AppendHeaderFor(const Origin& origin, std::string_view request_path, std::int64_t now_unix,
                                std::string* out) const noexcept {
    bool first = true;
    for (const Cookie& c : cookies_) {
        if (Expired(c, now_unix)) continue;
        if (c.secure && !origin.tls) continue;
        if (c.host_only ? origin.host != c.domain : !DomainMatches(origin.host, c.domain)) continue;
        if (!PathMatches(request_path, c.path)) continue;
        if (!first) out->append("; ");
        first = false;
        out->append(c.name);
        out->push_back('=');
        out->append(c.value);
    }
}

std::string CookieJar::HeaderFor(const Origin& origin, std::string_view request_path, std::int64_t now_unix) const {
    std::string out;
    AppendHeaderFor(origin, request_path, now_unix, &out);
    return out;
}

std::string_view RequestPath(std::string_view request_bytes) noexcept {
    const size_t start = request_bytes.find(' ');
    if (start == std::string_view::npos) return "/";
    std::string_view target = request_bytes.substr(start + 1);
    target = target.substr(0, target.find_first_of(" ?\r\n"));
    if (target.empty() || target.front() != '/') return "/";
    return target;
}

namespace {

// The name of a "name=value" cookie pair, trimmed.
std::string_view PairName(std::string_view pair) { return Trim(pair.substr(0, pair.find('='))); }

bool PairsHaveName(std::string_view pairs, std::string_view name) {
    while (!pairs.empty()) {
        const size_t semi = pairs.find(';');
        if (PairName(pairs.substr(0, semi)) == name) return true;
        if (semi == std::string_view::npos) break;
        pairs.remove_prefix(semi + 1);
    }
    return false;
}

}  // namespace

void WriteWithCookies(std::string_view request, std::string_view jar_pairs, std::string* out) noexcept {
    out->clear();
    const size_t head_end = request.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {  // not a serialised request: nothing to put a header in
        out->append(request);
        return;
    }
    // Header lines run from after the request line to head_end; find the first Cookie line.
    size_t line = request.find("\r\n") + 2;
    size_t cookie_at = std::string_view::npos;
    size_t cookie_end = 0;
    while (line <= head_end) {
        const size_t end = request.find("\r\n", line);
        const std::string_view text = request.substr(line, end - line);
        if (text.size() >= 7 && IEquals(text.substr(0, 6), "cookie") && text[6] == ':') {
            cookie_at = line;
            cookie_end = end;
            break;
        }
        line = end + 2;
    }
    if (cookie_at == std::string_view::npos) {
        out->append(request.substr(0, head_end + 2));
        out->append("Cookie: ");
        out->append(jar_pairs);
        out->append(request.substr(head_end));
        return;
    }
    out->append(request.substr(0, cookie_at));
    out->append("Cookie: ");
    std::string_view own = request.substr(cookie_at + 7, cookie_end - cookie_at - 7);
    while (!own.empty()) {
        const size_t semi = own.find(';');
        const std::string_view pair = Trim(own.substr(0, semi));
        if (!pair.empty() && !PairsHaveName(jar_pairs, PairName(pair))) {
            out->append(pair);
            out->append("; ");
        }
        if (semi == std::string_view::npos) break;
        own.remove_prefix(semi + 1);
    }
    out->append(jar_pairs);
    out->append(request.substr(cookie_end));
}

}  // namespace lse::http
