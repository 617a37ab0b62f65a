#pragma once
/// @file
/// Internal: carries nats.c callbacks (made on nats.c threads) to the owner's libuv loop.
/// It lives on the heap apart from NatsClient because nats.c may still hold pointers to it for a moment
/// after the client starts closing; it is freed by the uv_async close callback, once nats.c has gone quiet.

#include <uv.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "lse/transport/nats_options.hpp"

namespace lse::transport {
class NatsClient;
}

namespace lse::transport::detail {

struct QueuedItem {
    enum class Kind { kMessage, kEvent, kCount };
    Kind kind = Kind::kMessage;
    int sub_id = 0;  ///< 0 = the request inbox.
    Message message;
    bool no_responders = false;
    ConnectionEvent event = ConnectionEvent::kConnected;
};

/// Closure handed to nats.c for one subscription; freed by the subscription's on-complete callback, which
/// nats.c guarantees to be its last use.
struct SubscriptionContext {
    struct LoopBridge* bridge;
    int sub_id;
};

struct LoopBridge {
    uv_async_t async{};
    NatsClient* client = nullptr;  ///< Loop thread only; null once the client is closing or gone.
    bool leak = false;             ///< nats.c did not go quiet in time: never free (a leak beats a use-after-free).
    std::function<void()> on_released;

    std::mutex mu;
    std::condition_variable cv;
    std::vector<QueuedItem> queue;     // guarded by mu
    bool async_ready = false;          // guarded by mu
    bool detached = false;             // guarded by mu
    bool connection_closed = false;    // guarded by mu
    int live_subscriptions = 0;        // guarded by mu

    /// Any thread. The uv_async_send happens under the lock so it can never race with uv_close.
    void Push(QueuedItem&& item);
    /// Loop thread: starts the uv_async; items queued before this are delivered right after.
    void Open(uv_loop_t* loop);
    bool opened() const noexcept { return opened_; }
    /// Any thread (nats.c): bookkeeping that Close() waits on.
    void MarkConnectionClosed();
    void AddSubscription();
    void SubscriptionCompleted();
    /// Loop thread: waits until the connection reported closed and every subscription completed.
    bool WaitQuiet(std::int64_t timeout_ns, bool expect_connection_closed);
    /// Loop thread: stops deliveries, then closes the uv_async (when opened) and frees this object afterwards,
    /// calling on_released. Without an open handle it frees itself at once. `this` is gone afterwards.
    void Release();

private:
    static void OnAsync(uv_async_t* handle);
    static void OnClosed(uv_handle_t* handle);
    bool opened_ = false;
};

}  // namespace lse::transport::detail
