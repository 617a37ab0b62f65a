#pragma once
/// @file
/// A plan request made ready to send: an http::RequestShape, the same serialiser Lua's requests and URL
/// mode use. A request without placeholders is complete (its bytes are written for every send, like URL
/// mode's static request); a request with placeholders has one hole per placeholder, filled per send
/// into a buffer the caller reuses.

#include <cstdint>
#include <vector>

#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/template_expand.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::plan {

struct CompiledRequest {
    http::Origin origin;
    /// Without holes, shape.request is the request to send; with holes, SerializeTemplated fills them.
    http::RequestShape shape;
    std::vector<const Segment*> holes;  ///< hole id -> its placeholder, in the plan (which outlives this)
    runtime::StatusSet accepted = runtime::StatusSet::SuccessAndRedirects();
    std::int64_t timeout_ns = 0;  ///< 0: the runner's default

    bool literal() const noexcept { return !shape.HasHoles(); }
};

/// Compiles a plan request. The plan must outlive the result (templated requests point into it).
/// Placeholders may appear in the path, query, header values and body, not in the scheme, host or
/// port (lse::UsageError). A caller-given Content-Length is dropped when the body has placeholders
/// (the length changes per send). Invalid headers or targets: lse::UsageError, as from
/// http::PreparedRequest::Build, prefixed with the request's name.
CompiledRequest CompileRequest(const PlannedRequest& request);

/// Serialises a templated request for one send into *out (bytes cleared first, capacity kept; method and
/// flags set). No allocation once out->bytes has grown.
void SerializeTemplated(const CompiledRequest& request, const ExpandContext& ctx, http::PreparedRequest* out) noexcept;

}  // namespace lse::plan
