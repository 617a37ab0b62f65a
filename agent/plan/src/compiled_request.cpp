#include "lse/plan/compiled_request.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "lse/core/errors.hpp"

namespace lse::plan {
namespace {

// A template as shape parts: literal segments as they are, each placeholder a hole (its id indexes c->holes).
void AddParts(const Segment* begin, const Segment* end, HolePlace place, CompiledRequest* c,
              std::vector<http::ShapePart>* parts) {
    for (const Segment* s = begin; s != end; ++s) {
        if (s->kind == Segment::Kind::kLiteral) {
            parts->push_back(http::ShapePart{s->text});
        } else {
            parts->push_back(http::ShapePart{{}, static_cast<std::int32_t>(c->holes.size())});
            c->holes.push_back(s);
            c->places.push_back(place);
        }
    }
}

std::vector<http::ShapePart> Parts(const Template& t, HolePlace place, CompiledRequest* c) {
    std::vector<http::ShapePart> parts;
    AddParts(t.segments.data(), t.segments.data() + t.segments.size(), place, c, &parts);
    return parts;
}

// Splits an absolute URL into its origin (which must be literal) and the request target's parts. *target_head
// holds the target's first literal part.
std::vector<http::ShapePart> SplitUrl(const Template& url, CompiledRequest* c, std::string* target_head) {
    std::vector<http::ShapePart> parts;
    if (url.IsLiteral()) {
        const http::Url parsed = http::ParseUrl(url.segments.empty() ? std::string() : url.segments[0].text);
        c->origin = parsed.origin;
        *target_head = parsed.path_and_query;
        parts.push_back(http::ShapePart{*target_head});
        return parts;
    }
    if (url.segments[0].kind != Segment::Kind::kLiteral) {
        throw UsageError("the URL must start with a literal scheme://host:port (placeholders are allowed only in "
                         "the path, query, headers and body)");
    }
    const std::string& head = url.segments[0].text;
    const size_t scheme_end = head.find("://");
    const size_t cut = scheme_end == std::string::npos ? std::string::npos : head.find_first_of("/?#", scheme_end + 3);
    if (cut == std::string::npos && scheme_end != std::string::npos &&
        url.segments[1].kind == Segment::Kind::kValue) {
        // The origin, then a response value: the value is the path (http:get(r.headers["location"])).
        c->origin = http::ParseUrl(head).origin;
        for (size_t i = 2; i < url.segments.size(); ++i) {
            if (url.segments[i].kind == Segment::Kind::kLiteral && url.segments[i].text.find('#') != std::string::npos) {
                throw UsageError("a URL with placeholders cannot have a #fragment");
            }
        }
        AddParts(url.segments.data() + 1, url.segments.data() + 2, HolePlace::kPathStart, c, &parts);
        AddParts(url.segments.data() + 2, url.segments.data() + url.segments.size(), HolePlace::kTarget, c, &parts);
        return parts;
    }
    if (cut == std::string::npos || head[cut] == '#') {
        throw UsageError("placeholders are allowed only in the path, query, headers and body of a URL, not in "
                         "its scheme, host or port");
    }
    c->origin = http::ParseUrl(head.substr(0, cut)).origin;
    *target_head = (head[cut] == '?' ? "/" : "") + head.substr(cut);
    for (const Segment& s : url.segments) {
        if (s.kind == Segment::Kind::kLiteral && (&s == &url.segments[0] ? *target_head : s.text).find('#') !=
                                                     std::string::npos) {
            throw UsageError("a URL with placeholders cannot have a #fragment");
        }
    }
    parts.push_back(http::ShapePart{*target_head});
    AddParts(url.segments.data() + 1, url.segments.data() + url.segments.size(), HolePlace::kTarget, c, &parts);
    return parts;
}

void CompileInto(const PlannedRequest& r, CompiledRequest* c) {
    c->timeout_ns = r.timeout_ns;
    c->max_redirects = r.max_redirects;
    if (!r.expect.empty()) {
        c->accepted = runtime::StatusSet();
        for (const auto& [lo, hi] : r.expect) {
            for (int s = std::max(lo, 0); s <= std::min(hi, 599); ++s) c->accepted.Add(s);
        }
    }
    std::string target_head;
    const std::vector<http::ShapePart> target = SplitUrl(r.url, c, &target_head);
    std::vector<std::vector<http::ShapePart>> values;
    values.reserve(r.headers.size());
    std::vector<http::ShapeHeader> headers;
    headers.reserve(r.headers.size());
    for (const auto& [name, value] : r.headers) {
        values.push_back(Parts(value, HolePlace::kHeader, c));
        headers.push_back(http::ShapeHeader{name, values.back()});
    }
    const std::vector<http::ShapePart> body = Parts(r.body, HolePlace::kBody, c);
    c->shape = http::RequestShape::Make(r.method, c->origin.HostHeader(), target, headers, body, r.method_token);
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + ('a' - 'A')) : s[i];
        if (c != prefix[i]) return false;
    }
    return true;
}

