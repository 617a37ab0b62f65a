#include "loop_bridge.hpp"

#include <chrono>
#include <utility>

#include "lse/transport/nats_client.hpp"

namespace lse::transport::detail {

void LoopBridge::Push(QueuedItem&& item) {
    std::lock_guard<std::mutex> lock(mu);
    if (detached) return;
    queue.push_back(std::move(item));
    if (async_ready) uv_async_send(&async);
}

void LoopBridge::Open(uv_loop_t* loop) {
    uv_async_init(loop, &async, &LoopBridge::OnAsync);
    async.data = this;
    opened_ = true;
    std::lock_guard<std::mutex> lock(mu);
    async_ready = true;
    if (!queue.empty()) uv_async_send(&async);
}

void LoopBridge::MarkConnectionClosed() {
    std::lock_guard<std::mutex> lock(mu);
    connection_closed = true;
    cv.notify_all();
}

void LoopBridge::AddSubscription() {
    std::lock_guard<std::mutex> lock(mu);
    ++live_subscriptions;
}

void LoopBridge::SubscriptionCompleted() {
    std::lock_guard<std::mutex> lock(mu);
    --live_subscriptions;
    cv.notify_all();
}

bool LoopBridge::WaitQuiet(std::int64_t timeout_ns, bool expect_connection_closed) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::nanoseconds(timeout_ns), [&] {
        return (connection_closed || !expect_connection_closed) && live_subscriptions <= 0;
    });
}

void LoopBridge::Release() {
    client = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu);
        detached = true;
        queue.clear();
    }
    if (opened_) {
        uv_close(reinterpret_cast<uv_handle_t*>(&async), &LoopBridge::OnClosed);
        return;
    }
    auto done = std::move(on_released);
    if (!leak) delete this;
    if (done) done();
}

void LoopBridge::OnAsync(uv_async_t* handle) {
    auto* bridge = static_cast<LoopBridge*>(handle->data);
    std::vector<QueuedItem> items;
    {
        std::lock_guard<std::mutex> lock(bridge->mu);
        items.swap(bridge->queue);
    }
    for (auto& item : items) {
        // A handler may close or destroy the client; the bridge itself outlives this callback.
        if (bridge->client == nullptr) return;
        if (item.kind == QueuedItem::Kind::kEvent) {
            bridge->client->DeliverEvent(item.event);
        } else if (item.sub_id == 0) {
            bridge->client->DeliverReply(std::move(item.message), item.no_responders);
        } else {
            bridge->client->DeliverMessage(item.sub_id, std::move(item.message), item.no_responders);
        }
    }
}

void LoopBridge::OnClosed(uv_handle_t* handle) {
    auto* bridge = static_cast<LoopBridge*>(handle->data);
    auto done = std::move(bridge->on_released);
    if (!bridge->leak) delete bridge;
    if (done) done();
}

}  // namespace lse::transport::detail
