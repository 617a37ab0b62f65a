#include "metrics_outbox.hpp"

#include "metrics_checkpoint.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lse::agent {
namespace {

std::vector<std::uint64_t> ResendAll(MetricsOutbox* box, std::int64_t now) {
    std::vector<std::uint64_t> seqs;
    box->Resend(now, 0, [&](std::uint64_t seq, std::string_view) { seqs.push_back(seq); });
    return seqs;
}

TEST(MetricsOutboxTest, NumbersFromOneAndKeepsUnackedUntilAcked) {
    MetricsOutbox box;
    EXPECT_EQ(box.Add(false, "a", 0), 1u);
    EXPECT_EQ(box.Add(false, "b", 0), 2u);
    EXPECT_EQ(box.Add(false, "c", 0), 3u);
    EXPECT_TRUE(box.Ack(2));
    EXPECT_FALSE(box.Ack(2));  // duplicate ack
    EXPECT_FALSE(box.Ack(9));
    EXPECT_EQ(ResendAll(&box, 10), (std::vector<std::uint64_t>{1, 3}));
    EXPECT_EQ(box.last_seq(), 3u);
}

TEST(MetricsOutboxTest, ResendsOnlyMessagesOlderThanTheMinimumAge) {
    MetricsOutbox box;
    box.Add(false, "a", 100);
    box.Add(false, "b", 900);
    std::vector<std::string> sent;
    box.Resend(1000, 500, [&](std::uint64_t, std::string_view bytes) { sent.emplace_back(bytes); });
    EXPECT_EQ(sent, (std::vector<std::string>{"a"}));
    sent.clear();
    box.Resend(1200, 500, [&](std::uint64_t, std::string_view bytes) { sent.emplace_back(bytes); });
    EXPECT_TRUE(sent.empty());  // "a" was just resent, "b" is 300 old
}

TEST(MetricsOutboxTest, FinalIsAckedSeparatelyAndNeverDroppedByTheBound) {
    MetricsOutbox box(2);
    box.Add(false, "1", 0);
    const auto final_seq = box.Add(true, "final", 0);
    box.Add(false, "3", 0);
    box.Add(false, "4", 0);  // bound 2: interval 1 is dropped, the final stays
    EXPECT_EQ(box.dropped(), 1u);
    EXPECT_EQ(ResendAll(&box, 0), (std::vector<std::uint64_t>{final_seq, 3, 4}));
    EXPECT_TRUE(box.final_added());
    EXPECT_FALSE(box.final_acked());
    EXPECT_TRUE(box.Ack(final_seq));
    EXPECT_TRUE(box.final_acked());
    box.Reset();
    EXPECT_FALSE(box.final_added());
    EXPECT_EQ(box.NextSeq(), 1u);
    EXPECT_EQ(box.pending(), 0u);
}

TEST(MetricsOutboxTest, ANewCheckpointReplacesAnUnackedOneAndTheBoundNeverDropsIt) {
    MetricsOutbox box(2);
    box.Add(false, "1", 0);
    const auto first = box.AddCheckpoint("cp2", 0);
    EXPECT_EQ(first, 2u);
    box.Add(false, "3", 0);
    box.Add(false, "4", 0);  // bound 2: interval 1 goes, the checkpoint stays
    EXPECT_EQ(box.dropped(), 1u);
    EXPECT_EQ(ResendAll(&box, 0), (std::vector<std::uint64_t>{2, 3, 4}));
    const auto second = box.AddCheckpoint("cp5", 0);  // covers everything cp2 did: cp2 is not resent any more
    EXPECT_EQ(ResendAll(&box, 0), (std::vector<std::uint64_t>{3, 4, second}));
    EXPECT_EQ(box.dropped(), 1u) << "a replaced checkpoint is not a lost interval";
    EXPECT_FALSE(box.Ack(first));
    EXPECT_TRUE(box.Ack(second));
    EXPECT_EQ(box.AddCheckpoint("cp6", 0), 6u);  // acked: nothing to replace
    EXPECT_EQ(box.pending(), 3u);
    box.Reset();
    EXPECT_EQ(box.AddCheckpoint("cp1", 0), 1u);
    EXPECT_EQ(box.pending(), 1u);
}

TEST(MetricsCheckpointTest, DueEveryNIntervalsWithTheSumSinceReset) {
    MetricsCheckpoint cp(3);
    metrics::Snapshot one;
    one.total.requests = 2;
    EXPECT_FALSE(cp.Add(one));
    EXPECT_FALSE(cp.Add(one));
    EXPECT_TRUE(cp.Add(one));
    EXPECT_EQ(cp.sum().total.requests, 6u);
    EXPECT_FALSE(cp.Add(one));
    EXPECT_EQ(cp.sum().total.requests, 8u) << "cumulative, not since the last checkpoint";
    cp.Reset();
    EXPECT_EQ(cp.sum().total.requests, 0u);
    EXPECT_FALSE(cp.Add(one));
}

}  // namespace
}  // namespace lse::agent
