#include "lse/http/client.hpp"

#include <csignal>
#include <new>

#include "client_core.hpp"
#include "origin_pool.hpp"

namespace lse::http {
namespace detail {
namespace {

void OnExchangeExpired(Exchange* ex) {
    if (ex->internal_.pool != nullptr) ex->internal_.pool->OnExchangeTimeout(ex);
}

TlsClientOptions MakeTlsOptions(const ClientOptions& options) {
    TlsClientOptions tls;
    tls.verify_peer = !options.insecure;
    tls.ca_file = options.ca_file;
    tls.cert_file = options.cert_file;
    tls.key_file = options.key_file;
    tls.cert_pem = options.cert_pem;
    tls.key_pem = options.key_pem;
    return tls;
}

}  // namespace

ClientCore::ClientCore(uv_loop_t* l, ClientOptions o)
    : loop(l),
      options(std::move(o)),
      // A named CA file is checked now (before any handle exists), so a bad --ca-file fails the run
      // before any request. The system bundle is loaded on the first https connection instead
      // (Tls()): parsing it costs ~250M instructions and a few MB per client, wasted on plain http.
      // A client certificate is loaded now for the same reason.
      tls(options.ca_file.empty() && options.cert_file.empty() && options.cert_pem.empty()
              ? nullptr
              : TlsContext::CreateClient(MakeTlsOptions(options))),
      dns(this),
      http_proxy(options.http_proxy.empty() ? ProxyEndpoint{} : ParseProxyUrl(options.http_proxy, "proxy for http")),
      https_proxy(options.https_proxy.empty() ? ProxyEndpoint{}
                                              : ParseProxyUrl(options.https_proxy, "proxy for https")),
      no_proxy(options.no_proxy),
      timeouts(l, &OnExchangeExpired),
      read_buffer(new char[kReadBufferSize]),
      plain_buffer(new char[kPlainBufferSize]) {
    HandleOpened();  // the timeouts' timer
}

TlsContext* ClientCore::Tls(std::string* error) noexcept {
    if (tls) return tls.get();
    try {
        tls = TlsContext::CreateClient(MakeTlsOptions(options));
    } catch (const std::exception& e) {
        *error = e.what();
        return nullptr;
    }
    return tls.get();
}

ClientCore::~ClientCore() = default;

bool ClientCore::ArmTimeout(Exchange* ex) noexcept {
    const std::int64_t timeout = ex->timeout_ns > 0 ? ex->timeout_ns : options.request_timeout_ns;
    return timeouts.Arm(ex, timeout, ex->result.t.queued_ns);  // Send() read the clock just now
}

void ClientCore::Complete(Exchange* ex, lse::ErrorKind kind) noexcept {
    timeouts.Disarm(ex);
    ex->internal_.stage = ExchangeStage::kIdle;
    ex->internal_.conn = nullptr;
    ex->internal_.pool = nullptr;
    ex->result.error = kind;
    // A status line that arrived before a timeout, reset or parse error does not make a response:
    // status is 0 whenever the exchange failed (docs/lua-api.md), whatever the parser saw.
    if (kind != lse::ErrorKind::kNone) ex->result.status = 0;
    ex->result.t.done_ns = NowNs();
    if (ex->result.t.first_byte_ns == 0 && ex->result.bytes_received > 0) ex->result.t.first_byte_ns = ex->result.t.done_ns;
    if (kind != lse::ErrorKind::kNone && ex->capture && ex->result.error_detail.empty()) {
        ex->result.error_detail = std::string(ErrorKindName(kind)) + " error";
    }
    --in_flight;
    ex->on_done(ex, ex->user);  // Last: the callback may send again.
}

void ClientCore::Complete(Exchange* ex, lse::ErrorKind kind, const std::string& detail) noexcept {
    ex->result.error_detail = detail;
    Complete(ex, kind);
}

OriginPool* ClientCore::FindPool(const Origin& origin) const noexcept {
    if (last_pool != nullptr && last_pool->origin() == origin) return last_pool;
    for (const auto& pool : pools) {
        if (pool->origin() == origin) return pool.get();
    }
    return nullptr;
}

OriginPool* ClientCore::GetOrCreatePool(const Origin& origin) noexcept {
    OriginPool* pool = FindPool(origin);
    if (pool == nullptr) {
        try {  // Once per origin: allocation is fine here, but Send() is noexcept.
            const ProxyEndpoint* proxy = ProxyFor(origin);
            auto fresh = std::make_unique<OriginPool>(this, origin, proxy, dns.Get(proxy ? proxy->host : origin.host));
            pool = fresh.get();
            pools.push_back(std::move(fresh));
        } catch (...) {
            return nullptr;
        }
    }
    last_pool = pool;
    return pool;
}

const ProxyEndpoint* ClientCore::ProxyFor(const Origin& origin) const noexcept {
    const ProxyEndpoint& proxy = origin.tls ? https_proxy : http_proxy;
    if (proxy.empty() || no_proxy.Matches(origin)) return nullptr;
    return &proxy;
}

void ClientCore::HandleClosed() noexcept {
    --live_handles;
    MaybeFinishClose();
}

void ClientCore::MaybeFinishClose() noexcept {
    if (!closing || close_notified || live_handles != 0 || dns_lookups_running != 0) return;
    close_notified = true;
    std::function<void()> fn = std::move(on_closed);
    if (fn) fn();  // Last: may destroy the client.
}

}  // namespace detail

Client::Client(uv_loop_t* loop, ClientOptions options)
    : core_(std::make_unique<detail::ClientCore>(loop, std::move(options))) {
    // A write to a socket the peer closed must fail with EPIPE (a kReset), not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
}

Client::~Client() {
    if (core_ && (core_->live_handles != 0 || core_->dns_lookups_running != 0)) {
        // libuv still points into this state: leaking it is the only safe option (see header).
        (void)core_.release();
    }
}

bool Client::Send(Exchange* ex, bool allow_queue) noexcept {
    detail::ClientCore& core = *core_;
    if (core.closing || core.cancelling) return false;
    if (ex == nullptr || ex->origin == nullptr || ex->request == nullptr || ex->on_done == nullptr) return false;
    if (ex->internal_.stage != detail::ExchangeStage::kIdle) return false;  // Still in flight.
    detail::OriginPool* pool = core.GetOrCreatePool(*ex->origin);
    if (pool == nullptr) return false;
    ex->result.Clear();
    ex->result.attempts = 1;
    ex->result.t.queued_ns = core.NowNs();
    return pool->Send(ex, allow_queue);
}

std::size_t Client::IdleConnections(const Origin& origin) const noexcept {
    const detail::OriginPool* pool = core_->FindPool(origin);
    return pool != nullptr ? pool->IdleCount() : 0;
}

std::size_t Client::OpenConnections() const noexcept {
    std::size_t n = 0;
    for (const auto& pool : core_->pools) n += pool->LiveCount();
    return n;
}

std::size_t Client::InFlight() const noexcept { return core_->in_flight; }
std::uint64_t Client::ConnectionsOpened() const noexcept { return core_->connections_opened; }
std::uint64_t Client::ConnectAttempts() const noexcept { return core_->connect_attempts; }
std::uint64_t Client::TlsResumptions() const noexcept {
    return core_->tls ? core_->tls->resumed_handshakes() : 0;
}
const ClientOptions& Client::options() const noexcept { return core_->options; }

void Client::CancelAll(lse::ErrorKind reason) noexcept {
    detail::ClientCore& core = *core_;
    if (core.cancelling) return;
    core.cancelling = true;
    detail::ExchangeList all;
    for (auto& pool : core.pools) pool->DetachAll(&all);
    while (Exchange* ex = all.PopFront()) core.Complete(ex, reason);
    core.cancelling = false;
}

void Client::Close(std::function<void()> on_closed) {
    detail::ClientCore& core = *core_;
    if (core.closing) return;
    CancelAll(lse::ErrorKind::kReset);
    core.closing = true;
    core.on_closed = std::move(on_closed);
    for (auto& pool : core.pools) pool->Shutdown();
    core.timeouts.Close([](void* data) { static_cast<detail::ClientCore*>(data)->HandleClosed(); }, &core);
    core.dns.CancelLookups();
    // Guarantees that on_closed runs from the loop even when there is nothing else to close.
    uv_timer_init(core.loop, &core.close_kick);
    core.close_kick.data = &core;
    core.HandleOpened();
    uv_close(reinterpret_cast<uv_handle_t*>(&core.close_kick),
             [](uv_handle_t* h) { static_cast<detail::ClientCore*>(h->data)->HandleClosed(); });
}

}  // namespace lse::http
