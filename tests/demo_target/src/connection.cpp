#include "connection.hpp"

#include <cctype>
#include <cstdio>

#include "server.hpp"

namespace lse::demo {
namespace {

constexpr std::uint64_t kLingerMs = 1000;

// One uv_write in flight; owns the bytes until libuv is done with them.
struct WriteRequest {
    uv_write_t req;
    std::string bytes;
    bool close_after = false;
    bool reset_after = false;
};

Connection* FromParser(llhttp_t* parser) { return static_cast<Connection*>(parser->data); }

}  // namespace

Connection::Connection(Server* server) : server_(server) {
    llhttp_settings_init(&settings_);
    settings_.on_message_begin = OnMessageBegin;
    settings_.on_url = OnUrl;
    settings_.on_header_field = OnHeaderField;
    settings_.on_header_value = OnHeaderValue;
    settings_.on_header_value_complete = OnHeaderValueComplete;
    settings_.on_body = OnBody;
    settings_.on_message_complete = OnMessageComplete;
    llhttp_init(&parser_, HTTP_REQUEST, &settings_);
    parser_.data = this;
}

void Connection::Accept(uv_stream_t* listener) {
    uv_tcp_init(server_->Loop(), &tcp_);
    uv_timer_init(server_->Loop(), &idle_timer_);
    uv_timer_init(server_->Loop(), &delay_timer_);
    tcp_.data = idle_timer_.data = delay_timer_.data = this;
    open_handles_ = 3;
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_)) != 0 ||
        uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead) != 0) {
        CloseHandles(false);
        return;
    }
    uv_tcp_nodelay(&tcp_, 1);
    server_->App().OnConnectionAccepted();
    ArmIdleTimer();
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(handle->data);
    *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(stream->data);
    if (self->closing_) return;
    if (nread < 0) {
        uv_read_stop(stream);
        if (nread == UV_EOF && !self->lingering_) {
            self->peer_eof_ = true;
            self->Pump();  // Answers what is queued, then closes.
        } else {
            self->CloseHandles(false);
        }
        return;
    }
    if (nread == 0 || self->draining_ || self->lingering_) return;  // Discard bytes after the last reply.
    self->ArmIdleTimer();
    llhttp_errno_t err = llhttp_execute(&self->parser_, buf->base, static_cast<size_t>(nread));
    if (err != HPE_OK) {
        Request bad;
        bad.malformed = true;
        self->queue_.push_back(std::move(bad));
        uv_read_stop(stream);
    }
    self->Pump();
}

int Connection::OnMessageBegin(llhttp_t* parser) {
    Connection* self = FromParser(parser);
    self->current_ = Request();
    self->header_field_.clear();
    self->header_value_.clear();
    return 0;
}

int Connection::OnUrl(llhttp_t* parser, const char* at, size_t length) {
    FromParser(parser)->current_.target.append(at, length);
    return 0;
}

int Connection::OnHeaderField(llhttp_t* parser, const char* at, size_t length) {
    Connection* self = FromParser(parser);
    for (size_t i = 0; i < length; ++i) {
        self->header_field_.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
    }
    return 0;
}

int Connection::OnHeaderValue(llhttp_t* parser, const char* at, size_t length) {
    FromParser(parser)->header_value_.append(at, length);
    return 0;
}

int Connection::OnHeaderValueComplete(llhttp_t* parser) {
    Connection* self = FromParser(parser);
    self->current_.headers.emplace_back(std::move(self->header_field_), std::move(self->header_value_));
    self->header_field_.clear();
    self->header_value_.clear();
    return 0;
}

int Connection::OnBody(llhttp_t* parser, const char* at, size_t length) {
    FromParser(parser)->current_.body.append(at, length);
    return 0;
}

int Connection::OnMessageComplete(llhttp_t* parser) {
    Connection* self = FromParser(parser);
    self->current_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser->method));
    self->current_.keep_alive = llhttp_should_keep_alive(parser) != 0;
    self->current_.index_on_connection = self->requests_parsed_++;
    self->queue_.push_back(std::move(self->current_));
    self->current_ = Request();
    return 0;
}

