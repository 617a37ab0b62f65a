#include "lse/plan/compiled_request.hpp"

#include <algorithm>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::plan {
namespace {

// A template as shape parts: literal segments as they are, each placeholder a hole (its id indexes c->holes).
void AddParts(const Segment* begin, const Segment* end, CompiledRequest* c, std::vector<http::ShapePart>* parts) {
    for (const Segment* s = begin; s != end; ++s) {
        if (s->kind == Segment::Kind::kLiteral) {
            parts->push_back(http::ShapePart{s->text});
        } else {
            parts->push_back(http::ShapePart{{}, static_cast<std::int32_t>(c->holes.size())});
            c->holes.push_back(s);
        }
    }
}

std::vector<http::ShapePart> Parts(const Template& t, CompiledRequest* c) {
    std::vector<http::ShapePart> parts;
    AddParts(t.segments.data(), t.segments.data() + t.segments.size(), c, &parts);
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
    AddParts(url.segments.data() + 1, url.segments.data() + url.segments.size(), c, &parts);
    return parts;
}

void CompileInto(const PlannedRequest& r, CompiledRequest* c) {
    c->timeout_ns = r.timeout_ns;
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
        values.push_back(Parts(value, c));
        headers.push_back(http::ShapeHeader{name, values.back()});
    }
    const std::vector<http::ShapePart> body = Parts(r.body, c);
    c->shape = http::RequestShape::Make(r.method, c->origin.HostHeader(), target, headers, body);
}

class SegmentFiller final : public http::HoleFiller {
public:
    SegmentFiller(const CompiledRequest& c, const ExpandContext& ctx) : c_(c), ctx_(ctx) {}
    void AppendHole(std::int32_t hole, std::string* out) noexcept override {
        AppendSegment(*c_.holes[static_cast<size_t>(hole)], ctx_, out);
    }

private:
    const CompiledRequest& c_;
    const ExpandContext& ctx_;
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

void SerializeTemplated(const CompiledRequest& c, const ExpandContext& ctx, http::PreparedRequest* out) noexcept {
    SegmentFiller filler(c, ctx);
    c.shape.FillInto(filler, out);
}

}  // namespace lse::plan
