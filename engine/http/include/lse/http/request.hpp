#pragma once
/// @file
/// Requests are serialised to wire bytes once, at setup, and the same bytes are written for every
/// send: the hot path never formats a request.
///
/// One serialiser decides a request's bytes (request line, Host, User-Agent, Content-Length, target
/// encoding, value trimming, validation): a RequestShape is its output, literal slices with value holes.
/// A request without holes (URL mode, every Lua request) is complete at once: PreparedRequest::Build /
/// BuildInto. A replayed plan request keeps holes where its placeholders are and fills them per send
/// (RequestShape::FillInto), putting the same bytes on the wire as Build would for the filled values.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lse/http/url.hpp"

namespace lse::http {

/// The methods lsengine knows, and kOther: any other method token (PROPFIND, PURGE, MKCOL...), whose text the
/// caller keeps beside the enum and passes to the serialiser (method_token parameters below).
enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther, kCount };

/// "GET", "HEAD", ...; "" for kOther (its text is the caller's token: MethodText).
std::string_view MethodName(Method method) noexcept;
/// The method as sent: MethodName, or `token` for kOther.
inline std::string_view MethodText(Method method, std::string_view token) noexcept {
    return method == Method::kOther ? token : MethodName(method);
}
/// Case-sensitive inverse of MethodName (HTTP methods are case-sensitive); false when unknown.
bool ParseMethod(std::string_view name, Method* out) noexcept;
/// Any method a request may use: a known one (*out = it), or an upper-case RFC 9110 token (*out = kOther; the
/// caller keeps `name`). Throws lse::UsageError for anything else: "get" -> "HTTP methods are case-sensitive: did
/// you mean 'GET'?", "propfind" -> "... did you mean 'PROPFIND'?", "GE T" -> not a token. Lower-case extension
/// methods are refused too, although RFC 9110 allows them: every registered method is upper case, and a
/// lower-case name is nearly always a typo.
void ParseAnyMethod(std::string_view name, Method* out);
/// GET, HEAD, PUT, DELETE and OPTIONS (RFC 9110 9.2.2): safe to resend after a stale keep-alive close. kOther is
/// not (PROPFIND, PURGE... may be, but a resend is only safe when known to be).
bool IsIdempotent(Method method) noexcept;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct PreparedRequest {
    Method method = Method::kGet;
    bool idempotent = true;
    bool connection_close = false;  ///< The caller sent "Connection: close": never reuse the connection.
    std::string bytes;              ///< Request line + headers + blank line + body, exactly as written.

    /// Serialises a request. Adds `Host` (origin.HostHeader()), `User-Agent: lsengine/0.1` and
    /// `Content-Length` (when the body is non-empty or the method is POST, PUT or PATCH) unless the caller
    /// gave them (names compare case-insensitively). Throws lse::UsageError naming the offending header
    /// when a name is not an RFC 9110 token or a value holds CR, LF or NUL; when a caller-given
    /// Content-Length disagrees with the body; for Transfer-Encoding (bodies are always sent with
    /// Content-Length); and when path_and_query is not an origin-form target ("/..." or "*").
    /// method_token: the method's text when method is kOther (ignored otherwise).
    static PreparedRequest Build(Method method, const Origin& origin, std::string_view path_and_query,
                                 const HeaderList& headers, std::string_view body, std::string_view method_token = {});

    /// Build for a request made per send (Lua scripts): same checks and bytes, written into *out whose
    /// buffer capacity is reused, with the Host value given by the caller (origin.HostHeader(), which
    /// the caller can compute once per origin). No allocation once out->bytes has grown. On a throw,
    /// *out is unspecified.
    static void BuildInto(Method method, std::string_view host_header, std::string_view path_and_query,
                          const HeaderList& headers, std::string_view body, PreparedRequest* out,
                          std::string_view method_token = {});
};

/// One part of a request's target, a header value or its body: literal text, or (hole >= 0) a value hole that
/// RequestShape::FillInto asks a HoleFiller for at every send.
struct ShapePart {
    std::string_view text;
    std::int32_t hole = -1;
};

/// A header of a shape: a literal name, a value made of parts.
struct ShapeHeader {
    std::string_view name;
    std::span<const ShapePart> value;
};

/// Supplies hole values at send time. Holes are neither validated nor trimmed per send, so a value in a header must
/// hold no CR, LF or NUL (the filler checks: plan replay refuses such response values) and, to match Build's
/// bytes, should not start or end a header value with whitespace. A value in the request target is
/// percent-encoded like any target byte (and cut at a '#').
class HoleFiller {
public:
    virtual void AppendHole(std::int32_t hole, std::string* out) noexcept = 0;

protected:
    ~HoleFiller() = default;
};

/// A request serialised once with holes for the values that change per send.
struct RequestShape {
    enum class HoleKind : std::uint8_t {
        kValue,          ///< a hole's value goes here (a header value or the body)
        kTargetStart,    ///< the request target starts here (marker)
        kTargetEnd,      ///< ... and ends here: it is cut at '#' and percent-encoded like Build's
        kContentLength,  ///< the filled body's length, in decimal
        kBodyStart,      ///< the body starts here (marker)
    };
    struct Hole {
        std::uint32_t at = 0;  ///< offset into request.bytes
        std::int32_t id = -1;  ///< kValue: the ShapePart::hole to fill
        HoleKind kind = HoleKind::kValue;
    };

    /// Method and flags; bytes: the literal slices, holes cut out. Without holes: the whole request to send.
    PreparedRequest request;
    std::vector<Hole> holes;  ///< in byte order

    bool HasHoles() const noexcept { return !holes.empty(); }

    /// PreparedRequest::Build's rules and checks on parts (the same errors, for the literal parts). Holes may be in
    /// the target (after a first literal part that starts it with '/', or first: then the filler's value must
    /// start with '/'), in header values and in the body. A caller-given Content-Length is dropped when the body
    /// has holes (the length changes per send: it is computed at every fill); else one with holes in its value is
    /// refused. Connection: close is honoured when given literally.
    static RequestShape Make(Method method, std::string_view host_header, std::span<const ShapePart> target,
                             std::span<const ShapeHeader> headers, std::span<const ShapePart> body,
                             std::string_view method_token = {});

    /// Writes the request for one send into *out (bytes cleared first, capacity reused; method and flags copied).
    /// No allocation once out->bytes has grown; never throws.
    void FillInto(HoleFiller& filler, PreparedRequest* out) const noexcept;
};

/// Header names compare case-insensitively (RFC 9110 5.1).
bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept;

/// Optional whitespace around header values is not part of the value (RFC 9110 5.5). Everything that
/// serialises requests (PreparedRequest::Build, plan replay) trims the same way.
std::string_view TrimHeaderValue(std::string_view s) noexcept;

}  // namespace lse::http
