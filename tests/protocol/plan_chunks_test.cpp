#include "lse/protocol/plan_chunks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "lse/core/errors.hpp"
#include "lse/protocol/codec.hpp"
#include "sample_messages.hpp"

namespace lse::protocol {
namespace {

using Result = PlanAssembler::Result;

std::string RandomPlan(std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string s(size, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
}

// The Assignment an agent would have received for these chunks.
Assignment AnnouncedBy(const std::vector<PlanChunk>& chunks) {
    Assignment a = testing::SampleAssignment();
    a.plan.clear();
    a.run_id = chunks.front().run_id;
    a.plan_size = chunks.front().plan_size;
    a.plan_checksum = chunks.front().plan_checksum;
    a.plan_chunks = chunks.front().count;
    return a;
}

TEST(Fnv1a64, MatchesPublishedVectors) {
    EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(SplitPlan, CoversThePlanInOrder) {
    const std::string plan = RandomPlan(10'000, 1);
    const auto chunks = SplitPlan("run-1", plan, 3000);
    ASSERT_EQ(chunks.size(), 4u);
    std::string joined;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        EXPECT_EQ(chunks[i].index, i);
        EXPECT_EQ(chunks[i].count, 4u);
        EXPECT_EQ(chunks[i].plan_size, plan.size());
        EXPECT_EQ(chunks[i].plan_checksum, Fnv1a64(plan));
        EXPECT_LE(chunks[i].bytes.size(), 3000u);
        joined += chunks[i].bytes;
    }
    EXPECT_EQ(joined, plan);
    EXPECT_EQ(chunks.back().bytes.size(), 1000u);
}

TEST(SplitPlan, ExactMultipleAndEmptyPlan) {
    EXPECT_EQ(SplitPlan("r", std::string(6000, 'x'), 3000).size(), 2u);
    const auto empty = SplitPlan("r", "", 3000);
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_TRUE(empty[0].bytes.empty());
}

TEST(SplitPlan, RefusesBadLimits) {
    EXPECT_THROW(SplitPlan("r", "abc", 0), UsageError);
    EXPECT_THROW(SplitPlan("r", "abc", kMaxPlanChunkBytes + 1), UsageError);
    EXPECT_THROW(SplitPlan("r", std::string(kMaxPlanChunks + 1, 'x'), 1), UsageError);
}

TEST(SplitPlan, EveryChunkFitsInOneMessage) {
    const std::string plan = RandomPlan(2 * kDefaultPlanChunkBytes + 5, 2);
    for (const PlanChunk& c : SplitPlan(std::string(kMaxIdLength, 'r'), plan)) {
        EXPECT_LE(EncodePlanChunk(c).size(), kMaxMessageBytes);
    }
}

TEST(PlanAssembler, ReassemblesInAnyOrderWithDuplicates) {
    const std::string plan = RandomPlan(50'000, 3);
    auto chunks = SplitPlan("run-1", plan, 4096);
    std::mt19937_64 rng(4);
    // Every chunk twice, shuffled: the duplicates must be ignored whenever they come.
    std::vector<PlanChunk> delivery = chunks;
    delivery.insert(delivery.end(), chunks.begin(), chunks.end());
    std::shuffle(delivery.begin(), delivery.end(), rng);

    PlanAssembler assembler(AnnouncedBy(chunks));
    int complete = 0;
    for (const PlanChunk& c : delivery) {
        // Round-trip through the codec as the agent would receive it.
        PlanChunk received;
        ASSERT_TRUE(DecodePlanChunk(EncodePlanChunk(c), &received, nullptr));
        const Result r = assembler.Add(received);
        ASSERT_TRUE(r == Result::kAccepted || r == Result::kDuplicate || r == Result::kComplete)
            << PlanAssemblerResultName(r);
        complete += r == Result::kComplete;
    }
    EXPECT_EQ(complete, 1);
    ASSERT_TRUE(assembler.complete());
    EXPECT_FALSE(assembler.failed());
    EXPECT_EQ(assembler.received(), chunks.size());
    EXPECT_EQ(assembler.TakePlan(), plan);
}

TEST(PlanAssembler, IncompleteUntilTheLastChunk) {
    const auto chunks = SplitPlan("run-1", RandomPlan(100, 5), 10);
    PlanAssembler assembler(AnnouncedBy(chunks));
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) EXPECT_EQ(assembler.Add(chunks[i]), Result::kAccepted);
    EXPECT_FALSE(assembler.complete());
    EXPECT_EQ(assembler.TakePlan(), "");
    EXPECT_EQ(assembler.Add(chunks.back()), Result::kComplete);
}

TEST(PlanAssembler, IgnoresChunksOfAnotherPlan) {
    const auto chunks = SplitPlan("run-1", RandomPlan(100, 6), 10);
    PlanAssembler assembler(AnnouncedBy(chunks));
    PlanChunk other_run = chunks[0];
    other_run.run_id = "run-2";
    EXPECT_EQ(assembler.Add(other_run), Result::kWrongPlan);
    PlanChunk other_checksum = chunks[0];
    other_checksum.plan_checksum ^= 1;
    EXPECT_EQ(assembler.Add(other_checksum), Result::kWrongPlan);
    PlanChunk other_count = chunks[0];
    other_count.count += 1;
    EXPECT_EQ(assembler.Add(other_count), Result::kWrongPlan);
    PlanChunk bad_index = chunks[0];
    bad_index.index = bad_index.count;
    EXPECT_EQ(assembler.Add(bad_index), Result::kBadIndex);
    EXPECT_FALSE(assembler.failed());
    for (const auto& c : chunks) assembler.Add(c);
    EXPECT_TRUE(assembler.complete());
}

TEST(PlanAssembler, DetectsCorruptedBytes) {
    const std::string plan = RandomPlan(1000, 7);
    auto chunks = SplitPlan("run-1", plan, 100);
    chunks[4].bytes[17] ^= 0x20;  // same length, different content: only the checksum can tell
    PlanAssembler assembler(AnnouncedBy(chunks));
    Result last = Result::kAccepted;
    for (const auto& c : chunks) last = assembler.Add(c);
    EXPECT_EQ(last, Result::kChecksumMismatch);
    EXPECT_TRUE(assembler.failed());
    EXPECT_FALSE(assembler.complete());
    EXPECT_EQ(assembler.Add(chunks[0]), Result::kChecksumMismatch);  // stays failed
}

TEST(PlanAssembler, DetectsTruncatedChunks) {
    auto chunks = SplitPlan("run-1", RandomPlan(1000, 8), 100);
    chunks[9].bytes.pop_back();
    PlanAssembler assembler(AnnouncedBy(chunks));
    Result last = Result::kAccepted;
    for (const auto& c : chunks) last = assembler.Add(c);
    EXPECT_EQ(last, Result::kChecksumMismatch);
}

TEST(PlanAssembler, ConflictingDuplicateFails) {
    auto chunks = SplitPlan("run-1", RandomPlan(1000, 9), 100);
    PlanAssembler assembler(AnnouncedBy(chunks));
    EXPECT_EQ(assembler.Add(chunks[2]), Result::kAccepted);
    PlanChunk changed = chunks[2];
    changed.bytes[0] ^= 1;
    EXPECT_EQ(assembler.Add(changed), Result::kConflict);
    EXPECT_TRUE(assembler.failed());
}


TEST(PlanAssembler, RefusesMoreBytesThanAnnouncedInTotal) {
    auto chunks = SplitPlan("run-1", RandomPlan(1000, 10), 100);
    PlanAssembler assembler(AnnouncedBy(chunks));
    chunks[0].bytes.append(std::string(850, 'x'));  // 950 so far: still within 1000
    EXPECT_EQ(assembler.Add(chunks[0]), Result::kAccepted);
    EXPECT_EQ(assembler.Add(chunks[1]), Result::kTooLarge);  // 1050
    EXPECT_TRUE(assembler.failed());
}

TEST(PlanAssembler, RefusesAnnouncementsOverTheLimits) {
    Assignment a = testing::SampleAssignment();
    a.plan.clear();
    a.plan_chunks = 0;
    EXPECT_THROW(PlanAssembler{a}, UsageError);
    a.plan_chunks = kMaxPlanChunks + 1;
    EXPECT_THROW(PlanAssembler{a}, UsageError);
    a.plan_chunks = 2;
    a.plan_size = kMaxPlanBytes + 1;
    EXPECT_THROW(PlanAssembler{a}, UsageError);
}

TEST(PreparePlanDelivery, SmallPlansGoInline) {
    const std::string plan = RandomPlan(1000, 11);
    PlanDelivery d = PreparePlanDelivery(testing::SampleAssignment(), plan);
    EXPECT_TRUE(d.chunks.empty());
    EXPECT_EQ(d.assignment.plan_chunks, 0u);
    EXPECT_EQ(d.assignment.plan, plan);
    Assignment decoded;
    std::string error;
    ASSERT_TRUE(DecodeAssignment(EncodeAssignment(d.assignment), &decoded, &error)) << error;
    EXPECT_EQ(decoded.plan, plan);
}

TEST(PreparePlanDelivery, LargePlansAreChunkedAndReassemble) {
    const std::string plan = RandomPlan(3 * 1024 * 1024 + 17, 12);
    PlanDelivery d = PreparePlanDelivery(testing::SampleAssignment(), plan);
    const std::string encoded = EncodeAssignment(d.assignment);
    EXPECT_LE(encoded.size(), kMaxMessageBytes);
    ASSERT_EQ(d.assignment.plan_chunks, d.chunks.size());
    EXPECT_EQ(d.chunks.size(), 5u);  // 3 MiB / 768 KiB, rounded up
    EXPECT_TRUE(d.assignment.plan.empty());

    Assignment announced;
    ASSERT_TRUE(DecodeAssignment(encoded, &announced, nullptr));
    PlanAssembler assembler(announced);
    std::reverse(d.chunks.begin(), d.chunks.end());
    for (const auto& c : d.chunks) {
        const std::string bytes = EncodePlanChunk(c);
        EXPECT_LE(bytes.size(), kMaxMessageBytes);
        PlanChunk received;
        ASSERT_TRUE(DecodePlanChunk(bytes, &received, nullptr));
        assembler.Add(received);
    }
    ASSERT_TRUE(assembler.complete());
    EXPECT_EQ(assembler.TakePlan(), plan);
}

TEST(PreparePlanDelivery, BoundaryUsesTheMessageLimit) {
    // A limit just above the bare assignment plus the plan keeps it inline; just below splits it.
    Assignment a = testing::SampleAssignment();
    const std::string plan(5000, 'p');
    PlanDelivery inline_delivery = PreparePlanDelivery(a, plan, 6000, 1000);
    EXPECT_TRUE(inline_delivery.chunks.empty());
    EXPECT_LE(EncodeAssignment(inline_delivery.assignment).size(), 6000u);
    PlanDelivery split = PreparePlanDelivery(a, plan, 5000, 1000);
    EXPECT_EQ(split.chunks.size(), 5u);
    PlanDelivery small_messages = PreparePlanDelivery(a, plan, 600, 1000);
    ASSERT_GT(small_messages.chunks.size(), 5u);  // chunk size lowered to fit 600-byte messages
    for (const auto& c : small_messages.chunks) EXPECT_LE(EncodePlanChunk(c).size(), 600u);
    EXPECT_THROW(PreparePlanDelivery(a, plan, 20, 1000), UsageError);  // not even the bare assignment fits
}

}  // namespace
}  // namespace lse::protocol
