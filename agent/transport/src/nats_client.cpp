#include "lse/transport/nats_client.hpp"

#include <nats/nats.h>

#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>

#include "loop_bridge.hpp"
#include "lse/core/errors.hpp"
#include "lse/transport/connect_error.hpp"
#include "lse/transport/nats_url.hpp"
#include "lse/uv/close.hpp"
#include "nats_options_builder.hpp"

namespace lse::transport {

namespace detail {

/// nats.c handles of one client; lives only in this file so nats.h stays private.
struct ClientNats {
    std::atomic<natsConnection*> conn{nullptr};
    std::map<int, natsSubscription*> subs;  ///< id 0 = the request inbox.
};

struct PendingRequest {
    uv_timer_t timer{};
    NatsClient* client = nullptr;
    std::uint64_t id = 0;
    NatsClient::ReplyHandler done;
};

}  // namespace detail

namespace {

using detail::LoopBridge;
using detail::QueuedItem;

constexpr std::int64_t kQuietTimeoutNs = 5 * kNsPerSec;
constexpr std::int64_t kCloseFlushMs = 1000;
constexpr std::size_t kSubjectStackBytes = 256;

// --- nats.c callbacks: they run on nats.c threads and only queue work for the loop. ---

void OnNatsMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* context = static_cast<detail::SubscriptionContext*>(closure);
    QueuedItem item;
    item.kind = QueuedItem::Kind::kMessage;
    item.sub_id = context->sub_id;
    item.message.subject = natsMsg_GetSubject(msg);
    if (const char* reply = natsMsg_GetReply(msg)) item.message.reply = reply;
    if (const char* data = natsMsg_GetData(msg)) {
        item.message.data.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    }
    item.no_responders = natsMsg_IsNoResponders(msg);
    natsMsg_Destroy(msg);
    context->bridge->Push(std::move(item));
}

void OnSubscriptionComplete(void* closure) {
    auto* context = static_cast<detail::SubscriptionContext*>(closure);
    LoopBridge* bridge = context->bridge;
    delete context;
    bridge->SubscriptionCompleted();
}

void PushEvent(void* closure, ConnectionEvent event) {
    QueuedItem item;
    item.kind = QueuedItem::Kind::kEvent;
    item.event = event;
    static_cast<LoopBridge*>(closure)->Push(std::move(item));
}

void OnNatsConnected(natsConnection*, void* closure) { PushEvent(closure, ConnectionEvent::kConnected); }
void OnNatsDisconnected(natsConnection*, void* closure) { PushEvent(closure, ConnectionEvent::kDisconnected); }
void OnNatsReconnected(natsConnection*, void* closure) { PushEvent(closure, ConnectionEvent::kReconnected); }
void OnNatsClosed(natsConnection*, void* closure) {
    PushEvent(closure, ConnectionEvent::kClosed);
    // Last connection callback nats.c makes: Close() waits for it before freeing the bridge.
    static_cast<LoopBridge*>(closure)->MarkConnectionClosed();
}

/// NUL-terminated copy of a subject without heap allocation for the usual short subjects.
class SubjectBuffer {
public:
    explicit SubjectBuffer(std::string_view subject) {
        if (subject.size() < kSubjectStackBytes) {
            std::memcpy(stack_, subject.data(), subject.size());
            stack_[subject.size()] = '\0';
            ptr_ = stack_;
        } else {
            heap_.assign(subject);
            ptr_ = heap_.c_str();
        }
    }
    const char* c_str() const noexcept { return ptr_; }

private:
    char stack_[kSubjectStackBytes];
    std::string heap_;
    const char* ptr_;
};

std::string LastNatsError(natsStatus status) {
    const char* text = nats_GetLastError(nullptr);
    if (text != nullptr && *text != '\0') return text;
    return natsStatus_GetText(status);
}

}  // namespace

