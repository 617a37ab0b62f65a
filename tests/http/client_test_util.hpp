#pragma once
/// @file
/// A libuv loop plus a Client for integration tests: send an exchange and run the loop until it
/// completes, wait inside or outside the loop, and shut down checking that no handle leaked.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lse/http/client.hpp"

namespace lse::http::testing {

class ClientHarness {
public:
    explicit ClientHarness(ClientOptions options = {});
    ~ClientHarness();  ///< Calls Shutdown() if the test did not.

    Client& client() { return *client_; }
    uv_loop_t* loop() { return &loop_; }

    /// Sends one exchange (queueing allowed) and runs the loop until it completes; returns its result.
    Result Fetch(const std::string& url, Method method = Method::kGet, std::string body = "",
                 std::int64_t timeout_ns = 0, bool capture = true);
    Result Fetch(const Origin& origin, const PreparedRequest& request, std::int64_t timeout_ns = 0,
                 bool capture = true);

    /// Runs the loop until pred() is true or max_ns elapse; returns pred().
    bool RunUntil(const std::function<bool()>& pred, std::int64_t max_ns = 10 * kNsPerSec);
    /// Runs the loop (so that socket events are processed) for ns.
    void RunFor(std::int64_t ns);

    /// Closes the client, runs the loop until everything is closed; returns uv_loop_close()'s result.
    int Shutdown();

private:
    static void OnTick(uv_timer_t* timer);

    uv_loop_t loop_;
    uv_timer_t tick_;
    std::unique_ptr<Client> client_;
    const std::function<bool()>* pred_ = nullptr;
    std::int64_t deadline_ns_ = 0;
    bool shut_down_ = false;
};

/// One Exchange that records its completions (for tests that drive many exchanges).
struct TestExchange {
    Exchange ex;
    int completions = 0;
};

}  // namespace lse::http::testing
