#include "connection.hpp"

#include <cstring>

#include "client_core.hpp"
#include "lse/http/proxy.hpp"
#include "origin_pool.hpp"

namespace lse::http::detail {
namespace {

std::uint64_t NsToTimerMs(std::int64_t ns) {
    if (ns <= 0) return 0;
    return static_cast<std::uint64_t>((ns + kNsPerMs - 1) / kNsPerMs);
}

// A proxy's CONNECT answer is a status line and a few headers; more than this is not a proxy talking.
constexpr size_t kMaxProxyReply = 16 * 1024;

}  // namespace

Connection::Connection(ClientCore* core, OriginPool* pool, DnsEntry* dns)
    : core_(core), pool_(pool), dns_(dns), parser_(core->options.max_response_header_bytes) {
    // The timer lives as long as the object (across socket reuse); only the TCP handle is per socket.
    uv_timer_init(core_->loop, &timer_);
    timer_.data = this;
    timer_open_ = true;
    core_->HandleOpened();
    connect_req_.data = this;
    write_req_.data = this;
}

Connection::~Connection() = default;

void Connection::Open() noexcept {
    in_open_ = true;
    state_ = State::kResolving;
    served_ = 0;
    ex_ = nullptr;
    write_pending_ = false;
    deferred_kind_ = lse::ErrorKind::kNone;
    connect_start_ns_ = connected_ns_ = tls_done_ns_ = 0;
    uv_timer_start(&timer_, &Connection::OnTimer, NsToTimerMs(core_->options.connect_timeout_ns), 0);
    sockaddr_storage addr;
    if (dns_->Resolve(this, &addr)) Connect(reinterpret_cast<const sockaddr*>(&addr));
    in_open_ = false;
}

void Connection::OnDnsDone(const sockaddr* addr, int status, const std::string& detail) noexcept {
    if (state_ != State::kResolving) return;
    if (status != 0) {
        if (in_open_) {
            DeferSetupFailure(lse::ErrorKind::kDns, detail);
        } else {
            ReportSetupFailed(lse::ErrorKind::kDns, detail);
        }
        return;
    }
    Connect(addr);
}

void Connection::Connect(const sockaddr* addr) noexcept {
    sockaddr_storage target{};
    const std::uint16_t port = htons(pool_->ConnectPort());
    if (addr->sa_family == AF_INET6) {
        std::memcpy(&target, addr, sizeof(sockaddr_in6));
        reinterpret_cast<sockaddr_in6*>(&target)->sin6_port = port;
    } else {
        std::memcpy(&target, addr, sizeof(sockaddr_in));
        reinterpret_cast<sockaddr_in*>(&target)->sin_port = port;
    }
    state_ = State::kConnecting;
    int rc = uv_tcp_init(core_->loop, &tcp_);
    if (rc == 0) {
        tcp_.data = this;
        tcp_open_ = true;
        core_->HandleOpened();
        uv_tcp_nodelay(&tcp_, 1);
        connect_start_ns_ = core_->NowNs();
        ++core_->connect_attempts;
        rc = uv_tcp_connect(&connect_req_, &tcp_, reinterpret_cast<const sockaddr*>(&target), &Connection::OnConnect);
    }
    if (rc != 0) {
        std::string detail = "connect to " + pool_->ConnectName() + " failed: " + uv_strerror(rc);
        if (in_open_) {
            DeferSetupFailure(lse::ErrorKind::kConnect, std::move(detail));
        } else {
            ReportSetupFailed(lse::ErrorKind::kConnect, detail);
        }
    }
}

void Connection::OnConnect(uv_connect_t* req, int status) {
    auto* self = static_cast<Connection*>(req->data);
    if (status == UV_ECANCELED || self->state_ != State::kConnecting) return;
    if (status < 0) {
        self->ReportSetupFailed(lse::ErrorKind::kConnect,
                                "connect to " + self->pool_->ConnectName() + " failed: " + uv_strerror(status));
        return;
    }
    self->Connected();
}

void Connection::Connected() noexcept {
    connected_ns_ = core_->NowNs();
    ++core_->connections_opened;
    if (core_->options.send_buffer_bytes > 0) {
        int size = core_->options.send_buffer_bytes;
        uv_send_buffer_size(reinterpret_cast<uv_handle_t*>(&tcp_), &size);  // Best effort: a hint only.
    }
    const int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::OnAlloc, &Connection::OnRead);
    if (rc != 0) {
        ReportSetupFailed(lse::ErrorKind::kConnect, std::string("cannot read from socket: ") + uv_strerror(rc));
        return;
    }
    if (pool_->Tunnel()) {
        // The tunnel first: TLS starts once the proxy said 2xx (OnProxyBytes).
        state_ = State::kProxyConnecting;
        proxy_reply_.clear();
        const std::string& connect = pool_->ConnectRequest();
        if (!Write(connect.data(), connect.size())) {
            ReportSetupFailed(lse::ErrorKind::kConnect,
                              "CONNECT through " + pool_->ConnectName() + " failed: socket write error");
        }
        return;
    }
    if (!pool_->origin().tls) {
        ReportReady();
        return;
    }
    StartTls();
}

