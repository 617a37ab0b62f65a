#pragma once
/// @file
/// Asynchronous HTTP/1.1 client on one libuv loop: keep-alive connection pools per origin, DNS cache,
/// TLS, per-exchange timeouts. One Client per loop (one loop per worker thread); nothing here is
/// thread-safe. The hot path (Send -> write -> parse -> on_done) neither throws nor allocates: requests
/// are pre-serialised (PreparedRequest), exchanges are caller-owned and reused, buffers belong to
/// connections and to the client.
///
/// Connection policy
/// - Send() takes the most recently used idle connection of the origin (LIFO keeps few sockets hot).
///   Without one, the exchange joins the origin's FIFO wait queue and, while the pool has fewer than
///   max_connections_per_origin connections (open or opening), a new connection is opened for it;
///   whichever connection becomes free first serves the head of the queue.
/// - allow_queue=false: Send() returns false (and on_done is never called) when there is no idle
///   connection and the pool already has max_connections_per_origin connections.
/// - Idle connections keep reading: a server close (EOF/RST) on an idle socket drops it from the pool.
/// - Stale keep-alive retry: when a REUSED connection fails (EOF, ECONNRESET, EPIPE) before any response
///   byte arrived, an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) is sent once more on a fresh
///   connection (Result::attempts == 2); POST and PATCH complete with kReset. Never more than one retry.
///
/// Failure and backoff policy (a dead target must not make a closed-model loop spin)
/// - A failed connection setup (DNS failure -> kDns, refused/unreachable/connect timeout -> kConnect,
///   TLS handshake or certificate failure -> kTls) fails every exchange waiting on that origin with that
///   kind and detail, and puts the origin in backoff: min backoff after the first failure, doubled after
///   each failed probe, capped at the max.
/// - During backoff no connection is opened: new exchanges queue (also with allow_queue=false while the
///   pool is under its connection limit). When the backoff expires, ONE probe connection is opened; if it
///   fails, everything queued fails as above and the backoff doubles; if it succeeds, the backoff resets
///   and connections are opened for the rest of the queue.
/// - Idle connections are still used during backoff (the target may have recovered).
///
/// Timeouts: each exchange's timeout (Exchange::timeout_ns, or ClientOptions::request_timeout_ns) runs
/// from Send() and covers queueing, DNS, connect, TLS, write and the whole response; on expiry the
/// exchange completes with kTimeout and its connection (if any) is closed. Connection setup (DNS +
/// connect + TLS) is additionally bounded by connect_timeout_ns.
///
/// Proxies: a proxied origin keeps its own pool (pooling and reuse as above) whose connections go to the
/// proxy. http: the request is written in absolute form ("GET http://host:port/path HTTP/1.1") with
/// Proxy-Authorization added, from the prepared bytes without copying them. https: each new connection sends
/// CONNECT host:port first; a proxy that answers anything but 2xx fails the setup with kConnect and the
/// proxy's status in the detail. Setup failures name the proxy ("connect to proxy host:port failed: ...").

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lse/core/clock.hpp"
#include "lse/core/error_kind.hpp"
#include "lse/http/request.hpp"
#include "lse/http/result.hpp"
#include "lse/http/url.hpp"

