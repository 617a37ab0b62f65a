#include "lse/http/redirect.hpp"

#include <algorithm>
#include <charconv>

namespace lse::http {
namespace {

bool Failed(const char** why, const char* text) noexcept {
    if (why != nullptr) *why = text;
    return false;
}

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool IsAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// "scheme:" at the start (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"); its length, 0 if none.
size_t SchemeLength(std::string_view s) noexcept {
    if (s.empty() || !IsAlpha(s.front())) return 0;
    for (size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ':') return i;
        if (!IsAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return 0;
    }
    return 0;
}

bool EqualsNoCase(std::string_view a, std::string_view b) noexcept { return HeaderNameEquals(a, b); }

// Drops the last segment of the path written into *out from `from` on ("/a/b" -> "/a").
void PopSegment(std::string* out, size_t from) noexcept {
    const size_t slash = out->rfind('/');
    out->resize(slash == std::string::npos || slash < from ? from : slash);
}

// RFC 3986 5.2.4 remove_dot_segments: appends `path` to *out without its "." and ".." segments.
void AppendWithoutDotSegments(std::string_view in, std::string* out) {
    const size_t from = out->size();
    while (!in.empty()) {
        if (in.starts_with("../")) {
            in.remove_prefix(3);
        } else if (in.starts_with("./")) {
            in.remove_prefix(2);
        } else if (in.starts_with("/./")) {
            in.remove_prefix(2);  // "/./x" -> "/x"
        } else if (in == "/.") {
            out->push_back('/');
            break;
        } else if (in.starts_with("/../")) {
            in.remove_prefix(3);  // "/../x" -> "/x", one segment up
            PopSegment(out, from);
        } else if (in == "/..") {
            PopSegment(out, from);
            out->push_back('/');
            break;
        } else if (in == "." || in == "..") {
            break;
        } else {
            const size_t end = in.find('/', in.front() == '/' ? 1 : 0);
            const size_t n = end == std::string_view::npos ? in.size() : end;
            out->append(in.substr(0, n));
            in.remove_prefix(n);
        }
    }
}

// Appends a relative reference's text (path or query), a space as %20 (servers send them; a request line cannot
// carry one). False for other control characters.
bool AppendReferenceText(std::string_view text, std::string* out) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ') {
            out->append("%20");
        } else if (u < 0x20 || u == 0x7f) {
            return false;
        } else {
            out->push_back(c);
        }
    }
    return true;
}

}  // namespace

