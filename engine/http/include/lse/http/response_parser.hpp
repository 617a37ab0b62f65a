#pragma once
/// @file
/// Incremental HTTP/1.1 response parser (llhttp underneath), independent of sockets so that every
/// framing case can be unit-tested by feeding byte sequences split anywhere.
///
/// Handles Content-Length, chunked (extensions and trailers), close-delimited bodies (ended by
/// FinishEof), interim 1xx responses (skipped; parsing continues with the final response), responses to
/// HEAD (no body whatever the headers say), 204/304 (no body), HTTP/1.0 and `Connection: close`.

#include <llhttp.h>

#include <cstddef>
#include <string_view>

#include "lse/http/result.hpp"

namespace lse::http {

enum class ParseStatus {
    kNeedMore,   ///< The response is not complete yet.
    kComplete,   ///< The final response is complete; Result::status (and capture) are filled.
    kInvalid,    ///< Not valid HTTP (or headers over the size limit): ErrorKind::kParse.
    kTruncated,  ///< EOF before the response was complete: ErrorKind::kReset.
    kCount
};

class ResponseParser {
public:
    static constexpr size_t kDefaultMaxHeaderBytes = 64 * 1024;

    explicit ResponseParser(size_t max_header_bytes = kDefaultMaxHeaderBytes) noexcept;
    ResponseParser(const ResponseParser&) = delete;  // llhttp keeps a pointer back to this object.
    ResponseParser& operator=(const ResponseParser&) = delete;

    /// Prepares for the response to one request. `result` receives the status and, when capture is
    /// true, headers and body (it must outlive the parse); when only capture_cookies is, the Set-Cookie
    /// headers (as "set-cookie") and Location (as "location": a redirect's target) and no body. Reuses the llhttp state: no allocation.
    void Start(Result* result, bool head_request, bool capture, bool capture_cookies = false) noexcept;

    /// Feeds response bytes. After kComplete, bytes beyond the response are ignored and make
    /// KeepAlive() false (we never pipeline, so they are a protocol violation). After kComplete or an
    /// error, further calls return the same status.
    ParseStatus Feed(const char* data, size_t len) noexcept;

    /// The peer closed the connection: completes a close-delimited body (kComplete) or reports
    /// kTruncated (including when no byte arrived at all) / the earlier error.
    ParseStatus FinishEof() noexcept;

    ParseStatus status() const noexcept { return status_; }
    /// After kComplete: the connection may carry another request (HTTP/1.1 without `Connection: close`,
    /// or HTTP/1.0 with keep-alive, not close-delimited, no extra bytes, not 101).
    bool KeepAlive() const noexcept { return keep_alive_ && !extra_bytes_; }
    /// True once any byte of this response (including interim 1xx) was fed.
    bool SawAnyByte() const noexcept { return saw_bytes_; }
    /// Human reason for kInvalid ("invalid HTTP status code", "response headers too large", ...).
    const char* ErrorReason() const noexcept { return error_reason_; }
    /// kInvalid because the status line and headers exceeded max_header_bytes
    /// (ClientOptions::max_response_header_bytes, --max-header-size).
    bool HeaderOverflow() const noexcept { return status_ == ParseStatus::kInvalid && header_overflow_; }

private:
    static int OnMessageBegin(llhttp_t* p);
    static int OnStatus(llhttp_t* p, const char* at, size_t len);
    static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
    static int OnHeaderFieldComplete(llhttp_t* p);
    static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
    static int OnHeadersComplete(llhttp_t* p);
    static int OnBody(llhttp_t* p, const char* at, size_t len);
    static int OnMessageComplete(llhttp_t* p);
    static const llhttp_settings_t& Settings() noexcept;

    bool CountHeaderBytes(size_t len) noexcept;
    void MatchCookieName(const char* at, size_t len) noexcept;

    static constexpr std::string_view kSetCookie = "set-cookie";
    // Kept with the cookies: a redirect's target, which the runners follow without a full capture.
    static constexpr std::string_view kLocation = "location";

    llhttp_t parser_;
    Result* result_ = nullptr;
    size_t max_header_bytes_;
    size_t header_bytes_ = 0;
    bool head_request_ = false;
    bool capture_ = false;
    bool capture_cookies_ = false;
    // Cookies-only capture: how many bytes of the current header name matched "set-cookie" so far (a name
    // arrives in pieces); kNoMatch once it cannot be Set-Cookie. The value is kept only when it was.
    static constexpr size_t kNoMatch = static_cast<size_t>(-1);
    size_t cookie_name_matched_ = 0;
    size_t location_name_matched_ = 0;  // the same for "location"
    bool keep_value_ = false;
    bool in_header_field_ = false;
    bool headers_done_ = false;
    bool saw_bytes_ = false;
    bool interim_done_ = false;   // An interim 1xx message just completed: reset and keep going.
    bool final_done_ = false;     // The final response completed (set from the llhttp callback).
    bool keep_alive_ = false;
    bool extra_bytes_ = false;
    bool header_overflow_ = false;
    ParseStatus status_ = ParseStatus::kNeedMore;
    const char* error_reason_ = "";
};

}  // namespace lse::http
