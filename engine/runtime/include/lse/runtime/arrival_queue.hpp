#pragma once
/// @file
/// FIFO of open-model arrivals waiting for a free virtual user (their intended start times). A ring
/// buffer that only grows: once it has held as many arrivals as the worst backlog so far, pushing
/// allocates nothing, and it costs nothing while no arrival has to wait.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lse::runtime {

class ArrivalQueue {
public:
    bool Empty() const noexcept { return size_ == 0; }
    std::size_t Size() const noexcept { return size_; }
    std::int64_t Front() const noexcept { return ring_[head_]; }

    void Push(std::int64_t intended_ns) {
        if (size_ == ring_.size()) Grow();
        ring_[(head_ + size_) % ring_.size()] = intended_ns;
        ++size_;
    }

    void Pop() noexcept {
        head_ = (head_ + 1) % ring_.size();
        --size_;
    }

private:
    void Grow() {
        std::vector<std::int64_t> bigger(ring_.empty() ? 64 : ring_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) % ring_.size()];
        ring_.swap(bigger);
        head_ = 0;
    }

    std::vector<std::int64_t> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace lse::runtime
