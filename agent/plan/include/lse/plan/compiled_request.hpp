#pragma once
/// @file
/// A plan request made ready to send. A request without placeholders is serialised once
/// (http::PreparedRequest::Build) and its bytes are written for every send, like URL mode's
/// static request. A request with placeholders keeps its parts as templates and is serialised
/// per send into a buffer the caller reuses; the layout is exactly Build's (checked at compile
/// time on a sample expansion), so both paths put the same bytes on the wire.

#include <cstdint>
#include <string>
#include <vector>

#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/template_expand.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::plan {

struct CompiledRequest {
    http::Origin origin;
    /// Literal request: the bytes to send. Templated: method and flags (its bytes are a sample).
    http::PreparedRequest prepared;
    bool literal = true;
    runtime::StatusSet accepted = runtime::StatusSet::SuccessAndRedirects();
    std::int64_t timeout_ns = 0;  ///< 0: the runner's default

    // Templated requests only.
    Template path;            ///< request target ("/..."), placeholders included
    std::string host_line;    ///< "Host: ...\r\n" unless the request gives its own Host header
    std::vector<std::pair<std::string, const Template*>> headers;  ///< into the plan (outlives this)
    const Template* body = nullptr;
    bool add_user_agent = true;
    bool caller_content_length = false;  ///< only for literal bodies (see Compile)
};

/// Compiles a plan request. The plan must outlive the result (templated requests point into it).
/// Placeholders may appear in the path, query, header values and body, not in the scheme, host or
/// port (lse::UsageError). A caller-given Content-Length is dropped when the body has placeholders
/// (the length changes per send). Invalid headers or targets: lse::UsageError, as from
/// http::PreparedRequest::Build, prefixed with the request's name.
CompiledRequest CompileRequest(const PlannedRequest& request);

/// Serialises a templated request for one send into *out (cleared first; capacity kept). *scratch is
/// working space (capacity kept). No allocation once both buffers have grown.
void SerializeTemplated(const CompiledRequest& request, const ExpandContext& ctx, std::string* out,
                        std::string* scratch) noexcept;

}  // namespace lse::plan
