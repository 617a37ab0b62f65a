#pragma once
/// @file
/// The connections and waiting exchanges of one origin, and every policy decision about them: LIFO reuse
/// of idle connections, FIFO queueing, the connection limit, the stale keep-alive retry and the
/// reconnect backoff (documented in lse/http/client.hpp).

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connection.hpp"
#include "intrusive_list.hpp"
#include "lse/http/client.hpp"
#include "lse/http/proxy.hpp"

namespace lse::http::detail {

struct ClientCore;

class OriginPool {
public:
    /// proxy: null for direct connections, else the client's proxy for this origin (outlives the pool); dns is
    /// the entry of the host connections go to (the proxy's when proxied).
    OriginPool(ClientCore* core, Origin origin, const ProxyEndpoint* proxy, DnsEntry* dns);
    ~OriginPool();
    OriginPool(const OriginPool&) = delete;
    OriginPool& operator=(const OriginPool&) = delete;

    const Origin& origin() const noexcept { return origin_; }
    const ProxyEndpoint* proxy() const noexcept { return proxy_; }
    /// Port connections go to: the proxy's, or the origin's.
    std::uint16_t ConnectPort() const noexcept { return proxy_ != nullptr ? proxy_->port : origin_.port; }
    /// What a setup failure message names: "proxy host:port" or the origin.
    const std::string& ConnectName() const noexcept { return connect_name_; }
    /// https through a proxy: each new connection starts with this CONNECT request.
    bool Tunnel() const noexcept { return proxy_ != nullptr && origin_.tls; }
    const std::string& ConnectRequest() const noexcept { return connect_request_; }
    /// http through a proxy: requests are written in absolute form, "http://host[:port]" before the target and
    /// "Proxy-Authorization: ...\r\n" (empty without credentials) after the request line.
    bool Forward() const noexcept { return proxy_ != nullptr && !origin_.tls; }
    const std::string& AbsolutePrefix() const noexcept { return absolute_prefix_; }
    const std::string& ProxyAuthorizationLine() const noexcept { return proxy_authorization_line_; }
    bool Send(Exchange* ex, bool allow_queue) noexcept;
    std::size_t IdleCount() const noexcept { return idle_.Size(); }
    std::size_t LiveCount() const noexcept { return idle_.Size() + active_.Size(); }

    // Reports from connections (each is the last thing the reporting callback does).
    void OnConnectionReady(Connection* conn) noexcept;
    void OnSetupFailed(Connection* conn, lse::ErrorKind kind, const std::string& detail) noexcept;
    void OnResponseDone(Connection* conn, lse::ErrorKind kind, bool keep_alive, bool retryable) noexcept;
    void OnIdleClosed(Connection* conn) noexcept;
    void Recycle(Connection* conn) noexcept;

    // From the client core.
    void OnExchangeTimeout(Exchange* ex) noexcept;
    /// Detaches every queued, reserved and active exchange into `out` (closing their connections).
    void DetachAll(ExchangeList* out) noexcept;
    void Shutdown() noexcept;

private:
    static void OnBackoffTimer(uv_timer_t* timer);

    void Dispatch(Connection* conn) noexcept;       // Ready/free connection: serve the queue head or idle.
    void CloseConnection(Connection* conn) noexcept;  // Unlinks (live/idle) and closes the socket.
    void Pump() noexcept;                           // Opens connections for waiting exchanges.
    void OpenConnection(Exchange* reserved) noexcept;
    void EnterBackoff() noexcept;
    void StartOn(Connection* conn, Exchange* ex, std::int64_t now_ns) noexcept;

    ClientCore* core_;
    Origin origin_;
    const ProxyEndpoint* proxy_;
    std::string connect_name_;
    std::string connect_request_;           // tunnel only
    std::string absolute_prefix_;           // forward only
    std::string proxy_authorization_line_;  // forward only
    DnsEntry* dns_;
    std::vector<std::unique_ptr<Connection>> objects_;  // Owns every connection object ever made.
    ConnectionList active_;  // Opening, ready or busy.
    ConnectionList idle_;    // LIFO: front = most recently used.
    ConnectionList free_;    // Closed, reusable objects.
    ExchangeList queue_;     // FIFO of exchanges waiting for a connection.
    std::size_t opening_ = 0;           // Connections not ready yet.
    std::size_t opening_reserved_ = 0;  // ... of which carry a reserved retry.

    std::int64_t backoff_ns_ = 0;  // 0 = not in backoff.
    std::int64_t backoff_until_ns_ = 0;
    uv_timer_t backoff_timer_;
    bool backoff_timer_open_ = false;
};

}  // namespace lse::http::detail
