#pragma once
/// @file
/// The demo target's upload route, the referee of the multipart tests (issue 15): it parses multipart/form-data
/// itself (RFC 7578 / RFC 2046, independently of lsengine's builder) and keeps what each part carried, so a test
/// checks at the target that the parts and the file bytes arrived intact.
///
///   POST /upload   200 {"parts": [{"name", "filename", "content_type", "size", "fnv1a"}]} (filename and
///                  content_type only when the part had them; fnv1a: FNV-1a 64 of the part's bytes, 16 hex digits),
///                  400 {"error"} when the body is not well-formed multipart/form-data
/// GET /__stats adds "uploads": {"received": N, "rejected": N,
///                               "parts": {"name=N filename=F type=T size=S fnv1a=H": count}}.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "correlated_flows.hpp"
#include "request.hpp"

namespace lse::demo {

/// One part of a parsed multipart/form-data body.
struct FormPart {
    std::string name;
    std::optional<std::string> filename;
    std::optional<std::string> content_type;
    std::string_view content;  ///< into the parsed body
};

/// Splits a multipart/form-data body by `boundary`. Returns false with *error set when it is malformed.
bool ParseMultipart(std::string_view body, std::string_view boundary, std::vector<FormPart>* parts,
                    std::string* error);

/// The boundary parameter of a multipart/form-data Content-Type ("" when absent or another type).
std::string MultipartBoundary(std::string_view content_type);

class UploadRoutes {
public:
    /// The answer when the request is for /upload, nullopt otherwise.
    std::optional<Answer> Handle(const Request& request);
    nlohmann::json ToJson() const;
    void Reset();

private:
    std::int64_t received_ = 0;
    std::int64_t rejected_ = 0;
    std::map<std::string, std::int64_t> parts_;
};

}  // namespace lse::demo
