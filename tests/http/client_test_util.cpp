#include "client_test_util.hpp"

#include <gtest/gtest.h>

namespace lse::http::testing {

ClientHarness::ClientHarness(ClientOptions options) {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &tick_);
    tick_.data = this;
    client_ = std::make_unique<Client>(&loop_, std::move(options));
}

ClientHarness::~ClientHarness() {
    if (!shut_down_) {
        EXPECT_EQ(Shutdown(), 0) << "handles leaked";
    }
}

void ClientHarness::OnTick(uv_timer_t* timer) {
    auto* self = static_cast<ClientHarness*>(timer->data);
    if ((self->pred_ != nullptr && (*self->pred_)()) ||
        static_cast<std::int64_t>(uv_hrtime()) >= self->deadline_ns_) {
        uv_stop(&self->loop_);
    }
}

bool ClientHarness::RunUntil(const std::function<bool()>& pred, std::int64_t max_ns) {
    if (pred()) return true;
    pred_ = &pred;
    deadline_ns_ = static_cast<std::int64_t>(uv_hrtime()) + max_ns;
    uv_timer_start(&tick_, &ClientHarness::OnTick, 1, 1);
    while (!pred() && static_cast<std::int64_t>(uv_hrtime()) < deadline_ns_) uv_run(&loop_, UV_RUN_DEFAULT);
    uv_timer_stop(&tick_);
    pred_ = nullptr;
    return pred();
}

void ClientHarness::RunFor(std::int64_t ns) {
    const std::int64_t until = static_cast<std::int64_t>(uv_hrtime()) + ns;
    RunUntil([until] { return static_cast<std::int64_t>(uv_hrtime()) >= until; }, ns + kNsPerSec);
}

Result ClientHarness::Fetch(const std::string& url, Method method, std::string body, std::int64_t timeout_ns,
                            bool capture) {
    const Url u = ParseUrl(url);
    const PreparedRequest req = PreparedRequest::Build(method, u.origin, u.path_and_query, {}, body);
    return Fetch(u.origin, req, timeout_ns, capture);
}

Result ClientHarness::Fetch(const Origin& origin, const PreparedRequest& request, std::int64_t timeout_ns,
                            bool capture) {
    Exchange ex;
    ex.origin = &origin;
    ex.request = &request;
    ex.timeout_ns = timeout_ns;
    ex.capture = capture;
    bool done = false;
    ex.user = &done;
    ex.on_done = [](Exchange*, void* user) { *static_cast<bool*>(user) = true; };
    EXPECT_TRUE(client_->Send(&ex, true));
    EXPECT_FALSE(done) << "completion must never run inside Send()";
    EXPECT_TRUE(RunUntil([&] { return done; }, 20 * kNsPerSec)) << "exchange did not complete";
    return ex.result;
}

int ClientHarness::Shutdown() {
    shut_down_ = true;
    bool closed = false;
    client_->Close([&closed] { closed = true; });
    EXPECT_FALSE(closed) << "on_closed must run from the loop";
    RunUntil([&] { return closed; });
    EXPECT_TRUE(closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    client_.reset();
    return uv_loop_close(&loop_);
}

}  // namespace lse::http::testing
