// SeqWindow: duplicates and reordering within the window are caught; memory stays bounded even when a
// seq never arrives.
#include "lse/coordinator/seq_window.hpp"

#include <gtest/gtest.h>

namespace lse::coordinator {
namespace {

TEST(SeqWindow, DuplicatesAndOutOfOrderSeqsAreRecognised) {
    SeqWindow w;
    EXPECT_TRUE(w.Insert(1));
    EXPECT_TRUE(w.Insert(3));
    EXPECT_TRUE(w.Insert(2));
    EXPECT_FALSE(w.Insert(2));
    EXPECT_FALSE(w.Insert(1));
    EXPECT_FALSE(w.Insert(3));
    EXPECT_TRUE(w.Insert(5));
    EXPECT_FALSE(w.Insert(5));
    EXPECT_TRUE(w.Insert(4));
    EXPECT_EQ(w.Held(), 0u);  // 1..5 contiguous: all folded into the watermark
}

TEST(SeqWindow, AMissingSeqDoesNotMakeTheSetGrowForever) {
    SeqWindow w;
    EXPECT_TRUE(w.Insert(1));
    // seq 2 is never delivered (the agent's outbox dropped it); the run goes on for hours.
    for (std::uint64_t s = 3; s < 3 + 5 * SeqWindow::kWindow; ++s) EXPECT_TRUE(w.Insert(s));
    EXPECT_LE(w.Held(), SeqWindow::kWindow);
    // A late copy of seq 2, older than anything the agent could still resend, is not merged.
    EXPECT_FALSE(w.Insert(2));
    // Recent seqs are still told apart.
    const std::uint64_t next = 3 + 5 * SeqWindow::kWindow;
    EXPECT_FALSE(w.Insert(next - 1));
    EXPECT_TRUE(w.Insert(next));
}

TEST(SeqWindow, ClearStartsOver) {
    SeqWindow w;
    EXPECT_TRUE(w.Insert(1));
    w.Clear();
    EXPECT_TRUE(w.Insert(1));
}

}  // namespace
}  // namespace lse::coordinator
