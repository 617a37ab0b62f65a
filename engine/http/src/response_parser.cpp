#include "lse/http/response_parser.hpp"

namespace lse::http {
namespace {

ResponseParser* Self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

}  // namespace

const llhttp_settings_t& ResponseParser::Settings() noexcept {
    static const llhttp_settings_t settings = [] {
        llhttp_settings_t s;
        llhttp_settings_init(&s);
        s.on_message_begin = &ResponseParser::OnMessageBegin;
        s.on_status = &ResponseParser::OnStatus;
        s.on_header_field = &ResponseParser::OnHeaderField;
        s.on_header_field_complete = &ResponseParser::OnHeaderFieldComplete;
        s.on_header_value = &ResponseParser::OnHeaderValue;
        s.on_headers_complete = &ResponseParser::OnHeadersComplete;
        s.on_body = &ResponseParser::OnBody;
        s.on_message_complete = &ResponseParser::OnMessageComplete;
        return s;
    }();
    return settings;
}

ResponseParser::ResponseParser(size_t max_header_bytes) noexcept : max_header_bytes_(max_header_bytes) {
    llhttp_init(&parser_, HTTP_RESPONSE, &Settings());
    parser_.data = this;
}

void ResponseParser::Start(Result* result, bool head_request, bool capture, bool capture_cookies) noexcept {
    llhttp_reset(&parser_);
    result_ = result;
    head_request_ = head_request;
    capture_ = capture;
    capture_cookies_ = capture_cookies && !capture;
    cookie_name_matched_ = 0;
    location_name_matched_ = 0;
    keep_value_ = false;
    header_bytes_ = 0;
    in_header_field_ = false;
    headers_done_ = false;
    saw_bytes_ = false;
    interim_done_ = false;
    final_done_ = false;
    keep_alive_ = false;
    extra_bytes_ = false;
    header_overflow_ = false;
    status_ = ParseStatus::kNeedMore;
    error_reason_ = "";
}

ParseStatus ResponseParser::Feed(const char* data, size_t len) noexcept {
    if (status_ != ParseStatus::kNeedMore) {
        if (status_ == ParseStatus::kComplete && len > 0) extra_bytes_ = true;
        return status_;
    }
    if (len > 0) saw_bytes_ = true;
    while (len > 0) {
        const llhttp_errno_t err = llhttp_execute(&parser_, data, len);
        if (err == HPE_OK) return status_;
        if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
            const char* pos = llhttp_get_error_pos(&parser_);
            const size_t used = pos != nullptr && pos >= data && pos <= data + len ? static_cast<size_t>(pos - data)
                                                                                   : len;
            if (final_done_ || err == HPE_PAUSED_UPGRADE) {
                if (err == HPE_PAUSED_UPGRADE) keep_alive_ = false;  // 101: the connection left HTTP.
                if (used < len) extra_bytes_ = true;
                status_ = ParseStatus::kComplete;
                return status_;
            }
            // An interim 1xx response ended: start over on the same bytes for the next message.
            interim_done_ = false;
            llhttp_reset(&parser_);
            data += used;
            len -= used;
            continue;
        }
        error_reason_ = header_overflow_ ? "response headers too large" : llhttp_get_error_reason(&parser_);
        if (error_reason_ == nullptr) error_reason_ = llhttp_errno_name(err);
        status_ = ParseStatus::kInvalid;
        return status_;
    }
    return status_;
}

ParseStatus ResponseParser::FinishEof() noexcept {
    if (status_ != ParseStatus::kNeedMore) return status_;
    if (!saw_bytes_) {
        status_ = ParseStatus::kTruncated;
        return status_;
    }
    llhttp_finish(&parser_);  // Runs on_message_complete for a close-delimited body.
    if (final_done_) {
        keep_alive_ = false;
        status_ = ParseStatus::kComplete;
    } else {
        status_ = ParseStatus::kTruncated;
    }
    return status_;
}

