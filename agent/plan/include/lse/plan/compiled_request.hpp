#pragma once
/// @file
/// A plan request made ready to send: an http::RequestShape, the same serialiser Lua's requests and URL
/// mode use. A request without placeholders is complete (its bytes are written for every send, like URL
/// mode's static request); a request with placeholders has one hole per placeholder, filled per send
/// into a buffer the caller reuses.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/template_expand.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::plan {

/// Where a placeholder's hole is: what a response value (kValue, kRaw) must respect there.
enum class HolePlace : std::uint8_t {
    kPathStart,  ///< the whole start of the path (http:get(r.headers.location)): '/'-prefixed, a same-origin URL cut
    kTarget,     ///< elsewhere in the request target: percent-encoded where a request line needs it
    kHeader,     ///< a header value: no CR, LF or NUL
    kBody,
    kCount
};

struct CompiledRequest {
    http::Origin origin;
    /// Without holes, shape.request is the request to send; with holes, SerializeTemplated fills them.
    http::RequestShape shape;
    std::vector<const Segment*> holes;  ///< hole id -> its placeholder, in the plan (which outlives this)
    std::vector<HolePlace> places;      ///< hole id -> where it is
    runtime::StatusSet accepted = runtime::StatusSet::SuccessAndRedirects();
    std::int64_t timeout_ns = 0;  ///< 0: the runner's default
    int max_redirects = 0;        ///< PlannedRequest::max_redirects

    bool literal() const noexcept { return !shape.HasHoles(); }
};

/// Compiles a plan request. The plan must outlive the result (templated requests point into it).
/// Placeholders may appear in the path, query, header values and body, not in the scheme, host or
/// port (lse::UsageError); a response value may also be the whole start of the path (a URL that is its
/// origin then the value: "http://host:port" + kValue). A caller-given Content-Length is dropped when the body has placeholders
/// (the length changes per send). Invalid headers or targets: lse::UsageError, as from
/// http::PreparedRequest::Build, prefixed with the request's name.
CompiledRequest CompileRequest(const PlannedRequest& request);

/// Serialises a templated request for one send into *out (bytes cleared first, capacity kept; method and
/// flags set; Content-Length from the filled body). No allocation once out->bytes has grown.
/// Response values are written per their ValueEncoding (AppendValue), and must fit where they go: false, with
/// *why (static text) saying what did not, for a value at the start of the path that is a URL of another
/// origin (an absolute URL of the request's own origin is cut to its path and query; a path without its
/// leading '/' gets one, as Lua's requests do) and for a CR, LF or NUL in a header value. The request must
/// not be sent then (an extraction failure: the value cannot be used).
bool SerializeTemplated(const CompiledRequest& request, const ExpandContext& ctx, http::PreparedRequest* out,
                        const char** why = nullptr) noexcept;

/// A response value used as the start of a path (HolePlace::kPathStart), appended to *out as SerializeTemplated
/// writes it (out may be null: only the check). False with *why for an absolute URL of another origin.
bool AppendPathStart(std::string_view value, const http::Origin& origin, std::string* out, const char** why) noexcept;

/// True when `value` has a CR, LF or NUL: it cannot go into a header value (kHeaderBreak says why).
bool HasHeaderBreak(std::string_view value) noexcept;
inline constexpr const char* kHeaderBreak = "the value has a CR, LF or NUL, which a header value cannot carry";

}  // namespace lse::plan
