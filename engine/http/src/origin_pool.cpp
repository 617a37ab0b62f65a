#include "origin_pool.hpp"

#include <algorithm>

#include "client_core.hpp"

namespace lse::http::detail {
namespace {

std::uint64_t NsToTimerMs(std::int64_t ns) {
    if (ns <= 0) return 0;
    return static_cast<std::uint64_t>((ns + kNsPerMs - 1) / kNsPerMs);
}

// Per-attempt fields start over when an exchange is retried on a fresh connection.
void ResetForRetry(Result& r) noexcept {
    r.status = 0;
    r.bytes_sent = 0;
    r.bytes_received = 0;
    r.reused_connection = false;
    const std::int64_t queued = r.t.queued_ns;
    r.t = Timings{};
    r.t.queued_ns = queued;
    r.error_detail.clear();
    r.ClearHeaders();
    r.body.clear();
}

}  // namespace

OriginPool::OriginPool(ClientCore* core, Origin origin, const ProxyEndpoint* proxy, DnsEntry* dns)
    : core_(core), origin_(std::move(origin)), proxy_(proxy), dns_(dns) {
    // Built once per origin, so a proxied request costs no formatting.
    connect_name_ = proxy_ != nullptr ? "proxy " + proxy_->ToString() : origin_.ToString();
    if (Tunnel()) connect_request_ = BuildConnectRequest(origin_, *proxy_);
    if (Forward()) {
        absolute_prefix_ = "http://" + origin_.HostHeader();
        if (!proxy_->authorization.empty()) {
            proxy_authorization_line_ = "Proxy-Authorization: " + proxy_->authorization + "\r\n";
        }
    }
    uv_timer_init(core_->loop, &backoff_timer_);
    backoff_timer_.data = this;
    backoff_timer_open_ = true;
    core_->HandleOpened();
}

OriginPool::~OriginPool() = default;

bool OriginPool::Send(Exchange* ex, bool allow_queue) noexcept {
    if (Connection* conn = idle_.PopFront()) {
        if (!core_->ArmTimeout(ex)) {
            idle_.PushFront(conn);
            return false;
        }
        active_.PushBack(conn);
        ex->internal_.pool = this;
        ++core_->in_flight;
        StartOn(conn, ex, ex->result.t.queued_ns);  // Send() read the clock just now
        return true;
    }
    const auto max = static_cast<std::size_t>(std::max(1, core_->options.max_connections_per_origin));
    if (!allow_queue && LiveCount() >= max) return false;
    if (!core_->ArmTimeout(ex)) return false;
    ex->internal_.pool = this;
    ex->internal_.stage = ExchangeStage::kQueued;
    ++core_->in_flight;
    queue_.PushBack(ex);
    Pump();
    return true;
}

void OriginPool::StartOn(Connection* conn, Exchange* ex, std::int64_t now_ns) noexcept {
    ex->internal_.stage = ExchangeStage::kActive;
    ex->internal_.conn = conn;
    conn->Start(ex, now_ns);
}

void OriginPool::Dispatch(Connection* conn) noexcept {
    // The connection is in active_. FIFO: the longest-waiting exchange gets it first.
    if (!queue_.Empty() && !core_->closing) {
        StartOn(conn, queue_.PopFront(), core_->NowNs());
        return;
    }
    active_.Remove(conn);
    conn->set_state(Connection::State::kIdle);
    idle_.PushFront(conn);
}

void OriginPool::Pump() noexcept {
    if (core_->closing || core_->cancelling) return;
    if (backoff_ns_ > 0) {
        // Backoff: at most one probe connection, and only once the backoff has expired.
        if (queue_.Empty() || opening_ > 0) return;
        const std::int64_t now = core_->NowNs();
        if (now >= backoff_until_ns_) {
            OpenConnection(nullptr);
        } else if (uv_is_active(reinterpret_cast<uv_handle_t*>(&backoff_timer_)) == 0) {
            uv_timer_start(&backoff_timer_, &OriginPool::OnBackoffTimer, NsToTimerMs(backoff_until_ns_ - now), 0);
        }
        return;
    }
    const auto max = static_cast<std::size_t>(std::max(1, core_->options.max_connections_per_origin));
    while (queue_.Size() > opening_ - opening_reserved_ && LiveCount() < max) OpenConnection(nullptr);
}

void OriginPool::OnBackoffTimer(uv_timer_t* timer) {
    static_cast<OriginPool*>(timer->data)->Pump();
}

void OriginPool::OpenConnection(Exchange* reserved) noexcept {
    Connection* conn = free_.PopFront();
    if (conn == nullptr) {
        objects_.push_back(std::make_unique<Connection>(core_, this, dns_));
        conn = objects_.back().get();
    }
    active_.PushBack(conn);
    ++opening_;
    conn->set_reserved(reserved);
    if (reserved != nullptr) {
        ++opening_reserved_;
        reserved->internal_.stage = ExchangeStage::kReserved;
        reserved->internal_.conn = conn;
    }
    conn->Open();
}

void OriginPool::EnterBackoff() noexcept {
    const std::int64_t now = core_->NowNs();
    const std::int64_t min = std::max<std::int64_t>(core_->options.reconnect_backoff_min_ns, kNsPerMs);
    const std::int64_t max = std::max(core_->options.reconnect_backoff_max_ns, min);
    if (backoff_ns_ == 0) {
        backoff_ns_ = min;
    } else if (now >= backoff_until_ns_) {
        // A probe failed: back off further. Failures of connections opened before the backoff started
        // (now < until) do not escalate it.
        backoff_ns_ = std::min(backoff_ns_ * 2, max);
    } else {
        return;
    }
    backoff_until_ns_ = now + backoff_ns_;
}

void OriginPool::OnConnectionReady(Connection* conn) noexcept {
    --opening_;
    backoff_ns_ = 0;
    backoff_until_ns_ = 0;
    uv_timer_stop(&backoff_timer_);
    Exchange* reserved = conn->reserved();
    if (reserved != nullptr) {
        --opening_reserved_;
        conn->set_reserved(nullptr);
        StartOn(conn, reserved, core_->NowNs());
    } else {
        Dispatch(conn);
    }
    Pump();
}

void OriginPool::OnSetupFailed(Connection* conn, lse::ErrorKind kind, const std::string& detail) noexcept {
    --opening_;
    Exchange* reserved = conn->reserved();
    if (reserved != nullptr) {
        --opening_reserved_;
        conn->set_reserved(nullptr);
    }
    CloseConnection(conn);
    EnterBackoff();
    // Completions may send again: those join the (now empty) queue and wait for the backoff.
    ExchangeList failed;
    queue_.MoveTo(failed);
    if (reserved != nullptr) failed.PushFront(reserved);
    while (Exchange* ex = failed.PopFront()) core_->Complete(ex, kind, detail);
}

void OriginPool::OnResponseDone(Connection* conn, lse::ErrorKind kind, bool keep_alive, bool retryable) noexcept {
    Exchange* ex = conn->TakeExchange();
    if (kind == lse::ErrorKind::kNone && keep_alive && !core_->closing) {
        Dispatch(conn);
    } else {
        CloseConnection(conn);
    }
    if (retryable && ex->request->idempotent && ex->result.attempts < 2 && !core_->closing && !core_->cancelling) {
        // A reused connection died before answering: the server most likely closed it while idle.
        // Safe to resend an idempotent request once, on a fresh connection (ignoring backoff).
        ResetForRetry(ex->result);
        ex->result.attempts = 2;
        OpenConnection(ex);
        Pump();
        return;
    }
    Pump();
    core_->Complete(ex, kind);
}

void OriginPool::OnIdleClosed(Connection* conn) noexcept {
    CloseConnection(conn);
}

void OriginPool::CloseConnection(Connection* conn) noexcept {
    switch (conn->state()) {
        case Connection::State::kFree:
        case Connection::State::kClosing:
            return;
        case Connection::State::kIdle:
            idle_.Remove(conn);
            break;
        default:
            active_.Remove(conn);
            break;
    }
    conn->CloseSocket();
}

void OriginPool::Recycle(Connection* conn) noexcept {
    free_.PushBack(conn);
}

void OriginPool::OnExchangeTimeout(Exchange* ex) noexcept {
    switch (ex->internal_.stage) {
        case ExchangeStage::kQueued:
            queue_.Remove(ex);
            break;
        case ExchangeStage::kReserved: {
            // The fresh connection goes on opening and will serve the queue or park as idle.
            ex->internal_.conn->set_reserved(nullptr);
            --opening_reserved_;
            break;
        }
        case ExchangeStage::kActive: {
            Connection* conn = ex->internal_.conn;
            conn->TakeExchange();
            CloseConnection(conn);  // The response may still be arriving: the socket is unusable.
            Pump();
            break;
        }
        default:
            return;
    }
    if (ex->capture) ex->result.error_detail = "request timed out";
    core_->Complete(ex, lse::ErrorKind::kTimeout);
}

void OriginPool::DetachAll(ExchangeList* out) noexcept {
    while (Exchange* ex = queue_.PopFront()) out->PushBack(ex);
    Connection* conn = active_.Front();
    while (conn != nullptr) {
        Connection* next = ConnectionList::Next(conn);
        if (Exchange* reserved = conn->reserved()) {
            conn->set_reserved(nullptr);
            --opening_reserved_;
            out->PushBack(reserved);
        }
        if (Exchange* ex = conn->TakeExchange()) {
            out->PushBack(ex);
            CloseConnection(conn);
        }
        conn = next;
    }
}

void OriginPool::Shutdown() noexcept {
    if (backoff_timer_open_) {
        backoff_timer_open_ = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&backoff_timer_),
                 [](uv_handle_t* h) { static_cast<OriginPool*>(h->data)->core_->HandleClosed(); });
    }
    while (Connection* conn = active_.Front()) {
        if (conn->state() == Connection::State::kResolving || conn->state() == Connection::State::kConnecting ||
            conn->state() == Connection::State::kHandshaking || conn->state() == Connection::State::kProxyConnecting) {
            --opening_;
        }
        CloseConnection(conn);
    }
    while (Connection* conn = idle_.Front()) CloseConnection(conn);
    for (auto& conn : objects_) conn->CloseTimer();
}

}  // namespace lse::http::detail