void Connection::Pump() {
    DemoApp& app = server_->App();
    while (!busy_ && !draining_ && !closing_ && !queue_.empty()) {
        Request request = std::move(queue_.front());
        queue_.pop_front();
        Reply reply = app.Handle(request);
        if (!server_->Options().quiet) {
            std::string_view first_line(reply.bytes);
            first_line = first_line.substr(0, first_line.find('\r'));
            std::fprintf(stderr, "%s %s -> %.*s\n", request.method.c_str(), request.target.c_str(),
                         static_cast<int>(first_line.size()), first_line.data());
        }
        switch (reply.finish) {
            case Finish::kCloseNow:
                CloseHandles(false);
                return;
            case Finish::kHang:
                busy_ = true;
                return;
            case Finish::kReset:
                Write(std::move(reply.bytes), false, true);
                return;
            case Finish::kNormal:
            case Finish::kCount:
                break;
        }
        if (reply.delay_ms > 0) {
            delayed_ = std::move(reply);
            busy_ = true;
            // The loop's cached time lags real time (stale since the last poll, and truncated to
            // whole ms): refresh it and add 1 ms so the reply never leaves before delay_ms.
            uv_update_time(server_->Loop());
            uv_timer_start(&delay_timer_, OnDelayTimer, static_cast<std::uint64_t>(delayed_.delay_ms) + 1, 0);
            return;
        }
        Write(std::move(reply.bytes), reply.close_after, false);
    }
    if (peer_eof_ && !busy_ && !draining_ && queue_.empty()) Close();  // Waits for queued writes.
}

void Connection::OnDelayTimer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    self->busy_ = false;
    self->Write(std::move(self->delayed_.bytes), self->delayed_.close_after, false);
    self->Pump();
}

void Connection::Write(std::string bytes, bool close_after, bool reset_after) {
    if (closing_) return;
    if (close_after || reset_after) draining_ = true;
    auto* wr = new WriteRequest{};
    wr->bytes = std::move(bytes);
    wr->close_after = close_after;
    wr->reset_after = reset_after;
    wr->req.data = this;
    uv_buf_t buf = uv_buf_init(wr->bytes.data(), static_cast<unsigned>(wr->bytes.size()));
    if (uv_write(&wr->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, OnWritten) != 0) {
        delete wr;
        CloseHandles(false);
    }
}

void Connection::OnWritten(uv_write_t* req, int status) {
    auto* wr = reinterpret_cast<WriteRequest*>(req);
    auto* self = static_cast<Connection*>(req->data);
    const bool close_after = wr->close_after;
    const bool reset_after = wr->reset_after;
    delete wr;
    if (self->closing_) return;
    if (status < 0) {
        self->CloseHandles(false);
    } else if (reset_after) {
        self->CloseHandles(true);
    } else if (close_after) {
        self->Close();
    } else {
        self->ArmIdleTimer();
    }
}

void Connection::ArmIdleTimer() {
    if (closing_) return;
    const std::int64_t ms = lingering_ ? static_cast<std::int64_t>(kLingerMs) : server_->Options().idle_timeout_ms;
    if (ms > 0) uv_timer_start(&idle_timer_, OnIdleTimer, static_cast<std::uint64_t>(ms), 0);
}

void Connection::OnIdleTimer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    if (self->lingering_) {
        self->CloseHandles(false);
    } else if (self->busy_ || !self->queue_.empty()) {
        self->ArmIdleTimer();  // Not idle: a reply is on its way (or hanging on purpose).
    } else {
        self->Close();
    }
}

void Connection::Close() {
    if (closing_ || lingering_) return;
    draining_ = true;
    lingering_ = true;
    shutdown_req_.data = this;
    if (uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp_), OnShutdown) != 0) {
        CloseHandles(false);
        return;
    }
    if (peer_eof_) return;  // Nothing more to read: OnShutdown closes.
    uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead);  // Discard mode (lingering_).
    ArmIdleTimer();
}

void Connection::OnShutdown(uv_shutdown_t* req, int status) {
    auto* self = static_cast<Connection*>(req->data);
    if (self->closing_) return;
    if (status < 0 || self->peer_eof_) self->CloseHandles(false);
}

void Connection::CloseHandles(bool reset) {
    if (closing_) return;
    closing_ = true;
    server_->Forget(this);
    uv_timer_stop(&idle_timer_);
    uv_timer_stop(&delay_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_timer_), OnHandleClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&delay_timer_), OnHandleClosed);
    auto* tcp = reinterpret_cast<uv_handle_t*>(&tcp_);
    if (!reset || uv_tcp_close_reset(&tcp_, OnHandleClosed) != 0) uv_close(tcp, OnHandleClosed);
}

void Connection::OnHandleClosed(uv_handle_t* handle) {
    auto* self = static_cast<Connection*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
}

}  // namespace lse::demo
