#include "lse/uv/close.hpp"

#include <gtest/gtest.h>

namespace lse::uv {
namespace {

struct Loop {
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        EXPECT_EQ(uv_loop_close(&loop), 0);  // every handle closed
    }
    uv_loop_t loop;
};

TEST(UvCloseTest, CloseIsIdempotent) {
    Loop l;
    uv_timer_t timer;
    uv_timer_init(&l.loop, &timer);
    Close(&timer);
    Close(&timer);  // a second close would abort inside libuv
    EXPECT_TRUE(uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer)));
    uv_run(&l.loop, UV_RUN_DEFAULT);
}

TEST(UvCloseTest, CloseAndDeleteFreesTheHandle) {
    Loop l;
    auto* timer = new uv_timer_t;
    uv_timer_init(&l.loop, timer);
    CloseAndDelete(timer);  // ASan / valgrind report a leak if the callback did not delete it
    uv_run(&l.loop, UV_RUN_DEFAULT);
}

struct Owner {
    static int destroyed;
    uv_timer_t timer;
    ~Owner() { ++destroyed; }
};
int Owner::destroyed = 0;

TEST(UvCloseTest, CloseAndDeleteDataFreesTheOwner) {
    Loop l;
    auto* owner = new Owner;
    uv_timer_init(&l.loop, &owner->timer);
    owner->timer.data = owner;
    CloseAndDeleteData<Owner>(&owner->timer);
    EXPECT_EQ(Owner::destroyed, 0);  // not before the loop ran the close
    uv_run(&l.loop, UV_RUN_DEFAULT);
    EXPECT_EQ(Owner::destroyed, 1);
}

}  // namespace
}  // namespace lse::uv
