#include "exchange_timeouts.hpp"

#include <algorithm>
#include <new>

namespace lse::http::detail {
namespace {

std::uint64_t CeilMs(std::int64_t ns) {
    return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns + 999'999) / 1'000'000);
}

}  // namespace

ExchangeTimeouts::ExchangeTimeouts(uv_loop_t* loop, ExpireFn on_expire) noexcept
    : loop_(loop), on_expire_(on_expire) {
    uv_timer_init(loop_, &timer_);
    timer_.data = this;
}

TimeoutList* ExchangeTimeouts::ListFor(std::int64_t length_ns) noexcept {
    for (std::size_t i = 0; i < lists_.size(); ++i) {
        if (lists_[i]->length_ns != length_ns) continue;
        // Most used lengths are found first.
        if (i != 0) std::swap(lists_[i], lists_[0]);
        return lists_[0].get();
    }
    try {
        if (lists_.size() < kMaxLengthLists) {
            auto list = std::make_unique<TimeoutList>();
            list->length_ns = length_ns;
            lists_.push_back(std::move(list));
            return lists_.back().get();
        }
        if (!sorted_) sorted_ = std::make_unique<TimeoutList>();
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
    return sorted_.get();
}

bool ExchangeTimeouts::Arm(Exchange* ex, std::int64_t timeout_ns, std::int64_t now_ns) noexcept {
    timeout_ns = std::max<std::int64_t>(timeout_ns, 0);
    TimeoutList* list = ListFor(timeout_ns);
    if (list == nullptr) return false;
    ExchangeState& st = ex->internal_;
    st.deadline_ns = now_ns + timeout_ns;
    st.timeout_list = list;
    if (list == sorted_.get()) {
        Exchange* after = list->order.Back();
        while (after != nullptr && after->internal_.deadline_ns > st.deadline_ns) after = TimeoutOrder::Prev(after);
        list->order.InsertAfter(after, ex);
    } else {
        list->order.PushBack(ex);
    }
    ++armed_;
    if (!expiring_ && (armed_due_ns_ < 0 || st.deadline_ns < armed_due_ns_)) ArmTimer(st.deadline_ns, now_ns);
    return true;
}

void ExchangeTimeouts::Disarm(Exchange* ex) noexcept {
    ExchangeState& st = ex->internal_;
    if (st.timeout_list == nullptr) return;
    st.timeout_list->order.Remove(ex);
    st.timeout_list = nullptr;
    if (--armed_ == 0 && !expiring_ && armed_due_ns_ >= 0) {
        uv_timer_stop(&timer_);
        armed_due_ns_ = -1;
    }
}

void ExchangeTimeouts::ArmTimer(std::int64_t due_ns, std::int64_t now_ns) noexcept {
    // libuv counts from the loop's cached time, which may lag behind now_ns: refresh it first.
    uv_update_time(loop_);
    uv_timer_start(&timer_, &ExchangeTimeouts::OnTimer, CeilMs(due_ns - now_ns), 0);
    armed_due_ns_ = due_ns;
}

TimeoutList* ExchangeTimeouts::EarliestList() const noexcept {
    TimeoutList* earliest = nullptr;
    auto consider = [&](TimeoutList* list) {
        if (list == nullptr || list->order.Empty()) return;
        if (earliest == nullptr ||
            list->order.Front()->internal_.deadline_ns < earliest->order.Front()->internal_.deadline_ns) {
            earliest = list;
        }
    };
    for (const auto& list : lists_) consider(list.get());
    consider(sorted_.get());
    return earliest;
}

void ExchangeTimeouts::OnTimer(uv_timer_t* timer) { static_cast<ExchangeTimeouts*>(timer->data)->Expire(); }

void ExchangeTimeouts::Expire() noexcept {
    expiring_ = true;
    armed_due_ns_ = -1;
    const auto now = static_cast<std::int64_t>(uv_hrtime());
    // In deadline order across the lists. Expiry callbacks may arm new exchanges (due after now +
    // slack, so not expired in this pass) or disarm others: the earliest head is looked up each time.
    while (TimeoutList* list = EarliestList()) {
        Exchange* ex = list->order.Front();
        if (ex->internal_.deadline_ns > now + kSlackNs) break;
        Disarm(ex);
        on_expire_(ex);
    }
    expiring_ = false;
    if (TimeoutList* list = EarliestList()) {
        ArmTimer(list->order.Front()->internal_.deadline_ns, static_cast<std::int64_t>(uv_hrtime()));
    } else {
        uv_timer_stop(&timer_);
    }
}

void ExchangeTimeouts::Close(void (*on_closed)(void* data), void* data) noexcept {
    on_closed_ = on_closed;
    closed_data_ = data;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
        auto* self = static_cast<ExchangeTimeouts*>(h->data);
        if (self->on_closed_ != nullptr) self->on_closed_(self->closed_data_);
    });
}

}  // namespace lse::http::detail