namespace {

// Advances *matched (bytes of `want` matched so far in a header name that arrives in pieces) over the next piece;
// kNoMatch once the name cannot be `want`. Whitespace before the colon still matches ("Set-Cookie :").
void MatchName(std::string_view want, const char* at, size_t len, size_t no_match, size_t* matched) noexcept {
    for (size_t i = 0; i < len && *matched != no_match; ++i) {
        const char c = at[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
        if (*matched < want.size() && lower == want[*matched]) {
            ++*matched;
        } else if (*matched == want.size() && (c == ' ' || c == '\t')) {
            // whitespace before the colon: still the name
        } else {
            *matched = no_match;
        }
    }
}

}  // namespace

void ResponseParser::MatchCookieName(const char* at, size_t len) noexcept {
    MatchName(kSetCookie, at, len, kNoMatch, &cookie_name_matched_);
    MatchName(kLocation, at, len, kNoMatch, &location_name_matched_);
}

bool ResponseParser::CountHeaderBytes(size_t len) noexcept {
    header_bytes_ += len;
    if (header_bytes_ > max_header_bytes_) {
        header_overflow_ = true;
        return false;
    }
    return true;
}

int ResponseParser::OnMessageBegin(llhttp_t* p) {
    ResponseParser* self = Self(p);
    self->header_bytes_ = 0;
    self->headers_done_ = false;
    self->in_header_field_ = false;
    if (self->capture_ || self->capture_cookies_) {
        // An interim 1xx response's headers are not the final response's headers.
        self->result_->ClearHeaders();
        self->result_->body.clear();
    }
    return 0;
}

int ResponseParser::OnStatus(llhttp_t* p, const char*, size_t len) {
    return Self(p)->CountHeaderBytes(len) ? 0 : -1;
}

int ResponseParser::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
    ResponseParser* self = Self(p);
    if (!self->headers_done_ && !self->CountHeaderBytes(len)) return -1;
    if (self->capture_cookies_) {
        self->MatchCookieName(at, len);
        return 0;
    }
    if (!self->capture_) return 0;
    std::string& name = self->in_header_field_ ? self->result_->headers.back().first : self->result_->AddHeader().first;
    self->in_header_field_ = true;
    // Lower-cased while copied (ASCII only: header names are tokens), one pass over the bytes.
    const size_t old = name.size();
    name.resize(old + len);
    char* out = name.data() + old;
    for (size_t i = 0; i < len; ++i) {
        const char c = at[i];
        out[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
    }
    return 0;
}

int ResponseParser::OnHeaderFieldComplete(llhttp_t* p) {
    // "X-Bad : v": RFC 9112 5.1 has servers reject whitespace between a field name and its colon, and
    // proxies strip it. llhttp lets responses through with it (as browsers and curl do, a client should
    // still read such a response), but it ends up in the name span; trim it so that "x-bad" is the key.
    ResponseParser* self = Self(p);
    if (self->capture_cookies_) {
        // llhttp's name span may end in the whitespace before the colon (see below): "Set-Cookie :" counts.
        const bool cookie = self->cookie_name_matched_ == kSetCookie.size();
        self->keep_value_ = cookie || self->location_name_matched_ == kLocation.size();
        self->cookie_name_matched_ = 0;
        self->location_name_matched_ = 0;
        if (self->keep_value_) self->result_->AddHeader().first.assign(cookie ? kSetCookie : kLocation);
        return 0;
    }
    if (!self->capture_ || self->result_->headers.empty()) return 0;
    std::string& name = self->result_->headers.back().first;
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    return 0;
}

int ResponseParser::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
    ResponseParser* self = Self(p);
    if (!self->headers_done_ && !self->CountHeaderBytes(len)) return -1;
    self->in_header_field_ = false;
    if ((self->capture_ || (self->capture_cookies_ && self->keep_value_)) && !self->result_->headers.empty()) {
        self->result_->headers.back().second.append(at, len);
    }
    return 0;
}

int ResponseParser::OnHeadersComplete(llhttp_t* p) {
    ResponseParser* self = Self(p);
    self->headers_done_ = true;
    self->in_header_field_ = false;
    self->result_->status = llhttp_get_status_code(p);
    // 1 = "this message has no body": the only way to tell llhttp that we sent HEAD.
    return self->head_request_ ? 1 : 0;
}

int ResponseParser::OnBody(llhttp_t* p, const char* at, size_t len) {
    ResponseParser* self = Self(p);
    if (self->capture_) self->result_->body.append(at, len);
    return 0;
}

int ResponseParser::OnMessageComplete(llhttp_t* p) {
    ResponseParser* self = Self(p);
    const int status = llhttp_get_status_code(p);
    if (status >= 100 && status < 200 && status != 101) {
        self->interim_done_ = true;
    } else {
        self->final_done_ = true;
        self->keep_alive_ = status != 101 && llhttp_should_keep_alive(p) != 0;
    }
    // Pause so that Feed can tell where this message ended (no pipelining; interim: reset and go on).
    return HPE_PAUSED;
}

}  // namespace lse::http
