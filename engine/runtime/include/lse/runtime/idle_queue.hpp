#pragma once
/// @file
/// Idle virtual users of the open model, oldest first (the Lua runner and native plan replay).
/// FIFO, not a stack, so arrivals rotate through every identity of the pool: each virtual user's
/// token, cookies and `self` state get used evenly, as they would with real users, instead of the
/// same few warm ones serving every arrival. Fixed capacity (one slot per virtual user), so
/// pushing and popping never allocate.

#include <cstddef>
#include <vector>

namespace lse::runtime {

class IdleQueue {
public:
    void Reset(std::size_t capacity) {
        slots_.assign(capacity == 0 ? 1 : capacity, 0);
        head_ = 0;
        size_ = 0;
    }
    bool Empty() const noexcept { return size_ == 0; }
    void Clear() noexcept {
        head_ = 0;
        size_ = 0;
    }
    /// Ignored when full (cannot happen: each virtual user is queued at most once).
    void Push(int vu) noexcept {
        if (size_ == slots_.size()) return;
        slots_[(head_ + size_) % slots_.size()] = vu;
        ++size_;
    }
    int Pop() noexcept {
        const int vu = slots_[head_];
        head_ = (head_ + 1) % slots_.size();
        --size_;
        return vu;
    }

private:
    std::vector<int> slots_ = std::vector<int>(1, 0);
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace lse::runtime