NatsClient::NatsClient(uv_loop_t* loop, NatsOptions options)
    : loop_(loop),
      options_(std::move(options)),
      bridge_(new detail::LoopBridge()),
      nats_(std::make_unique<detail::ClientNats>()) {
    bridge_->client = this;
}

NatsClient::~NatsClient() {
    if (closed_) return;
    closed_ = true;
    DropPendingRequests(/*notify=*/false);
    ShutdownNats();
    bridge_->Release();
    bridge_ = nullptr;
}

void NatsClient::Connect() {
    if (closed_) throw UsageError("NATS client already closed");
    if (nats_->conn.load() != nullptr) throw UsageError("NATS client already connected");
    url_list_ = detail::DescribeUrls(options_);
    detail::NatsOptionsPtr opts = detail::BuildNatsOptions(options_);
    natsOptions* raw = opts.get();
    if (natsOptions_SetDisconnectedCB(raw, &OnNatsDisconnected, bridge_) != NATS_OK ||
        natsOptions_SetReconnectedCB(raw, &OnNatsReconnected, bridge_) != NATS_OK ||
        natsOptions_SetClosedCB(raw, &OnNatsClosed, bridge_) != NATS_OK ||
        natsOptions_SetRetryOnFailedConnect(raw, options_.retry_on_failed_connect,
                                            options_.retry_on_failed_connect ? &OnNatsConnected : nullptr,
                                            bridge_) != NATS_OK) {
        throw SetupError("NATS: cannot set connection callbacks: " + LastNatsError(NATS_ERR));
    }

    natsConnection* conn = nullptr;
    const natsStatus status = natsConnection_Connect(&conn, raw);
    if (status != NATS_OK && status != NATS_NOT_YET_CONNECTED) {
        const std::string detail = LastNatsError(status);
        const bool auth = status == NATS_CONNECTION_AUTH_FAILED || status == NATS_NOT_PERMITTED ||
                          LooksLikeAuthFailure(detail);
        throw SetupError(DescribeConnectFailure(url_list_, detail, auth));
    }
    nats_->conn.store(conn);
    bridge_->Open(loop_);
}

bool NatsClient::Publish(std::string_view subject, std::string_view data) noexcept {
    return PublishRequest(subject, {}, data);
}

