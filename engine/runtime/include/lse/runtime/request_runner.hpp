#pragma once
/// @file
/// The native runner for URL mode: every iteration is one pre-serialised
/// request. Each virtual user owns one reusable Exchange, so the hot path
/// allocates nothing.
///
/// Redirects (max_redirects > 0): the iteration follows them hop by hop by lse/http/redirect.hpp's rules, each hop
/// recorded under the request's name with its status; the response after the last hop allowed that is still a
/// redirect fails (kStatus, with the reason). Responses are parsed keeping their Set-Cookie and Location headers
/// (a few byte compares per header). URL mode has no cookie jar: Set-Cookie is not sent back on a hop.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::runtime {

struct RequestRunnerConfig {
    http::Origin origin;
    http::PreparedRequest request;
    std::string name;           ///< stats name, e.g. "GET /api/products"
    StatusSet accepted = StatusSet::SuccessAndRedirects();
    std::int64_t timeout_ns = 0;  ///< 0: the client's default
    int max_redirects = 0;        ///< redirects an iteration follows (--max-redirects); 0: none
};

/// Builds a RunnerFactory that gives each worker a RequestRunner over a shared config.
RunnerFactory MakeRequestRunnerFactory(std::shared_ptr<const RequestRunnerConfig> config);

class RequestRunner final : public IterationRunner {
public:
    RequestRunner(const WorkerContext& ctx, std::shared_ptr<const RequestRunnerConfig> config);

    int VuserCount() const noexcept override { return static_cast<int>(vus_.size()); }
    bool TryStart(int vu, std::int64_t intended_ns) noexcept override;
    int Busy() const noexcept override { return busy_; }
    void Abort() noexcept override;
    void Close(std::function<void()> done) override;

private:
    struct Vu {
        http::Exchange exchange;
        RequestRunner* runner = nullptr;
        int index = 0;
        bool busy = false;
        std::int64_t intended_ns = 0;
        std::int64_t started_ns = 0;  // the first send (its queued time): hops of a late iteration are that late
        // The iteration's redirect hops (buffers reused): the request rebuilt from config.request with what each
        // hop changed.
        int redirects = 0;
        http::Method hop_method = http::Method::kGet;
        bool hop_body_dropped = false;
        bool hop_cross_origin = false;
        http::Url hop_url;
        http::Url next_url;
        http::HeaderList hop_headers;
        std::string hop_body;
        http::PreparedRequest hop;
    };
    static void OnDone(http::Exchange* ex, void* user);
    void Complete(Vu& vu) noexcept;
    bool FollowRedirect(Vu& vu, std::string_view location) noexcept;

    WorkerContext ctx_;
    std::shared_ptr<const RequestRunnerConfig> config_;
    std::vector<std::unique_ptr<Vu>> vus_;
    std::vector<int> idle_;  // stack of idle VU indexes (open model picks from here)
    int busy_ = 0;
    int stats_index_ = 0;
};

}  // namespace lse::runtime