// True when `authority` ("host", "host:port", "[v6]:port", as in a URL) names `origin` (whose scheme the caller
// checked): hosts compare case-insensitively, a missing port is the scheme's default. No allocation.
bool SameAuthority(std::string_view authority, const http::Origin& origin) noexcept {
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return false;
            port = after.substr(1);
        }
    } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.size() != origin.host.size() || !StartsWithNoCase(host, origin.host)) return false;
    unsigned value = origin.DefaultPort();
    if (!port.empty()) {
        if (port.size() > 5) return false;
        value = 0;
        for (char d : port) {
            if (d < '0' || d > '9') return false;
            value = value * 10 + static_cast<unsigned>(d - '0');
        }
    }
    return value == origin.port;
}

}  // namespace

bool AppendPathStart(std::string_view value, const http::Origin& origin, std::string* out, const char** why) noexcept {
    const bool http = StartsWithNoCase(value, "http://");
    if (http || StartsWithNoCase(value, "https://")) {
        const std::string_view rest = value.substr(http ? 7 : 8);
        const size_t end = rest.find_first_of("/?#");
        const std::string_view authority = rest.substr(0, end);
        if (http == origin.tls || !SameAuthority(authority, origin)) {
            *why = "the URL is not on the request's origin (an agent sends only to its plan's origins)";
            return false;
        }
        const std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        if (out == nullptr) return true;
        if (target.empty() || target.front() != '/') out->push_back('/');
        out->append(target);
        return true;
    }
    if (out == nullptr) return true;
    if (value.empty() || value.front() != '/') out->push_back('/');
    out->append(value);
    return true;
}

bool HasHeaderBreak(std::string_view value) noexcept {
    for (char ch : value) {
        if (ch == '\r' || ch == '\n' || ch == '\0') return true;
    }
    return false;
}

namespace {

class SegmentFiller final : public http::HoleFiller {
public:
    SegmentFiller(const CompiledRequest& c, const ExpandContext& ctx) : c_(c), ctx_(ctx) {}
    void AppendHole(std::int32_t hole, std::string* out) noexcept override {
        const Segment& seg = *c_.holes[static_cast<size_t>(hole)];
        const HolePlace place = c_.places[static_cast<size_t>(hole)];
        if (seg.kind == Segment::Kind::kValue && place == HolePlace::kPathStart) {
            const auto slot = static_cast<size_t>(seg.a);
            const std::string_view text = ctx_.values != nullptr && seg.a >= 0 && slot < ctx_.value_count
                                              ? std::string_view(ctx_.values[slot].text)
                                              : std::string_view();
            AppendPathStart(text, c_.origin, out, &why_);
            return;
        }
        const size_t from = out->size();
        AppendSegment(seg, ctx_, out);
        if (place == HolePlace::kHeader && (seg.kind == Segment::Kind::kValue || seg.kind == Segment::Kind::kData) &&
            HasHeaderBreak(std::string_view(*out).substr(from))) {
            why_ = kHeaderBreak;
        }
    }
    const char* why() const noexcept { return why_; }

private:
    const CompiledRequest& c_;
    const ExpandContext& ctx_;
    const char* why_ = nullptr;
};

}  // namespace

CompiledRequest CompileRequest(const PlannedRequest& request) {
    CompiledRequest c;
    try {
        CompileInto(request, &c);
    } catch (const UsageError& e) {
        throw UsageError("request '" + request.name + "': " + e.what());
    }
    return c;
}

bool SerializeTemplated(const CompiledRequest& c, const ExpandContext& ctx, http::PreparedRequest* out,
                        const char** why) noexcept {
    SegmentFiller filler(c, ctx);
    c.shape.FillInto(filler, out);
    if (filler.why() == nullptr) return true;
    if (why != nullptr) *why = filler.why();
    return false;
}

}  // namespace lse::plan