bool NatsClient::PublishRequest(std::string_view subject, std::string_view reply, std::string_view data) noexcept {
    natsConnection* conn = nats_ ? nats_->conn.load(std::memory_order_acquire) : nullptr;
    if (conn == nullptr || subject.empty() || data.size() > static_cast<std::size_t>(INT_MAX)) {
        publish_failures_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    const SubjectBuffer subj(subject);
    natsStatus status;
    if (reply.empty()) {
        status = natsConnection_Publish(conn, subj.c_str(), data.data(), static_cast<int>(data.size()));
    } else {
        const SubjectBuffer reply_subj(reply);
        status = natsConnection_PublishRequest(conn, subj.c_str(), reply_subj.c_str(), data.data(),
                                               static_cast<int>(data.size()));
    }
    if (status != NATS_OK) {
        publish_failures_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

int NatsClient::Subscribe(std::string_view subject, Handler handler) {
    natsConnection* conn = nats_->conn.load();
    if (closed_ || conn == nullptr) throw SetupError("NATS: cannot subscribe to '" + std::string(subject) +
                                                     "': not connected");
    const int id = next_sub_id_++;
    auto* context = new detail::SubscriptionContext{bridge_, id};
    natsSubscription* sub = nullptr;
    const std::string subj(subject);
    natsStatus status = natsConnection_Subscribe(&sub, conn, subj.c_str(), &OnNatsMessage, context);
    if (status != NATS_OK) {
        delete context;
        throw SetupError("NATS: cannot subscribe to '" + subj + "': " + LastNatsError(status));
    }
    if (natsSubscription_SetOnCompleteCB(sub, &OnSubscriptionComplete, context) == NATS_OK) {
        bridge_->AddSubscription();
    }
    // else: already closed by a concurrent connection close; nats.c may still hold `context` for a last
    // callback, so it is deliberately leaked (a few bytes, only in that race).
    nats_->subs[id] = sub;
    subscriptions_[id].handler = std::make_shared<Handler>(std::move(handler));
    return id;
}

void NatsClient::Unsubscribe(int id) {
    auto it = nats_->subs.find(id);
    if (it == nats_->subs.end() || id == 0) return;
    natsSubscription_Unsubscribe(it->second);
    natsSubscription_Destroy(it->second);  // the delivery thread keeps its own reference until on-complete
    nats_->subs.erase(it);
    subscriptions_.erase(id);
}

void NatsClient::EnsureInbox() {
    if (!inbox_prefix_.empty()) return;
    natsConnection* conn = nats_->conn.load();
    if (conn == nullptr) throw SetupError("NATS: cannot send a request: not connected");
    natsInbox* inbox = nullptr;
    if (natsInbox_Create(&inbox) != NATS_OK) throw SetupError("NATS: cannot create an inbox");
    std::string prefix = std::string(inbox) + ".";
    natsInbox_Destroy(inbox);

    // Same path as Subscribe, under the reserved id 0 (handled by DeliverReply).
    auto* context = new detail::SubscriptionContext{bridge_, 0};
    natsSubscription* sub = nullptr;
    const std::string subject = prefix + "*";
    const natsStatus status = natsConnection_Subscribe(&sub, conn, subject.c_str(), &OnNatsMessage, context);
    if (status != NATS_OK) {
        delete context;
        throw SetupError("NATS: cannot subscribe to the reply inbox: " + LastNatsError(status));
    }
    if (natsSubscription_SetOnCompleteCB(sub, &OnSubscriptionComplete, context) == NATS_OK) {
        bridge_->AddSubscription();
    }
    nats_->subs[0] = sub;
    inbox_prefix_ = std::move(prefix);
}

void NatsClient::Request(std::string_view subject, std::string_view data, std::int64_t timeout_ns,
                         ReplyHandler done) {
    if (closed_) {
        if (done) done(false, Message{});
        return;
    }
    EnsureInbox();
    auto* pending = new detail::PendingRequest();
    pending->client = this;
    pending->id = next_request_id_++;
    pending->done = std::move(done);
    uv_timer_init(loop_, &pending->timer);
    pending->timer.data = pending;
    pending_[pending->id] = pending;

    char id_text[24];
    const auto [end, ec] = std::to_chars(id_text, id_text + sizeof(id_text), pending->id);
    (void)ec;
    const std::string reply = inbox_prefix_ + std::string(id_text, end);
    const bool sent = PublishRequest(subject, reply, data);
    // A failed publish completes through a zero timer, so `done` never runs inside Request().
    const std::int64_t wait_ns = sent ? (timeout_ns > 0 ? timeout_ns : 0) : 0;
    // The loop's cached time is stale after blocking calls (Connect, Flush); refresh it so the timeout is honest.
    uv_update_time(loop_);
    uv_timer_start(
        &pending->timer,
        [](uv_timer_t* timer) {
            auto* p = static_cast<detail::PendingRequest*>(timer->data);
            p->client->FinishRequest(p->id, false, Message{});
        },
        static_cast<std::uint64_t>((wait_ns + kNsPerMs - 1) / kNsPerMs), 0);
}

void NatsClient::FinishRequest(std::uint64_t id, bool ok, const Message& reply) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // late reply after a timeout
    detail::PendingRequest* pending = it->second;
    pending_.erase(it);
    ReplyHandler done = std::move(pending->done);
    uv_timer_stop(&pending->timer);
    uv::CloseAndDeleteData<detail::PendingRequest>(&pending->timer);
    if (done) done(ok, reply);
}

void NatsClient::DeliverReply(Message&& message, bool no_responders) {
    if (message.subject.size() <= inbox_prefix_.size()) return;
    const std::string_view suffix = std::string_view(message.subject).substr(inbox_prefix_.size());
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), id);
    if (ec != std::errc() || end != suffix.data() + suffix.size()) return;
    FinishRequest(id, !no_responders, message);
}

