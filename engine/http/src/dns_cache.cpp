#include "dns_cache.hpp"

#include <netdb.h>

#include <cstring>

#include "client_core.hpp"
#include "lse/http/url.hpp"

namespace lse::http::detail {

DnsEntry::DnsEntry(ClientCore* core, std::string host) : core_(core), host_(std::move(host)) {
    sockaddr_storage ss{};
    if (uv_ip4_addr(host_.c_str(), 0, reinterpret_cast<sockaddr_in*>(&ss)) == 0 ||
        uv_ip6_addr(host_.c_str(), 0, reinterpret_cast<sockaddr_in6*>(&ss)) == 0) {
        literal_ = true;
        addrs_.push_back(ss);
    }
    req_.data = this;
}

bool DnsEntry::Resolve(DnsWaiter* waiter, sockaddr_storage* out) noexcept {
    if (!addrs_.empty() && (literal_ || core_->NowNs() < expires_ns_)) {
        *out = addrs_[preferred_ % addrs_.size()];
        return true;
    }
    waiter->dns_waiting = true;
    waiters_.PushBack(waiter);
    if (!lookup_running_) StartLookup();
    return false;
}

void DnsEntry::CancelWait(DnsWaiter* waiter) noexcept {
    if (!waiter->dns_waiting) return;
    waiters_.Remove(waiter);
    waiter->dns_waiting = false;
}

void DnsEntry::AddressFailed() noexcept {
    if (addrs_.size() > 1) preferred_ = (preferred_ + 1) % addrs_.size();
}

void DnsEntry::CancelLookup() noexcept {
    if (lookup_running_) uv_cancel(reinterpret_cast<uv_req_t*>(&req_));
}

void DnsEntry::StartLookup() noexcept {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    const int rc = uv_getaddrinfo(core_->loop, &req_, &DnsEntry::OnResolved, host_.c_str(), nullptr, &hints);
    if (rc == 0) {
        lookup_running_ = true;
        ++core_->dns_lookups_running;
        return;
    }
    // Could not even start: report from the loop like any other failure would be ideal, but the only
    // caller path is connection setup, which defers its own failure reporting (see Connection).
    DnsWaiterList waiting;
    waiters_.MoveTo(waiting);
    const std::string detail = "DNS lookup for '" + host_ + "' failed: " + uv_strerror(rc);
    while (DnsWaiter* w = waiting.PopFront()) {
        w->dns_waiting = false;
        w->OnDnsDone(nullptr, rc, detail);
    }
}

void DnsEntry::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
    auto* self = static_cast<DnsEntry*>(req->data);
    ClientCore* core = self->core_;
    self->lookup_running_ = false;
    --core->dns_lookups_running;

    if (status == 0) {
        self->addrs_.clear();
        self->preferred_ = 0;
        for (int pass = 0; pass < 2; ++pass) {
            const int family = pass == 0 ? AF_INET : AF_INET6;
            for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
                if (ai->ai_family != family) continue;
                sockaddr_storage ss{};
                std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
                self->addrs_.push_back(ss);
            }
        }
        if (self->addrs_.empty()) status = UV_EAI_NODATA;
        self->expires_ns_ = core->NowNs() + core->options.dns_ttl_ns;
    }
    uv_freeaddrinfo(res);

    // Waiters may start new lookups from their callbacks (through completions and new sends): hand them
    // a detached list so that new waiters join the next lookup instead of this notification loop.
    DnsWaiterList waiting;
    self->waiters_.MoveTo(waiting);
    std::string detail;
    if (status != 0 && !waiting.Empty()) {
        detail = "DNS lookup for '" + self->host_ + "' failed: " + uv_strerror(status);
    }
    while (DnsWaiter* w = waiting.PopFront()) {
        w->dns_waiting = false;
        if (status == 0) {
            const sockaddr_storage addr = self->addrs_[self->preferred_ % self->addrs_.size()];
            w->OnDnsDone(reinterpret_cast<const sockaddr*>(&addr), 0, detail);
        } else {
            w->OnDnsDone(nullptr, status, detail);
        }
    }
    core->MaybeFinishClose();
}

DnsEntry* DnsCache::Get(const std::string& host) {
    auto it = entries_.find(host);
    if (it != entries_.end()) return it->second.get();
    auto entry = std::make_unique<DnsEntry>(core_, host);
    DnsEntry* raw = entry.get();
    entries_.emplace(host, std::move(entry));
    return raw;
}

void DnsCache::CancelLookups() noexcept {
    for (auto& [host, entry] : entries_) entry->CancelLookup();
}

}  // namespace lse::http::detail
