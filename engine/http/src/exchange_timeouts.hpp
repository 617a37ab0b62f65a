#pragma once
/// @file
/// Per-exchange timeouts with one libuv timer per client instead of one per exchange (a uv timer
/// start and stop per request is two heap operations on the loop's timer heap).
///
/// Exchanges armed with the same timeout length expire in the order they were armed, so each
/// length keeps a FIFO list: arming appends, completion unlinks, both O(1). One timer serves all
/// lists and is armed for the earliest deadline. It is not re-armed when the earliest exchange
/// completes: it fires at the stale deadline, finds nothing due and re-arms for the new earliest one
/// (at most one spare wake-up per deadline). When nothing is armed the timer is stopped, so an idle
/// client keeps no loop alive. Scripts that use many different timeout lengths share a last list
/// kept sorted by deadline (insertion walks from the tail, so it stays cheap when deadlines mostly
/// increase).

#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "intrusive_list.hpp"
#include "lse/http/client.hpp"

namespace lse::http::detail {

inline ListLinks<Exchange>& TimeoutLinks(Exchange* ex) noexcept { return ex->internal_.timeout_links; }
using TimeoutOrder = IntrusiveList<Exchange, &TimeoutLinks>;

struct TimeoutList {
    std::int64_t length_ns = 0;  ///< 0: the sorted list shared by any length
    TimeoutOrder order;
};

class ExchangeTimeouts {
public:
    using ExpireFn = void (*)(Exchange* ex);

    /// Initialises the timer on `loop` (closed by Close()). on_expire gets each exchange whose deadline
    /// passed, already disarmed.
    ExchangeTimeouts(uv_loop_t* loop, ExpireFn on_expire) noexcept;
    ExchangeTimeouts(const ExchangeTimeouts&) = delete;
    ExchangeTimeouts& operator=(const ExchangeTimeouts&) = delete;

    /// Starts ex's timeout: it expires timeout_ns after now_ns. false only when a list for a new length
    /// could not be allocated (out of memory).
    bool Arm(Exchange* ex, std::int64_t timeout_ns, std::int64_t now_ns) noexcept;
    /// Cancels ex's timeout; nothing happens when it is not armed.
    void Disarm(Exchange* ex) noexcept;
    std::size_t Armed() const noexcept { return armed_; }

    /// Closes the timer handle; on_closed(data) runs from its close callback.
    void Close(void (*on_closed)(void* data), void* data) noexcept;

private:
    static constexpr std::size_t kMaxLengthLists = 16;
    static constexpr std::int64_t kSlackNs = 1'000'000;  // uv timers have 1 ms resolution

    TimeoutList* ListFor(std::int64_t length_ns) noexcept;
    void ArmTimer(std::int64_t due_ns, std::int64_t now_ns) noexcept;
    TimeoutList* EarliestList() const noexcept;  // the non-empty list with the earliest head, or null
    static void OnTimer(uv_timer_t* timer);
    void Expire() noexcept;

    uv_loop_t* loop_;
    ExpireFn on_expire_;
    uv_timer_t timer_;
    std::vector<std::unique_ptr<TimeoutList>> lists_;  // most recently used first; the sorted list last
    std::unique_ptr<TimeoutList> sorted_;              // lengths beyond kMaxLengthLists
    std::size_t armed_ = 0;
    std::int64_t armed_due_ns_ = -1;  // deadline the timer is armed for; -1: stopped
    bool expiring_ = false;
    void (*on_closed_)(void*) = nullptr;
    void* closed_data_ = nullptr;
};

}  // namespace lse::http::detail