void Connection::OnProxyBytes(const char* data, size_t len) noexcept {
    if (proxy_reply_.size() + len > kMaxProxyReply) {
        ReportSetupFailed(lse::ErrorKind::kConnect, pool_->ConnectName() + " sent an oversized answer to CONNECT " +
                                                        pool_->origin().ToString());
        return;
    }
    proxy_reply_.append(data, len);
    const ConnectResponse reply = ParseConnectResponse(proxy_reply_);
    if (reply.state == ConnectResponse::State::kInvalid) {
        ReportSetupFailed(lse::ErrorKind::kConnect, pool_->ConnectName() + " sent an invalid answer to CONNECT " +
                                                        pool_->origin().ToString() + " (not an HTTP/1.x status line)");
        return;
    }
    if (reply.state == ConnectResponse::State::kNeedMore) return;
    if (reply.status < 200 || reply.status > 299) {
        // Not an address problem: the proxy is up and said no (407 credentials, 403 policy, 502 target down).
        ReportSetupFailed(lse::ErrorKind::kConnect,
                          pool_->ConnectName() + " refused CONNECT " + pool_->origin().ToString() + ": " +
                              std::to_string(reply.status) + (reply.reason.empty() ? "" : " " + reply.reason),
                          /*address_failed=*/false);
        return;
    }
    if (reply.header_end != proxy_reply_.size()) {
        // TLS is client-first: a server byte before our ClientHello means the tunnel is not clean.
        ReportSetupFailed(lse::ErrorKind::kConnect, pool_->ConnectName() + " sent data after accepting CONNECT " +
                                                        pool_->origin().ToString(),
                          /*address_failed=*/false);
        return;
    }
    proxy_reply_.clear();
    StartTls();
}

void Connection::StartTls() noexcept {
    state_ = State::kHandshaking;
    if (!tls_) {
        std::string error;
        TlsContext* context = core_->Tls(&error);
        if (context == nullptr) {
            ReportSetupFailed(lse::ErrorKind::kTls, "TLS setup for " + pool_->origin().ToString() + " failed: " + error);
            return;
        }
        tls_ = std::make_unique<TlsSession>(*context, pool_->origin().host, pool_->origin().port);
    } else {
        tls_->Reset(pool_->origin().host, pool_->origin().port);
    }
    const TlsResult r = tls_->Handshake();
    if (r == TlsResult::kError) {
        ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + pool_->origin().ToString() +
                                                    " failed: " + tls_->LastError());
        return;
    }
    if (!FlushTls()) {
        ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + pool_->origin().ToString() +
                                                    " failed: socket write error");
    }
}

void Connection::ReportReady() noexcept {
    uv_timer_stop(&timer_);
    state_ = State::kReady;
    pool_->OnConnectionReady(this);
}

void Connection::ReportSetupFailed(lse::ErrorKind kind, const std::string& detail, bool address_failed) noexcept {
    uv_timer_stop(&timer_);
    dns_->CancelWait(this);
    if (kind == lse::ErrorKind::kConnect && address_failed) dns_->AddressFailed();
    pool_->OnSetupFailed(this, kind, detail);
}

