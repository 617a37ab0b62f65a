// ExchangeTimeouts on a real libuv loop: expiry order across lengths, early completion, the sorted
// list for many lengths, and that nothing armed means no live timer (uv_run returns).
#include <gtest/gtest.h>
#include <uv.h>

#include <cstdint>
#include <vector>

#include "exchange_timeouts.hpp"

namespace lse::http::detail {
namespace {

constexpr std::int64_t kMs = 1'000'000;

struct Fixture : ::testing::Test {
    uv_loop_t loop;
    static inline std::vector<Exchange*>* expired = nullptr;
    std::vector<Exchange*> order;

    void SetUp() override {
        uv_loop_init(&loop);
        expired = &order;
    }
    void TearDown() override {
        expired = nullptr;
        EXPECT_EQ(uv_loop_close(&loop), 0);
    }
    static void OnExpire(Exchange* ex) { expired->push_back(ex); }
    std::int64_t Now() const { return static_cast<std::int64_t>(uv_hrtime()); }
    void CloseAndDrain(ExchangeTimeouts& t) {
        t.Close(nullptr, nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
};

TEST_F(Fixture, ExpiresByDeadlineAcrossLengths) {
    ExchangeTimeouts t(&loop, &Fixture::OnExpire);
    Exchange slow, fast, mid;
    const std::int64_t now = Now();
    ASSERT_TRUE(t.Arm(&slow, 60 * kMs, now));
    ASSERT_TRUE(t.Arm(&fast, 10 * kMs, now));  // shorter: re-arms the timer earlier
    ASSERT_TRUE(t.Arm(&mid, 30 * kMs, now));
    EXPECT_EQ(t.Armed(), 3u);
    const std::int64_t start = Now();
    uv_run(&loop, UV_RUN_DEFAULT);  // returns once all three expired: the timer stops when nothing is armed
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[0], &fast);
    EXPECT_EQ(order[1], &mid);
    EXPECT_EQ(order[2], &slow);
    EXPECT_GE(Now() - start, 58 * kMs);
    EXPECT_EQ(t.Armed(), 0u);
    CloseAndDrain(t);
}

TEST_F(Fixture, DisarmedExchangesNeverExpireAndAnIdleTimerEndsTheLoop) {
    ExchangeTimeouts t(&loop, &Fixture::OnExpire);
    Exchange a, b;
    ASSERT_TRUE(t.Arm(&a, 20 * kMs, Now()));
    ASSERT_TRUE(t.Arm(&b, 40 * kMs, Now()));
    t.Disarm(&a);  // the timer stays armed for a's stale deadline, fires, and re-arms for b
    t.Disarm(&a);  // twice: harmless
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT_EQ(order.size(), 1u);
    EXPECT_EQ(order[0], &b);
    // Disarming the last one stops the timer at once: the loop has nothing left to wait for.
    Exchange c;
    ASSERT_TRUE(t.Arm(&c, 10'000 * kMs, Now()));
    t.Disarm(&c);
    const std::int64_t start = Now();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_LT(Now() - start, 1000 * kMs);
    EXPECT_EQ(order.size(), 1u);
    CloseAndDrain(t);
}

TEST_F(Fixture, ManyDistinctLengthsShareASortedList) {
    ExchangeTimeouts t(&loop, &Fixture::OnExpire);
    // 40 lengths: the first 16 get lists of their own, the rest go to the sorted list in any order.
    std::vector<Exchange> ex(40);
    const std::int64_t now = Now();
    for (int i = 0; i < 40; ++i) {
        const int length_ms = 5 + ((i * 17) % 40);  // a permutation of 5..44
        ASSERT_TRUE(t.Arm(&ex[static_cast<size_t>(i)], length_ms * kMs, now));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT_EQ(order.size(), 40u);
    for (size_t k = 1; k < order.size(); ++k) {
        EXPECT_LE(order[k - 1]->internal_.deadline_ns, order[k]->internal_.deadline_ns) << k;
    }
    CloseAndDrain(t);
}

struct Rearm {
    ExchangeTimeouts* timeouts = nullptr;
    Exchange next;
    int expired = 0;
};
Rearm* g_rearm = nullptr;

TEST_F(Fixture, AnExpiryCallbackMayArmAgain) {
    ExchangeTimeouts t(&loop, [](Exchange*) {
        // Like a script whose request timed out sending its next one.
        if (++g_rearm->expired == 1) g_rearm->timeouts->Arm(&g_rearm->next, 5 * kMs, static_cast<std::int64_t>(uv_hrtime()));
    });
    Rearm r;
    r.timeouts = &t;
    g_rearm = &r;
    Exchange first;
    ASSERT_TRUE(t.Arm(&first, 5 * kMs, Now()));
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(r.expired, 2);
    EXPECT_EQ(t.Armed(), 0u);
    g_rearm = nullptr;
    CloseAndDrain(t);
}

}  // namespace
}  // namespace lse::http::detail