bool IsRedirectStatus(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string_view FindLocation(const std::vector<std::pair<std::string, std::string>>& headers) noexcept {
    for (const auto& [name, value] : headers) {
        if (name == "location") return value;
    }
    return {};
}

bool ResolveLocation(const Url& base, std::string_view location, Url* out, const char** why) noexcept {
    location = Trim(location.substr(0, location.find('#')));
    if (location.empty()) return Failed(why, "the Location header is empty");
    // Built aside: the reference is resolved against base, which may be *out itself.
    thread_local std::string scratch;
    const size_t scheme = SchemeLength(location);
    if (scheme > 0) {
        const std::string_view name = location.substr(0, scheme);
        if (!EqualsNoCase(name, "http") && !EqualsNoCase(name, "https")) {
            return Failed(why, "the Location is not an http(s) URL");
        }
        return ParseUrlInto(location, out, why);
    }
    if (location.starts_with("//")) {  // scheme-relative: the request's scheme
        scratch.assign(base.origin.tls ? "https:" : "http:");
        scratch.append(location);
        return ParseUrlInto(scratch, out, why);
    }
    const size_t query_at = location.find('?');
    const std::string_view ref_path = location.substr(0, query_at);
    const std::string_view ref_query = query_at == std::string_view::npos ? std::string_view() : location.substr(query_at);
    const std::string_view base_path = std::string_view(base.path_and_query).substr(0, base.path_and_query.find('?'));

    scratch.clear();
    if (ref_path.empty()) {
        scratch.append(base_path);  // "?q": the same path, another query
    } else if (ref_path.front() == '/') {
        AppendWithoutDotSegments(ref_path, &scratch);
    } else {
        // Merged with the base's directory (RFC 3986 5.2.3), then the dots resolved.
        thread_local std::string merged;
        merged.assign(base_path.substr(0, base_path.rfind('/') + 1));
        if (merged.empty()) merged.push_back('/');
        merged.append(ref_path);
        AppendWithoutDotSegments(merged, &scratch);
    }
    if (scratch.empty() || scratch.front() != '/') scratch.insert(scratch.begin(), '/');
    if (&base.origin != &out->origin) out->origin = base.origin;
    out->path_and_query.clear();
    if (!AppendReferenceText(scratch, &out->path_and_query) || !AppendReferenceText(ref_query, &out->path_and_query)) {
        return Failed(why, "the Location holds a control character");
    }
    return true;
}

RedirectMethod NextRedirectMethod(int status, Method method) noexcept {
    if (status == 303 && method != Method::kHead) return {Method::kGet, false};
    if ((status == 301 || status == 302) && method == Method::kPost) return {Method::kGet, false};
    return {method, true};
}

bool KeepsHeaderOnRedirect(std::string_view name, bool cross_origin, bool body_dropped) noexcept {
    if (EqualsNoCase(name, "host") || EqualsNoCase(name, "content-length")) return false;
    if (cross_origin && (EqualsNoCase(name, "authorization") || EqualsNoCase(name, "cookie"))) return false;
    if (body_dropped) {
        for (std::string_view body_header :
             {"content-type", "content-encoding", "content-language", "content-location", "digest"}) {
            if (EqualsNoCase(name, body_header)) return false;
        }
    }
    return true;
}

void FilterRedirectHeaders(HeaderList* headers, bool cross_origin, bool body_dropped) noexcept {
    // Kept entries move forward by swapping (std::string swaps keep both buffers), then the tail is cut: the
    // dropped entries' buffers go, but no entry allocates.
    size_t kept = 0;
    for (size_t i = 0; i < headers->size(); ++i) {
        if (!KeepsHeaderOnRedirect((*headers)[i].first, cross_origin, body_dropped)) continue;
        if (kept != i) std::swap((*headers)[kept], (*headers)[i]);
        ++kept;
    }
    headers->resize(kept);
}

bool ReadSerializedRequest(std::string_view bytes, HeaderList* headers, std::string* body) noexcept {
    const size_t line_end = bytes.find("\r\n");
    const size_t head_end = bytes.find("\r\n\r\n");
    if (line_end == std::string_view::npos || head_end == std::string_view::npos || bytes.find(' ') > line_end) {
        return false;
    }
    size_t used = 0;
    size_t pos = line_end + 2;
    while (pos < head_end + 2) {
        const size_t end = bytes.find("\r\n", pos);
        const std::string_view line = bytes.substr(pos, end - pos);
        pos = end + 2;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        const std::string_view name = line.substr(0, colon);
        if (EqualsNoCase(name, "host") || EqualsNoCase(name, "content-length")) continue;
        if (used == headers->size()) headers->emplace_back();
        auto& slot = (*headers)[used++];
        slot.first.assign(name);
        slot.second.assign(Trim(line.substr(colon + 1)));
    }
    headers->resize(used);
    body->assign(bytes.substr(head_end + 4));
    return true;
}

void FormatTooManyRedirects(int max_redirects, int status, std::string_view location, std::string* out) noexcept {
    char digits[16];
    out->clear();
    out->append("stopped after ");
    auto d = std::to_chars(digits, digits + sizeof digits, max_redirects);
    out->append(digits, static_cast<size_t>(d.ptr - digits));
    out->append(max_redirects == 1 ? " redirect" : " redirects");
    out->append(" (the limit): the last response was ");
    d = std::to_chars(digits, digits + sizeof digits, status);
    out->append(digits, static_cast<size_t>(d.ptr - digits));
    out->append(" to ");
    out->append(location.substr(0, 200));
    out->append("; raise the limit with redirects = N (request or scenario) or --max-redirects");
}

}  // namespace lse::http