void Connection::DeferSetupFailure(lse::ErrorKind kind, std::string detail) noexcept {
    deferred_kind_ = kind;
    deferred_setup_ = true;
    deferred_detail_ = std::move(detail);
    uv_timer_start(&timer_, &Connection::OnTimer, 0, 0);
}

void Connection::DeferResponseFailure(lse::ErrorKind kind) noexcept {
    deferred_kind_ = kind;
    deferred_setup_ = false;
    uv_timer_start(&timer_, &Connection::OnTimer, 0, 0);
}

void Connection::OnTimer(uv_timer_t* timer) {
    auto* self = static_cast<Connection*>(timer->data);
    if (self->deferred_kind_ != lse::ErrorKind::kNone) {
        const lse::ErrorKind kind = self->deferred_kind_;
        self->deferred_kind_ = lse::ErrorKind::kNone;
        if (self->deferred_setup_) {
            self->ReportSetupFailed(kind, self->deferred_detail_);
        } else if (self->state_ == State::kBusy) {
            self->FinishExchange(kind, false);
        }
        return;
    }
    const std::string& origin = self->pool_->origin().ToString();
    switch (self->state_) {
        case State::kResolving:
            self->ReportSetupFailed(lse::ErrorKind::kDns, "DNS lookup for '" + self->dns_->host() + "' timed out");
            break;
        case State::kConnecting:
            self->ReportSetupFailed(lse::ErrorKind::kConnect, "connect to " + origin + " timed out");
            break;
        case State::kHandshaking:
            self->ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + origin + " timed out");
            break;
        case State::kProxyConnecting:
            self->ReportSetupFailed(lse::ErrorKind::kConnect, "CONNECT " + origin + " through " +
                                                                  self->pool_->ConnectName() + " timed out");
            break;
        default:
            break;
    }
}

void Connection::Start(Exchange* ex, std::int64_t now_ns) noexcept {
    ex_ = ex;
    state_ = State::kBusy;
    Result& r = ex->result;
    r.reused_connection = served_ > 0;
    if (served_ == 0) {
        r.t.connect_start_ns = connect_start_ns_;
        r.t.connected_ns = connected_ns_;
        r.t.tls_done_ns = tls_done_ns_;
    }
    ++served_;
    const PreparedRequest& req = *ex->request;
    parser_.Start(&r, req.method == Method::kHead, ex->capture, ex->capture_cookies);
    r.t.write_start_ns = now_ns;
    r.bytes_sent = req.bytes.size();
    if (tls_ && pool_->origin().tls) {
        if (tls_->WritePlaintext(req.bytes.data(), req.bytes.size()) != TlsResult::kOk) {
            DeferResponseFailure(lse::ErrorKind::kTls);
            return;
        }
        if (!FlushTls()) DeferResponseFailure(lse::ErrorKind::kReset);
        return;
    }
    if (pool_->Forward()) {
        if (!WriteForwarded(req)) DeferResponseFailure(lse::ErrorKind::kReset);
        return;
    }
    if (!Write(req.bytes.data(), req.bytes.size())) DeferResponseFailure(lse::ErrorKind::kReset);
}

bool Connection::WriteForwarded(const PreparedRequest& req) noexcept {
    // [METHOD SP][http://host:port][/target HTTP/1.1 CRLF][Proxy-Authorization: ... CRLF][headers, body]: the
    // prepared bytes are written in place, around two strings the pool built once.
    size_t target = 0;
    size_t line_end = 0;
    if (!SplitRequestLine(req.bytes, &target, &line_end)) return false;
    const std::string& prefix = pool_->AbsolutePrefix();
    const std::string& auth = pool_->ProxyAuthorizationLine();
    // "OPTIONS *" asks about the server itself: its absolute form is the bare origin (RFC 9112 3.2.4).
    const size_t target_from = req.bytes.compare(target, 2, "* ") == 0 ? target + 1 : target;
    char* bytes = const_cast<char*>(req.bytes.data());
    const uv_buf_t bufs[] = {
        uv_buf_init(bytes, static_cast<unsigned>(target)),
        uv_buf_init(const_cast<char*>(prefix.data()), static_cast<unsigned>(prefix.size())),
        uv_buf_init(bytes + target_from, static_cast<unsigned>(line_end - target_from)),
        uv_buf_init(const_cast<char*>(auth.data()), static_cast<unsigned>(auth.size())),
        uv_buf_init(bytes + line_end, static_cast<unsigned>(req.bytes.size() - line_end)),
    };
    const size_t total = req.bytes.size() - (target_from - target) + prefix.size() + auth.size();
    ex_->result.bytes_sent = total;
    return Write(bufs, 5, total);
}

