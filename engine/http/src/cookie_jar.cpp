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

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

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
std::string DefaultPath(std::string_view request_path) {
    if (request_path.empty() || request_path.front() != '/') return "/";
    const size_t last = request_path.rfind('/');
    if (last == 0) return "/";
    return std::string(request_path.substr(0, last));
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

void CookieJar::Store(std::string_view set_cookie, const http::Origin& origin, std::string_view request_path,
                      std::int64_t now_unix) {
    std::string_view pair = set_cookie.substr(0, set_cookie.find(';'));
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return;  // RFC 6265 5.2: no '=' -> ignore the cookie
    Cookie c;
    c.name = std::string(Trim(pair.substr(0, eq)));
    c.value = std::string(Trim(pair.substr(eq + 1)));
    if (c.name.empty()) return;
    c.domain = origin.host;
    c.path = DefaultPath(request_path);

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
            c.expires_unix = (negative || seconds == 0) ? 0 : now_unix + seconds;
        } else if (IEquals(key, "expires")) {
            std::int64_t when = 0;
            if (!have_max_age && ParseHttpDate(val, &when)) c.expires_unix = std::max<std::int64_t>(when, 0);
        } else if (IEquals(key, "domain")) {
            std::string d = Lower(val);
            if (!d.empty() && d.front() == '.') d.erase(0, 1);
            if (d.empty()) continue;
            if (!DomainMatches(origin.host, d)) return;  // a foreign domain: reject the whole cookie
            c.domain = std::move(d);
            c.host_only = false;
        } else if (IEquals(key, "path")) {
            if (!val.empty() && val.front() == '/') c.path = std::string(val);
        } else if (IEquals(key, "secure")) {
            c.secure = true;
        }
    }

    auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
        return o.name == c.name && o.domain == c.domain && o.path == c.path;
    });
    if (Expired(c, now_unix)) {
        // A cookie dated in the past is how servers delete one.
        if (same != cookies_.end()) cookies_.erase(same);
        return;
    }
    if (same != cookies_.end()) {
        *same = std::move(c);
    } else {
        cookies_.push_back(std::move(c));
    }
}

std::string CookieJar::HeaderFor(const http::Origin& origin, std::string_view request_path,
                                 std::int64_t now_unix) const {
    std::vector<const Cookie*> matching;
    for (const Cookie& c : cookies_) {
        if (Expired(c, now_unix)) continue;
        if (c.secure && !origin.tls) continue;
        if (c.host_only ? origin.host != c.domain : !DomainMatches(origin.host, c.domain)) continue;
        if (!PathMatches(request_path, c.path)) continue;
        matching.push_back(&c);
    }
    std::stable_sort(matching.begin(), matching.end(),
                     [](const Cookie* a, const Cookie* b) { return a->path.size() > b->path.size(); });
    std::string out;
    for (const Cookie* c : matching) {
        if (!out.empty()) out += "; ";
        out += c->name;
        out += '=';
        out += c->value;
    }
    return out;
}

}  // namespace lse::http