namespace lse::http {

struct ClientOptions {
    std::int64_t connect_timeout_ns = 5 * kNsPerSec;   ///< DNS + TCP connect + TLS handshake.
    std::int64_t request_timeout_ns = 30 * kNsPerSec;  ///< Default per-exchange timeout.
    int max_connections_per_origin = 64;
    bool insecure = false;    ///< Skip certificate and host name verification.
    std::string ca_file;      ///< PEM CA bundle; empty = system default.
    std::int64_t dns_ttl_ns = 60 * kNsPerSec;
    std::int64_t reconnect_backoff_min_ns = 10 * kNsPerMs;
    std::int64_t reconnect_backoff_max_ns = 1 * kNsPerSec;
    /// Larger status line + headers: kParse, with a detail naming --max-header-size (the CLI flag that sets it).
    std::size_t max_response_header_bytes = 64 * 1024;
    /// SO_SNDBUF of each socket (after connect); 0 keeps the OS default. A small buffer makes the kernel
    /// take only part of a large request per write, which tests use to exercise the asynchronous write path.
    int send_buffer_bytes = 0;
    /// Forward proxies (lse/http/proxy.hpp): "http://[user:password@]host:port" for http:// origins (requests
    /// in absolute form) and for https:// origins (a CONNECT tunnel, then TLS with the origin); empty = direct.
    /// Hosts in no_proxy (a NO_PROXY list) go direct. The URLs are parsed by the constructor (UsageError).
    std::string http_proxy;
    std::string https_proxy;
    std::string no_proxy;
    /// Client certificate and private key (PEM) for mutual TLS; the key may be in cert_file (key_file empty).
    /// Loaded by the constructor (SetupError naming the file).
    std::string cert_file;
    std::string key_file;
    /// The same as PEM text (TlsClientOptions::cert_pem): a scenario's certificate as an agent gets it in the plan.
    std::string cert_pem;
    std::string key_pem;
};

class Exchange;
/// Called exactly once per accepted Send(), always from the loop (never from inside Send()). The
/// callback may Send() again (the same or another exchange); it must not destroy the Client.
using CompletionFn = void (*)(Exchange* exchange, void* user);

namespace detail {
template <typename T>
struct ListLinks {
    T* prev = nullptr;
    T* next = nullptr;
};
class OriginPool;
class Connection;
struct TimeoutList;
enum class ExchangeStage : std::uint8_t { kIdle, kQueued, kReserved, kActive, kCount };
/// Client bookkeeping carried inside each Exchange so that queueing needs no allocation.
struct ExchangeState {
    ListLinks<Exchange> links;          // wait queue of the origin's pool
    ListLinks<Exchange> timeout_links;  // timeout order (ExchangeTimeouts)
    TimeoutList* timeout_list = nullptr;
    std::int64_t deadline_ns = 0;
    OriginPool* pool = nullptr;
    Connection* conn = nullptr;
    ExchangeStage stage = ExchangeStage::kIdle;
};
}  // namespace detail

/// One request/response exchange. Caller-owned and reusable: fill it once, Send() it, and Send() it
/// again from on_done (or later). It must stay alive and untouched from Send() until on_done runs;
/// origin and request must stay alive as long.
class Exchange {
public:
    const Origin* origin = nullptr;
    const PreparedRequest* request = nullptr;
    std::int64_t timeout_ns = 0;  ///< 0 = ClientOptions::request_timeout_ns.
    bool capture = false;         ///< Keep headers and body in result (scripts, dry runs).
    /// Without capture: keep only the Set-Cookie headers in result.headers (no body), for a cookie jar, and Location,
    /// for following redirects. Costs a
    /// few byte compares per response header name; no allocation once result's header buffers have grown.
    bool capture_cookies = false;
    CompletionFn on_done = nullptr;
    void* user = nullptr;
    Result result;                ///< Valid in on_done; reset by the next Send().

    detail::ExchangeState internal_;  ///< Owned by the Client; do not touch.
};

namespace detail {
struct ClientCore;
}

class Client {
public:
    /// Ignores SIGPIPE process-wide (writes to a closed socket must fail with EPIPE, not kill the
    /// process). Throws lse::SetupError when options.ca_file or the client certificate is given and cannot be
    /// loaded, lse::UsageError for a bad proxy URL. The system
    /// CA bundle is loaded on the first https connection (a failure then fails that connection: kTls).
    Client(uv_loop_t* loop, ClientOptions options);
    /// Call only after Close()'s callback ran (or when nothing was ever sent). Otherwise the internal
    /// state still referenced by libuv handles is leaked on purpose rather than freed under libuv.
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Starts the exchange and returns true; on_done comes later. Returns false (on_done never called)
    /// when the origin's pool is full with no idle connection and allow_queue is false, and during
    /// CancelAll()/after Close().
    bool Send(Exchange* exchange, bool allow_queue) noexcept;

    std::size_t IdleConnections(const Origin& origin) const noexcept;
    std::size_t OpenConnections() const noexcept;   ///< Connected or connecting, all origins.
    std::size_t InFlight() const noexcept;          ///< Accepted exchanges not completed yet.
    std::uint64_t ConnectionsOpened() const noexcept;  ///< Successful TCP connects so far.
    std::uint64_t ConnectAttempts() const noexcept;    ///< TCP connects started so far.
    std::uint64_t TlsResumptions() const noexcept;     ///< TLS handshakes that resumed a cached session.
    const ClientOptions& options() const noexcept;

    /// Completes every queued and in-flight exchange with `reason` (their connections are closed; idle
    /// connections stay). Sends made from those completions return false.
    void CancelAll(lse::ErrorKind reason) noexcept;

    /// Cancels what is in flight (kReset), closes every handle, and calls on_closed from the loop once all
    /// are closed; after that the loop can end and uv_loop_close() returns 0. Send() returns false from
    /// now on.
    void Close(std::function<void()> on_closed);

private:
    std::unique_ptr<detail::ClientCore> core_;
};

}  // namespace lse::http