bool Connection::Write(const uv_buf_t* bufs, unsigned count, size_t len) noexcept {
    // Write(data, len)'s rules over several buffers: whatever the kernel does not take at once is copied.
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    const int written = uv_try_write(stream, bufs, count);
    if (written >= 0 && static_cast<size_t>(written) == len) return true;
    if (written < 0 && written != UV_EAGAIN) return false;
    size_t skip = written > 0 ? static_cast<size_t>(written) : 0;
    pending_write_.clear();
    for (unsigned i = 0; i < count; ++i) {
        if (skip >= bufs[i].len) {
            skip -= bufs[i].len;
            continue;
        }
        pending_write_.append(bufs[i].base + skip, bufs[i].len - skip);
        skip = 0;
    }
    uv_buf_t rest = uv_buf_init(pending_write_.data(), static_cast<unsigned>(pending_write_.size()));
    if (uv_write(&write_req_, stream, &rest, 1, &Connection::OnWrite) != 0) return false;
    write_pending_ = true;
    return true;
}

bool Connection::Write(const char* data, size_t len) noexcept {
    // Requests are small: the kernel almost always takes them whole, synchronously, with no write request
    // to track. Only a full socket buffer falls back to an asynchronous write of what is left. A plain
    // request's tail is copied into pending_write_ (the caller may rebuild its request bytes as soon as the
    // exchange completes, and a server that answers early completes it before the write does); TLS records
    // already live in pending_write_ (FlushTls), so only the offset of what was taken moves.
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    uv_buf_t buf = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(len));
    const int written = uv_try_write(stream, &buf, 1);
    if (written >= 0 && static_cast<size_t>(written) == len) return true;
    if (written < 0 && written != UV_EAGAIN) return false;
    const size_t taken = written > 0 ? static_cast<size_t>(written) : 0;
    const size_t left = len - taken;
    char* rest_data;
    if (data == pending_write_.data()) {
        rest_data = pending_write_.data() + taken;
    } else {
        pending_write_.assign(data + taken, left);
        rest_data = pending_write_.data();
    }
    // Exactly the `left` bytes after what the kernel took: never more than the buffer holds.
    uv_buf_t rest = uv_buf_init(rest_data, static_cast<unsigned>(left));
    if (uv_write(&write_req_, stream, &rest, 1, &Connection::OnWrite) != 0) return false;
    write_pending_ = true;
    return true;
}

bool Connection::FlushTls() noexcept {
    if (write_pending_) return true;  // OnWrite flushes the rest.
    const size_t n = tls_->PendingCiphertext();
    if (n == 0) return true;
    pending_write_.resize(n);
    const size_t taken = tls_->TakeCiphertext(pending_write_.data(), n);
    return Write(pending_write_.data(), taken);
}

