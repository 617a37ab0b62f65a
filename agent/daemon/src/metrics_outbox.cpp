#include "metrics_outbox.hpp"

#include <utility>

namespace lse::agent {

void MetricsOutbox::Reset() {
    entries_.clear();
    intervals_ = 0;
    next_seq_ = 1;
    final_seq_ = 0;
    checkpoint_seq_ = 0;
    dropped_ = 0;
}

std::uint64_t MetricsOutbox::AddCheckpoint(std::string encoded, std::int64_t now_ns) {
    if (checkpoint_seq_ != 0) entries_.erase(checkpoint_seq_);  // covered by this one
    checkpoint_seq_ = next_seq_++;
    entries_[checkpoint_seq_] = Entry{false, true, std::move(encoded), now_ns};
    return checkpoint_seq_;
}

std::uint64_t MetricsOutbox::Add(bool is_final, std::string encoded, std::int64_t now_ns) {
    const std::uint64_t seq = next_seq_++;
    entries_[seq] = Entry{is_final, false, std::move(encoded), now_ns};
    if (is_final) {
        final_seq_ = seq;
        return seq;
    }
    ++intervals_;
    // Live-view intervals only: the final total still carries their counts, so dropping the oldest
    // keeps memory bounded through a long broker outage without distorting the report.
    for (auto it = entries_.begin(); intervals_ > max_intervals_ && it != entries_.end();) {
        if (it->second.is_final || it->second.is_checkpoint) {
            ++it;
            continue;
        }
        it = entries_.erase(it);
        --intervals_;
        ++dropped_;
    }
    return seq;
}

bool MetricsOutbox::Ack(std::uint64_t seq) {
    auto it = entries_.find(seq);
    if (it == entries_.end()) return false;
    if (it->second.is_checkpoint) {
        checkpoint_seq_ = 0;
    } else if (!it->second.is_final) {
        --intervals_;
    }
    entries_.erase(it);
    return true;
}

void MetricsOutbox::Resend(std::int64_t now_ns, std::int64_t min_age_ns,
                           const std::function<void(std::uint64_t, std::string_view)>& send) {
    for (auto& [seq, entry] : entries_) {
        if (min_age_ns > 0 && entry.last_sent_ns > now_ns - min_age_ns) continue;
        entry.last_sent_ns = now_ns;
        send(seq, entry.bytes);
    }
}

}  // namespace lse::agent
