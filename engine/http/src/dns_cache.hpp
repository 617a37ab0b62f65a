#pragma once
/// @file
/// Per-host asynchronous DNS cache (uv_getaddrinfo). Lookups for the same host coalesce: connections
/// that need an address while a lookup is running wait for that lookup. IP literals never hit DNS.
/// Failures are not cached (the origin's reconnect backoff already limits the retry rate).

#include <netinet/in.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "intrusive_list.hpp"

namespace lse::http::detail {

struct ClientCore;

/// Something waiting for an address (a connection being opened).
class DnsWaiter {
public:
    virtual ~DnsWaiter() = default;
    /// status == 0: `addr` is the address to use (its port is not set). Otherwise a libuv error code and
    /// `detail` says what failed.
    virtual void OnDnsDone(const sockaddr* addr, int status, const std::string& detail) noexcept = 0;

    ListLinks<DnsWaiter> dns_links;
    bool dns_waiting = false;
};

inline ListLinks<DnsWaiter>& DnsWaiterLinks(DnsWaiter* w) noexcept { return w->dns_links; }
using DnsWaiterList = IntrusiveList<DnsWaiter, &DnsWaiterLinks>;

class DnsEntry {
public:
    DnsEntry(ClientCore* core, std::string host);
    DnsEntry(const DnsEntry&) = delete;
    DnsEntry& operator=(const DnsEntry&) = delete;

    /// Copies a cached address into *out and returns true, or registers `waiter` (starting a lookup when
    /// none is running) and returns false; the waiter is then called back from the loop.
    bool Resolve(DnsWaiter* waiter, sockaddr_storage* out) noexcept;
    /// Stops waiting (the connection gave up); the lookup itself goes on and fills the cache.
    void CancelWait(DnsWaiter* waiter) noexcept;
    /// A connect to the address handed out failed: hand out the next address of the host next time.
    void AddressFailed() noexcept;
    /// Asks libuv to cancel a running lookup (shutdown); the callback still runs.
    void CancelLookup() noexcept;
    bool LookupRunning() const noexcept { return lookup_running_; }
    const std::string& host() const noexcept { return host_; }

private:
    static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
    void StartLookup() noexcept;

    ClientCore* core_;
    std::string host_;
    bool literal_ = false;
    std::vector<sockaddr_storage> addrs_;  // IPv4 first: servers often listen on 127.0.0.1 only.
    std::size_t preferred_ = 0;
    std::int64_t expires_ns_ = 0;
    uv_getaddrinfo_t req_{};
    bool lookup_running_ = false;
    DnsWaiterList waiters_;
};

class DnsCache {
public:
    explicit DnsCache(ClientCore* core) : core_(core) {}
    /// The entry for host (created on first use; entries live as long as the cache).
    DnsEntry* Get(const std::string& host);
    void CancelLookups() noexcept;

private:
    ClientCore* core_;
    std::unordered_map<std::string, std::unique_ptr<DnsEntry>> entries_;
};

}  // namespace lse::http::detail
