#pragma once
/// @file
/// A NATS connection owned by one libuv loop thread. nats.c runs its own I/O and delivery threads; every
/// callback it makes is queued and replayed on the owner's loop through a uv_async_t, so user code never runs
/// on a nats.c thread and needs no locking.

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "lse/transport/nats_options.hpp"

namespace lse::transport {

namespace detail {
struct LoopBridge;
struct ClientNats;
struct PendingRequest;
}  // namespace detail

class NatsClient {
public:
    using Handler = std::function<void(const Message&)>;
    using ReplyHandler = std::function<void(bool ok, const Message& reply)>;
    using EventHandler = std::function<void(ConnectionEvent)>;

    NatsClient(uv_loop_t* loop, NatsOptions options);
    /// Prefer Close(). Without it the destructor still shuts nats.c down, but the uv_async handle is only
    /// released when the loop runs again.
    ~NatsClient();
    NatsClient(const NatsClient&) = delete;
    NatsClient& operator=(const NatsClient&) = delete;

    /// Blocks the calling (loop) thread until connected. Throws lse::UsageError for bad options and
    /// lse::SetupError("cannot connect to NATS at nats://...: <reason>") otherwise; refused credentials are
    /// reported as an "authorization failed" error. With retry_on_failed_connect an unreachable server is not
    /// an error: Connect returns and ConnectionEvent::kConnected follows.
    void Connect();

    /// Thread-safe. False (and PublishFailures()+1) when the connection is closed or the reconnect buffer is
    /// full. While reconnecting, data is buffered and flushed after reconnect.
    bool Publish(std::string_view subject, std::string_view data) noexcept;
    /// Publish with a reply subject (for answering requests: Publish(msg.reply, ...) works too).
    bool PublishRequest(std::string_view subject, std::string_view reply, std::string_view data) noexcept;

    /// Returns an id for Unsubscribe. The handler runs on the loop thread. Throws SetupError when not connected
    /// (or closed) or the subject is invalid.
    int Subscribe(std::string_view subject, Handler handler);
    /// No handler call starts after this returns. Unknown ids are ignored.
    void Unsubscribe(int id);

    /// Async request/reply over one shared inbox subscription. `done` runs on the loop thread exactly once:
    /// ok=true with the reply, or ok=false on timeout, "no responders", publish failure or Close().
    void Request(std::string_view subject, std::string_view data, std::int64_t timeout_ns, ReplyHandler done);

    /// Waits (blocking) until the server has processed everything sent so far; false on timeout.
    /// For setup and tests (e.g. "my SUB is registered before the peer publishes").
    bool Flush(std::int64_t timeout_ns);

    /// One handler; runs on the loop thread.
    void OnEvent(EventHandler handler);

    bool Connected() const noexcept;
    std::string ConnectedUrl() const;
    /// Why the broker refuses this client, as nats.c tells a plain connect ("Authorization Violation", an SSL
    /// handshake error, a creds file it could not open...); empty when that connect succeeds. Blocks up to the
    /// connect timeout: for after a kClosed event, whose own last error is only "No Server Available".
    std::string ProbeRefusal() const;
    std::uint64_t PublishFailures() const noexcept { return publish_failures_.load(std::memory_order_relaxed); }

    /// Fails pending requests, flushes (up to 1 s), closes the connection, waits for nats.c to stop calling
    /// back, then releases the uv handles and calls `done` on the loop thread (immediately when no handle was
    /// ever opened). After `done` the loop has nothing left from this client (uv_loop_close() == 0).
    /// A second call just calls `done`.
    void Close(std::function<void()> done = {});

private:
    friend struct detail::LoopBridge;
    void DeliverEvent(ConnectionEvent event);
    void DeliverMessage(int sub_id, Message&& message, bool no_responders);
    void DeliverReply(Message&& message, bool no_responders);
    void FinishRequest(std::uint64_t id, bool ok, const Message& reply);
    void EnsureInbox();
    void ShutdownNats() noexcept;
    void DropPendingRequests(bool notify);

    uv_loop_t* loop_;
    NatsOptions options_;
    std::string url_list_;  ///< Redacted, for messages.
    detail::LoopBridge* bridge_;  ///< Freed by its uv_close callback (or directly when never opened).
    std::unique_ptr<detail::ClientNats> nats_;
    struct Subscription {
        std::shared_ptr<Handler> handler;  ///< Shared so a handler can unsubscribe itself while running.
    };
    std::map<int, Subscription> subscriptions_;
    int next_sub_id_ = 1;
    std::string inbox_prefix_;  ///< "_INBOX.<nuid>." once the reply subscription exists.
    std::map<std::uint64_t, detail::PendingRequest*> pending_;
    std::uint64_t next_request_id_ = 1;
    EventHandler event_handler_;
    std::atomic<std::uint64_t> publish_failures_{0};
    bool closed_ = false;
};

}  // namespace lse::transport