void Connection::OnWrite(uv_write_t* req, int status) {
    auto* self = static_cast<Connection*>(req->data);
    self->write_pending_ = false;
    if (status == UV_ECANCELED) return;
    const State state = self->state_;
    bool ok = status >= 0;
    if (ok && self->tls_ && self->pool_->origin().tls && state != State::kClosing && state != State::kFree &&
        state != State::kProxyConnecting) {
        ok = self->FlushTls();
    }
    if (ok) return;
    switch (state) {
        case State::kBusy:
            self->FinishExchange(lse::ErrorKind::kReset, false);
            break;
        case State::kHandshaking:
            self->ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + self->pool_->origin().ToString() +
                                                              " failed: " + uv_strerror(status < 0 ? status : UV_EPIPE));
            break;
        case State::kIdle:
            self->pool_->OnIdleClosed(self);
            break;
        case State::kProxyConnecting:
            self->ReportSetupFailed(lse::ErrorKind::kConnect,
                                    "CONNECT through " + self->pool_->ConnectName() +
                                        " failed: " + uv_strerror(status < 0 ? status : UV_EPIPE));
            break;
        default:
            break;
    }
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(handle->data);
    buf->base = self->core_->read_buffer.get();
    buf->len = ClientCore::kReadBufferSize;
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(stream->data);
    if (self->state_ == State::kClosing || self->state_ == State::kFree || nread == 0) return;
    if (nread < 0) {
        self->HandleReadError(nread);
        return;
    }
    if (self->state_ == State::kProxyConnecting) {
        self->OnProxyBytes(buf->base, static_cast<size_t>(nread));
        return;
    }
    if (!self->pool_->origin().tls) {
        self->OnPlaintext(buf->base, static_cast<size_t>(nread));
        self->EvaluateResponse();
        return;
    }

    TlsSession& tls = *self->tls_;
    tls.FeedCiphertext(buf->base, static_cast<size_t>(nread));
    if (self->state_ == State::kHandshaking) {
        const TlsResult r = tls.Handshake();
        const bool flushed = self->FlushTls();
        if (r == TlsResult::kError || r == TlsResult::kClosed) {
            self->ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + self->pool_->origin().ToString() +
                                                              " failed: " + tls.LastError());
            return;
        }
        if (!flushed) {
            self->ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + self->pool_->origin().ToString() +
                                                              " failed: socket write error");
            return;
        }
        if (r != TlsResult::kOk) return;
        self->tls_done_ns_ = self->core_->NowNs();
        self->ReportReady();  // May start an exchange on this connection right away.
        if (self->state_ != State::kBusy && self->state_ != State::kIdle) return;
    }

    TlsResult r = TlsResult::kOk;
    for (;;) {
        const size_t n = tls.ReadPlaintext(self->core_->plain_buffer.get(), ClientCore::kPlainBufferSize, &r);
        if (n == 0) break;
        self->OnPlaintext(self->core_->plain_buffer.get(), n);
        if (self->state_ != State::kBusy) return;  // Idle connection got data: already closed.
    }
    if (!self->FlushTls()) r = TlsResult::kError;  // Post-handshake replies (e.g. KeyUpdate).
    if (r == TlsResult::kClosed) {
        self->HandleReadError(UV_EOF);
        return;
    }
    if (r == TlsResult::kError) {
        if (self->state_ == State::kBusy) {
            if (self->ex_->capture) self->ex_->result.error_detail = "TLS error: " + tls.LastError();
            self->FinishExchange(lse::ErrorKind::kTls, false);
        } else if (self->state_ == State::kIdle) {
            self->pool_->OnIdleClosed(self);
        }
        return;
    }
    self->EvaluateResponse();
}

void Connection::OnPlaintext(const char* data, size_t len) noexcept {
    if (state_ == State::kBusy) {
        Result& r = ex_->result;
        const bool first = r.bytes_received == 0;
        r.bytes_received += len;
        // A response that is complete in its first read gets first_byte_ns = done_ns in Complete():
        // one clock read instead of two for the common small response.
        if (parser_.Feed(data, len) == ParseStatus::kNeedMore && first) r.t.first_byte_ns = core_->NowNs();
    } else if (state_ == State::kIdle) {
        pool_->OnIdleClosed(this);  // Unsolicited bytes: the connection is in an unknown state.
    }
}

void Connection::EvaluateResponse() noexcept {
    if (state_ != State::kBusy) return;
    switch (parser_.status()) {
        case ParseStatus::kComplete:
            FinishExchange(lse::ErrorKind::kNone, parser_.KeepAlive());
            break;
        case ParseStatus::kInvalid:
            FinishExchange(lse::ErrorKind::kParse, false);
            break;
        default:
            break;
    }
}

