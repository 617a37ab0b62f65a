#pragma once
/// @file
/// One TCP (optionally TLS) connection to an origin: DNS -> connect -> TLS handshake -> exchanges, one
/// at a time. It moves bytes and reports events to its OriginPool, which owns all policy (reuse,
/// queueing, retry, backoff). Connection objects are recycled by their pool after the socket closes.
///
/// Re-entrancy rule: Open() and Start() are called from Client::Send() and never report back
/// synchronously; failures found there are deferred through the connection's timer to the next loop
/// iteration. Every event report to the pool is the last thing a libuv callback does.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "dns_cache.hpp"
#include "intrusive_list.hpp"
#include "lse/core/error_kind.hpp"
#include "lse/http/request.hpp"
#include "lse/http/response_parser.hpp"
#include "lse/http/tls_session.hpp"

namespace lse::http::detail {

struct ClientCore;

class Connection final : public DnsWaiter {
public:
    enum class State : std::uint8_t {
        kFree,         // Socket closed; object parked for reuse.
        kResolving,    // Waiting for DNS.
        kConnecting,   // TCP connect in progress.
        kHandshaking,  // TLS handshake in progress.
        kReady,        // Connected, between Ready report and Start/idle parking (transient).
        kIdle,         // Parked in the pool's idle list, still reading (to notice server closes).
        kBusy,         // An exchange is active.
        kClosing,      // uv_close called on the socket.
        kProxyConnecting,  // CONNECT sent to the proxy, waiting for its answer (then kHandshaking).
        kCount
    };

    Connection(ClientCore* core, OriginPool* pool, DnsEntry* dns);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Begins DNS/connect (and TLS for https). Reports OnConnectionReady or OnSetupFailed later.
    void Open() noexcept;
    /// Sends the exchange's request on a ready connection (now_ns: the caller's clock reading, the
    /// request's "sent" time). Reports OnResponseDone later.
    void Start(Exchange* ex, std::int64_t now_ns) noexcept;
    /// Detaches the active exchange without completing it (timeout/cancel); the pool then closes us.
    Exchange* TakeExchange() noexcept;
    /// Closes the socket (pool already unlinked us); the pool's Recycle() runs once it is closed.
    void CloseSocket() noexcept;
    /// Shutdown: closes the timer handle for good (the socket must already be closing or closed).
    void CloseTimer() noexcept;

    State state() const noexcept { return state_; }
    void set_state(State s) noexcept { state_ = s; }
    Exchange* exchange() const noexcept { return ex_; }
    void set_reserved(Exchange* ex) noexcept { reserved_ = ex; }
    Exchange* reserved() const noexcept { return reserved_; }
    std::uint64_t served() const noexcept { return served_; }

    ListLinks<Connection> pool_links;  // The pool's live, idle or free list (exactly one at a time).

    void OnDnsDone(const sockaddr* addr, int status, const std::string& detail) noexcept override;

private:
    static void OnConnect(uv_connect_t* req, int status);
    static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
    static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void OnWrite(uv_write_t* req, int status);
    static void OnTimer(uv_timer_t* timer);
    static void OnTcpClosed(uv_handle_t* handle);
    static void OnTimerClosed(uv_handle_t* handle);

    void Connect(const sockaddr* addr) noexcept;
    void Connected() noexcept;
    void ReportReady() noexcept;
    /// address_failed=false: a kConnect that says nothing about the address (a proxy that refused CONNECT), so
    /// the DNS entry keeps preferring it.
    void ReportSetupFailed(lse::ErrorKind kind, const std::string& detail, bool address_failed = true) noexcept;
    void DeferSetupFailure(lse::ErrorKind kind, std::string detail) noexcept;
    void DeferResponseFailure(lse::ErrorKind kind) noexcept;
    void OnPlaintext(const char* data, size_t len) noexcept;
    void EvaluateResponse() noexcept;
    void HandleReadError(ssize_t nread) noexcept;
    void FinishExchange(lse::ErrorKind kind, bool keep_alive) noexcept;
    bool Write(const char* data, size_t len) noexcept;  // false on a socket error
    bool Write(const uv_buf_t* bufs, unsigned count, size_t len) noexcept;  // len: the bufs' total
    bool WriteForwarded(const PreparedRequest& req) noexcept;  // absolute form through a proxy
    void StartTls() noexcept;
    void OnProxyBytes(const char* data, size_t len) noexcept;
    bool FlushTls() noexcept;
    bool RetryableFailure() const noexcept;

    ClientCore* core_;
    OriginPool* pool_;
    DnsEntry* dns_;
    State state_ = State::kFree;
    uv_tcp_t tcp_;
    uv_timer_t timer_;
    uv_connect_t connect_req_;
    uv_write_t write_req_;
    bool tcp_open_ = false;
    bool timer_open_ = false;
    bool write_pending_ = false;  // A uv_write (rest of a request or TLS records) is in flight.
    bool in_open_ = false;        // Inside Open(): failures must be deferred.
    std::string pending_write_;   // TLS records, or the unwritten tail of a plain request.
    std::string proxy_reply_;     // The proxy's CONNECT answer so far (setup only).

    ResponseParser parser_;
    std::unique_ptr<TlsSession> tls_;

    Exchange* ex_ = nullptr;        // Active exchange.
    Exchange* reserved_ = nullptr;  // Retry waiting for this fresh connection.
    std::uint64_t served_ = 0;      // Exchanges started on this socket.

    lse::ErrorKind deferred_kind_ = lse::ErrorKind::kNone;
    bool deferred_setup_ = false;
    std::string deferred_detail_;

    std::int64_t connect_start_ns_ = 0;
    std::int64_t connected_ns_ = 0;
    std::int64_t tls_done_ns_ = 0;
};

inline ListLinks<Connection>& ConnectionLinks(Connection* c) noexcept { return c->pool_links; }
using ConnectionList = IntrusiveList<Connection, &ConnectionLinks>;

}  // namespace lse::http::detail
