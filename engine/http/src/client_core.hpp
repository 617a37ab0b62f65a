#pragma once
/// @file
/// State shared by the pools and connections of one Client: the loop, options, TLS context, DNS cache,
/// shared read buffers, exchange timers, counters and the shutdown bookkeeping.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns_cache.hpp"
#include "exchange_timeouts.hpp"
#include "intrusive_list.hpp"
#include "lse/http/client.hpp"
#include "lse/http/proxy.hpp"
#include "lse/http/tls_context.hpp"

namespace lse::http::detail {

struct ClientCore {
    ClientCore(uv_loop_t* loop, ClientOptions options);
    ~ClientCore();

    std::int64_t NowNs() const noexcept { return static_cast<std::int64_t>(uv_hrtime()); }

    /// Starts the exchange's timeout (from now). false only when out of memory.
    bool ArmTimeout(Exchange* ex) noexcept;
    /// Detaches the exchange from client bookkeeping, records the outcome and calls on_done.
    /// Callers must have removed it from queues/connections first and must not touch it afterwards.
    void Complete(Exchange* ex, lse::ErrorKind kind) noexcept;
    /// Same, with a detail string (setup failures always; other kinds only when capturing).
    void Complete(Exchange* ex, lse::ErrorKind kind, const std::string& detail) noexcept;

    OriginPool* FindPool(const Origin& origin) const noexcept;
    OriginPool* GetOrCreatePool(const Origin& origin) noexcept;
    /// The TLS context, created on first use (see the constructor); null with *error set when it cannot be.
    TlsContext* Tls(std::string* error) noexcept;
    /// The proxy an origin's connections go through, or null for a direct connection.
    const ProxyEndpoint* ProxyFor(const Origin& origin) const noexcept;

    /// Every uv handle the client initialises is counted, so Close() knows when the last one is gone.
    void HandleOpened() noexcept { ++live_handles; }
    void HandleClosed() noexcept;
    void MaybeFinishClose() noexcept;

    uv_loop_t* loop;
    ClientOptions options;
    std::unique_ptr<TlsContext> tls;  // use Tls(): null until the first https connection
    DnsCache dns;
    ProxyEndpoint http_proxy;   // empty: direct
    ProxyEndpoint https_proxy;
    NoProxyList no_proxy;
    std::vector<std::unique_ptr<OriginPool>> pools;
    OriginPool* last_pool = nullptr;  // Most sends go to the same origin as the previous one.

    ExchangeTimeouts timeouts;

    // The loop is single-threaded and each read is consumed inside its callback, so one buffer serves
    // every socket of the client (as in Node.js) instead of one per connection.
    static constexpr std::size_t kReadBufferSize = 64 * 1024;
    std::unique_ptr<char[]> read_buffer;
    static constexpr std::size_t kPlainBufferSize = 32 * 1024;
    std::unique_ptr<char[]> plain_buffer;

    std::size_t in_flight = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t connect_attempts = 0;
    std::size_t live_handles = 0;
    std::size_t dns_lookups_running = 0;
    bool cancelling = false;
    bool closing = false;
    bool close_notified = false;
    std::function<void()> on_closed;
    uv_timer_t close_kick;  // Closed immediately by Close(): guarantees on_closed runs from the loop.
};

}  // namespace lse::http::detail