void Connection::HandleReadError(ssize_t nread) noexcept {
    switch (state_) {
        case State::kIdle:
            pool_->OnIdleClosed(this);
            break;
        case State::kBusy: {
            if (nread == UV_EOF) {
                const ParseStatus st = parser_.FinishEof();
                if (st == ParseStatus::kComplete) {
                    FinishExchange(lse::ErrorKind::kNone, false);
                    return;
                }
                if (st == ParseStatus::kInvalid) {
                    FinishExchange(lse::ErrorKind::kParse, false);
                    return;
                }
            }
            FinishExchange(lse::ErrorKind::kReset, false);
            break;
        }
        case State::kHandshaking:
            ReportSetupFailed(lse::ErrorKind::kTls, "TLS handshake with " + pool_->origin().ToString() +
                                                        " failed: connection closed by peer (" +
                                                        uv_strerror(static_cast<int>(nread)) + ")");
            break;
        case State::kProxyConnecting:
            ReportSetupFailed(lse::ErrorKind::kConnect,
                              pool_->ConnectName() + " closed the connection before answering CONNECT " +
                                  pool_->origin().ToString() + " (" + uv_strerror(static_cast<int>(nread)) + ")",
                              /*address_failed=*/false);
            break;
        default:
            break;
    }
}

bool Connection::RetryableFailure() const noexcept {
    return ex_ != nullptr && ex_->result.reused_connection && !parser_.SawAnyByte();
}

void Connection::FinishExchange(lse::ErrorKind kind, bool keep_alive) noexcept {
    const bool retryable = kind == lse::ErrorKind::kReset && RetryableFailure();
    if (write_pending_ || ex_->request->connection_close) keep_alive = false;
    if (kind == lse::ErrorKind::kParse && parser_.HeaderOverflow() && ex_->result.error_detail.empty()) {
        // The one parse failure a user fixes with a flag: named even without capture (URL mode), like connect
        // errors (a failure, so the allocation is off the fast path).
        ex_->result.error_detail = "response headers larger than " +
                                   std::to_string(core_->options.max_response_header_bytes) +
                                    " bytes (raise the limit with --max-header-size, or a scenario's max_header_size)";
    } else if (kind != lse::ErrorKind::kNone && ex_->capture && ex_->result.error_detail.empty()) {
        if (kind == lse::ErrorKind::kParse) {
            ex_->result.error_detail = std::string("invalid HTTP response: ") + parser_.ErrorReason();
        } else if (kind == lse::ErrorKind::kReset) {
            ex_->result.error_detail = "connection closed before the response was complete";
        }
    }
    deferred_kind_ = lse::ErrorKind::kNone;
    uv_timer_stop(&timer_);
    state_ = State::kReady;
    pool_->OnResponseDone(this, kind, keep_alive, retryable);
}

Exchange* Connection::TakeExchange() noexcept {
    Exchange* ex = ex_;
    ex_ = nullptr;
    if (state_ == State::kBusy) state_ = State::kReady;
    return ex;
}

void Connection::CloseSocket() noexcept {
    uv_timer_stop(&timer_);
    deferred_kind_ = lse::ErrorKind::kNone;
    dns_->CancelWait(this);
    ex_ = nullptr;
    reserved_ = nullptr;
    if (tcp_open_) {
        state_ = State::kClosing;
        uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnTcpClosed);
    } else {
        state_ = State::kFree;
        pool_->Recycle(this);
    }
}

void Connection::OnTcpClosed(uv_handle_t* handle) {
    auto* self = static_cast<Connection*>(handle->data);
    ClientCore* core = self->core_;
    self->tcp_open_ = false;
    self->write_pending_ = false;
    self->state_ = State::kFree;
    self->pool_->Recycle(self);
    core->HandleClosed();  // Last: may run the Close() callback, which may destroy the client.
}

void Connection::CloseTimer() noexcept {
    if (!timer_open_) return;
    timer_open_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::OnTimerClosed);
}

void Connection::OnTimerClosed(uv_handle_t* handle) {
    auto* self = static_cast<Connection*>(handle->data);
    self->core_->HandleClosed();
}

}  // namespace lse::http::detail
