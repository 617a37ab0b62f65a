#pragma once
/// @file
/// The metrics sequence numbers of one agent incarnation the coordinator has merged, in bounded memory.
/// Agents number their metrics 1, 2, 3, ... and resend what was not acked, so a seq can arrive twice
/// and out of order, but never more than the agent's outbox holds behind the newest (300 intervals,
/// docs/protocol.md). Seqs at or below a watermark count as seen; only the window above it is kept
/// as a set. The watermark follows the contiguous prefix, and never trails the newest seq by more
/// than kWindow, so a seq the agent dropped (outbox full) cannot make the set grow for the whole run:
/// the set holds at most kWindow entries, instead of one per second of the run.

#include <cstdint>
#include <algorithm>
#include <set>

namespace lse::coordinator {

class SeqWindow {
public:
    static constexpr std::uint64_t kWindow = 4096;  // > the agent outbox's 300 intervals

    /// True the first time `seq` is offered (merge it); false for a duplicate or one too old to matter.
    bool Insert(std::uint64_t seq) {
        if (seq <= watermark_ || !above_.insert(seq).second) return false;
        const std::uint64_t newest = *above_.rbegin();
        if (newest > kWindow && watermark_ < newest - kWindow) watermark_ = newest - kWindow;
        // Fold the contiguous (or too old) front into the watermark.
        while (!above_.empty() && *above_.begin() <= watermark_ + 1) {
            watermark_ = std::max(watermark_, *above_.begin());
            above_.erase(above_.begin());
        }
        return true;
    }
    void Clear() {
        watermark_ = 0;
        above_.clear();
    }
    std::size_t Held() const noexcept { return above_.size(); }

private:
    std::uint64_t watermark_ = 0;  // every seq <= this counts as seen
    std::set<std::uint64_t> above_;
};

}  // namespace lse::coordinator