void NatsClient::DeliverMessage(int sub_id, Message&& message, bool no_responders) {
    (void)no_responders;  // only meaningful on the request inbox
    auto it = subscriptions_.find(sub_id);
    if (it == subscriptions_.end()) return;  // unsubscribed while the message was queued
    std::shared_ptr<Handler> handler = it->second.handler;
    (*handler)(message);
}

void NatsClient::DeliverEvent(ConnectionEvent event) {
    if (!event_handler_) return;
    EventHandler handler = event_handler_;  // the handler may replace itself
    handler(event);
}

void NatsClient::OnEvent(EventHandler handler) { event_handler_ = std::move(handler); }

bool NatsClient::Flush(std::int64_t timeout_ns) {
    natsConnection* conn = nats_->conn.load();
    if (conn == nullptr) return false;
    return natsConnection_FlushTimeout(conn, timeout_ns <= 0 ? 1 : (timeout_ns + kNsPerMs - 1) / kNsPerMs) ==
           NATS_OK;
}

bool NatsClient::Connected() const noexcept {
    natsConnection* conn = nats_ ? nats_->conn.load() : nullptr;
    return conn != nullptr && natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED;
}

std::string NatsClient::ConnectedUrl() const {
    natsConnection* conn = nats_ ? nats_->conn.load() : nullptr;
    if (conn == nullptr) return {};
    char buffer[512];
    if (natsConnection_GetConnectedUrl(conn, buffer, sizeof(buffer)) != NATS_OK) return {};
    return RedactNatsUrl(buffer);
}

std::string NatsClient::ProbeRefusal() const {
    // nats.c reports the cause of a refusal (authorization, TLS, creds) only to a plain connect: once it has given
    // up retrying, the connection's own last error is "No Server Available". So ask again, once, synchronously.
    detail::NatsOptionsPtr opts = detail::BuildNatsOptions(options_);
    natsConnection* probe = nullptr;
    const natsStatus status = natsConnection_Connect(&probe, opts.get());
    std::string error;
    if (status != NATS_OK) error = LastNatsError(status);
    if (probe != nullptr) natsConnection_Destroy(probe);
    return error;
}

void NatsClient::DropPendingRequests(bool notify) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, request] : pending) {
        ReplyHandler done = std::move(request->done);
        uv_timer_stop(&request->timer);
        uv::CloseAndDeleteData<detail::PendingRequest>(&request->timer);
        if (notify && done) done(false, Message{});
    }
}

void NatsClient::ShutdownNats() noexcept {
    natsConnection* conn = nats_->conn.load();
    if (conn == nullptr) return;
    if (natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED) natsConnection_FlushTimeout(conn, kCloseFlushMs);
    natsConnection_Close(conn);  // closes every subscription too: each reports on-complete
    if (!bridge_->WaitQuiet(kQuietTimeoutNs, /*expect_connection_closed=*/true)) {
        std::fprintf(stderr, "lsengine: NATS client did not shut down within 5 s; leaking its callback state\n");
        bridge_->leak = true;
    }
    for (auto& [id, sub] : nats_->subs) natsSubscription_Destroy(sub);
    nats_->subs.clear();
    subscriptions_.clear();
    nats_->conn.store(nullptr);
    natsConnection_Destroy(conn);
}

void NatsClient::Close(std::function<void()> done) {
    if (closed_) {
        if (done) done();
        return;
    }
    closed_ = true;
    DropPendingRequests(/*notify=*/true);
    ShutdownNats();
    detail::LoopBridge* bridge = bridge_;
    bridge_ = nullptr;
    bridge->on_released = std::move(done);
    bridge->Release();  // may call done (and so destroy *this) before returning
}

}  // namespace lse::transport
