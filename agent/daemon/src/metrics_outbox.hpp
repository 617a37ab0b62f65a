#pragma once
/// @file
/// The agent's unacknowledged Metrics messages of one run. Messages lost while NATS reconnects are
/// resent from here until the coordinator acks them (it dedupes by sequence number, so resending is
/// always safe). Pure bookkeeping on the agent's loop thread: no I/O, no clock of its own.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace lse::agent {

class MetricsOutbox {
public:
    /// At most `max_intervals` unacked interval messages are kept; older ones are dropped first
    /// (the final cumulative total, which the report is built from, is never dropped).
    explicit MetricsOutbox(std::size_t max_intervals = 300) : max_intervals_(max_intervals) {}

    /// Forgets everything: a new run starts again at seq 1.
    void Reset();

    /// The sequence number the next message gets (1, 2, 3, ...).
    std::uint64_t NextSeq() const noexcept { return next_seq_; }
    /// Stores the encoded message that carries NextSeq() and advances it. `now_ns` counts as its
    /// first send. Returns its seq.
    std::uint64_t Add(bool is_final, std::string encoded, std::int64_t now_ns);
    /// Stores a checkpoint (docs/protocol.md, "Checkpoints") like Add. It covers every earlier interval, so an
    /// unacked older checkpoint is dropped (not counted in dropped()): at most one waits at a time, and the
    /// interval bound never drops it.
    std::uint64_t AddCheckpoint(std::string encoded, std::int64_t now_ns);

    /// Marks `seq` delivered. False when it is unknown (already acked, dropped, or never sent).
    bool Ack(std::uint64_t seq);

    /// Calls send(seq, bytes) for every unacked message last sent at or before now_ns - min_age_ns,
    /// oldest first, and records now_ns as their last send. min_age_ns = 0 resends all (reconnect).
    void Resend(std::int64_t now_ns, std::int64_t min_age_ns,
                const std::function<void(std::uint64_t, std::string_view)>& send);

    std::size_t pending() const noexcept { return entries_.size(); }
    std::uint64_t last_seq() const noexcept { return next_seq_ - 1; }
    std::uint64_t dropped() const noexcept { return dropped_; }
    bool final_added() const noexcept { return final_seq_ != 0; }
    /// True once the final message was added and acked.
    bool final_acked() const noexcept { return final_seq_ != 0 && entries_.count(final_seq_) == 0; }

private:
    struct Entry {
        bool is_final = false;
        bool is_checkpoint = false;
        std::string bytes;
        std::int64_t last_sent_ns = 0;
    };
    std::size_t max_intervals_;
    std::map<std::uint64_t, Entry> entries_;
    std::size_t intervals_ = 0;
    std::uint64_t next_seq_ = 1;
    std::uint64_t final_seq_ = 0;
    std::uint64_t checkpoint_seq_ = 0;  // the unacked checkpoint, 0 = none
    std::uint64_t dropped_ = 0;
};

}  // namespace lse::agent
