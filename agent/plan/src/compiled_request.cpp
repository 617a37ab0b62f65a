#include "lse/plan/compiled_request.hpp"

#include <cctype>
#include <charconv>
#include <random>

#include "lse/core/errors.hpp"

namespace lse::plan {
namespace {

bool IsBodyMethod(http::Method m) {
    return m == http::Method::kPost || m == http::Method::kPut || m == http::Method::kPatch;
}

bool HasPlaceholders(const PlannedRequest& r) {
    if (!r.url.IsLiteral() || !r.body.IsLiteral()) return true;
    for (const auto& h : r.headers) {
        if (!h.second.IsLiteral()) return true;
    }
    return false;
}

std::string LiteralText(const Template& t) { return t.segments.empty() ? std::string() : t.segments[0].text; }

// The sample expansion used to validate a templated request: a fixed sequence number and a
// fixed-seed RNG, so two expansions of the same request are identical.
class FixedSeq final : public SeqSource {
public:
    std::uint64_t Next() noexcept override { return 1; }
};

// Splits a templated absolute URL into its origin (which must be literal) and the request
// target template.
void SplitUrl(const Template& url, http::Origin* origin, Template* path) {
    if (url.segments.empty() || url.segments[0].kind != Segment::Kind::kLiteral) {
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
    *origin = http::ParseUrl(head.substr(0, cut)).origin;
    path->segments.clear();
    Segment first;
    first.text = (head[cut] == '?' ? "/" : "") + head.substr(cut);
    path->segments.push_back(std::move(first));
    for (size_t i = 1; i < url.segments.size(); ++i) {
        if (url.segments[i].kind == Segment::Kind::kLiteral && url.segments[i].text.find('#') != std::string::npos) {
            throw UsageError("a URL with placeholders cannot have a #fragment");
        }
        path->segments.push_back(url.segments[i]);
    }
}

void CompileInto(const PlannedRequest& r, CompiledRequest* c) {
    c->timeout_ns = r.timeout_ns;
    if (!r.expect.empty()) {
        c->accepted = runtime::StatusSet();
        for (const auto& [lo, hi] : r.expect) {
            for (int s = std::max(lo, 0); s <= std::min(hi, 599); ++s) c->accepted.Add(s);
        }
    }
    http::HeaderList literal_headers;
    if (!HasPlaceholders(r)) {
        c->literal = true;
        const http::Url url = http::ParseUrl(LiteralText(r.url));
        c->origin = url.origin;
        for (const auto& [name, value] : r.headers) literal_headers.emplace_back(name, LiteralText(value));
        c->prepared = http::PreparedRequest::Build(r.method, url.origin, url.path_and_query, literal_headers,
                                                   LiteralText(r.body));
        return;
    }

    c->literal = false;
    if (r.url.IsLiteral()) {
        const http::Url url = http::ParseUrl(LiteralText(r.url));
        c->origin = url.origin;
        c->path.segments = {Segment{Segment::Kind::kLiteral, url.path_and_query, 0, 0}};
    } else {
        SplitUrl(r.url, &c->origin, &c->path);
    }
    bool has_host = false;
    for (const auto& [name, value] : r.headers) {
        if (http::HeaderNameEquals(name, "content-length") && !r.body.IsLiteral()) continue;  // recomputed per send
        if (http::HeaderNameEquals(name, "host")) has_host = true;
        if (http::HeaderNameEquals(name, "user-agent")) c->add_user_agent = false;
        if (http::HeaderNameEquals(name, "content-length")) c->caller_content_length = true;
        c->headers.emplace_back(name, &value);
    }
    c->host_line = has_host ? std::string() : "Host: " + c->origin.HostHeader() + "\r\n";
    c->body = &r.body;

    // Validate a sample expansion with the real serialiser, and check that ours lays the bytes
    // out exactly like it: from then on, per-send serialisation needs no checks.
    FixedSeq seq;
    std::mt19937_64 rng_a(7);
    std::mt19937_64 rng_b(7);
    ExpandContext ctx_a{&seq, &rng_a, 1};
    ExpandContext ctx_b{&seq, &rng_b, 1};
    const std::string sample_path = Expand(c->path, ctx_a);
    for (const auto& [name, value] : c->headers) literal_headers.emplace_back(name, Expand(*value, ctx_a));
    const std::string sample_body = Expand(r.body, ctx_a);
    c->prepared = http::PreparedRequest::Build(r.method, c->origin, sample_path, literal_headers, sample_body);
    std::string ours;
    std::string scratch;
    SerializeTemplated(*c, ctx_b, &ours, &scratch);
    if (ours != c->prepared.bytes) throw SetupError("internal error: templated request serialisation differs");
}

template <typename Int>
void AppendInt(Int v, std::string* out) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
}

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

void SerializeTemplated(const CompiledRequest& c, const ExpandContext& ctx, std::string* out,
                        std::string* scratch) noexcept {
    out->clear();
    out->append(http::MethodName(c.prepared.method));
    out->push_back(' ');
    AppendExpanded(c.path, ctx, out);
    out->append(" HTTP/1.1\r\n");
    out->append(c.host_line);
    for (const auto& [name, value] : c.headers) {
        out->append(name);
        out->append(": ");
        scratch->clear();
        AppendExpanded(*value, ctx, scratch);
        out->append(http::TrimHeaderValue(*scratch));
        out->append("\r\n");
    }
    if (c.add_user_agent) out->append("User-Agent: lsengine/0.1\r\n");
    scratch->clear();
    if (c.body != nullptr) AppendExpanded(*c.body, ctx, scratch);
    if (!c.caller_content_length && (!scratch->empty() || IsBodyMethod(c.prepared.method))) {
        out->append("Content-Length: ");
        AppendInt(scratch->size(), out);
        out->append("\r\n");
    }
    out->append("\r\n");
    out->append(*scratch);
}

}  // namespace lse::plan
