#include "lse/sched/pacer.hpp"

namespace lse::sched {

Pacer::Pacer(ArrivalSchedule* schedule, std::int64_t start_ns) noexcept : schedule_(schedule), start_ns_(start_ns) {}

std::size_t Pacer::TakeDue(std::int64_t now_ns, std::int64_t slack_ns, std::int64_t* out, std::size_t max) noexcept {
    const std::int64_t horizon = now_ns + (slack_ns > 0 ? slack_ns : 0);
    std::size_t n = 0;
    std::int64_t offset = 0;
    while (n < max && schedule_->Peek(&offset) && start_ns_ + offset <= horizon) {
        schedule_->Next(&offset);
        out[n++] = start_ns_ + offset;
    }
    return n;
}

std::int64_t Pacer::NextDueNs() const noexcept {
    std::int64_t offset = 0;
    return schedule_->Peek(&offset) ? start_ns_ + offset : -1;
}

bool Pacer::Done() const noexcept {
    std::int64_t offset = 0;
    return !schedule_->Peek(&offset);
}

}  // namespace lse::sched
