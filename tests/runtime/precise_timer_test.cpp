#include "lse/runtime/precise_timer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "lse/uv/close.hpp"

namespace lse::runtime {
namespace {

struct Fires {
    std::vector<std::int64_t> at;
    std::int64_t deadline = 0;
    PreciseTimer* timer = nullptr;
    int remaining = 0;
};

TEST(PreciseTimer, FiresNoEarlierThanDeadlineAndCanBeRearmed) {
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    Fires f;
    PreciseTimer timer(
        &loop,
        [](void* u) {
            auto* f = static_cast<Fires*>(u);
            const auto now = static_cast<std::int64_t>(uv_hrtime());
            f->at.push_back(now - f->deadline);
            if (--f->remaining > 0) {
                f->deadline = now + 300'000;  // 300 µs: below uv_timer's 1 ms resolution
                f->timer->ArmAt(f->deadline);
            } else {
                f->timer->Close([](void*) {}, nullptr);
            }
        },
        &f);
    f.timer = &timer;
    f.remaining = 20;
    f.deadline = static_cast<std::int64_t>(uv_hrtime()) + 300'000;
    timer.ArmAt(f.deadline);
    uv_run(&loop, UV_RUN_DEFAULT);

    ASSERT_EQ(f.at.size(), 20u);
    for (std::int64_t late : f.at) EXPECT_GE(late, 0) << "fired before its deadline";
    EXPECT_EQ(uv_loop_close(&loop), 0) << "timer left a handle open";
}

TEST(PreciseTimer, DisarmedTimerDoesNotFire) {
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    int fired = 0;
    PreciseTimer timer(&loop, [](void* u) { ++*static_cast<int*>(u); }, &fired);
    timer.ArmAt(static_cast<std::int64_t>(uv_hrtime()) + 1'000'000);
    timer.Disarm();
    uv_timer_t stop;
    uv_timer_init(&loop, &stop);
    stop.data = &timer;
    uv_timer_start(&stop, [](uv_timer_t* t) {
        static_cast<PreciseTimer*>(t->data)->Close([](void*) {}, nullptr);
        uv::Close(t);
    }, 20, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace lse::runtime
