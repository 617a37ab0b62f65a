#include "lse/runtime/request_runner.hpp"

#include "lse/runtime/metrics_recorder.hpp"

namespace lse::runtime {

RunnerFactory MakeRequestRunnerFactory(std::shared_ptr<const RequestRunnerConfig> config) {
    return [config](const WorkerContext& ctx) -> std::unique_ptr<IterationRunner> {
        return std::make_unique<RequestRunner>(ctx, config);
    };
}

RequestRunner::RequestRunner(const WorkerContext& ctx, std::shared_ptr<const RequestRunnerConfig> config)
    : ctx_(ctx), config_(std::move(config)) {
    stats_index_ = ctx_.recorder->Register(config_->name);
    vus_.reserve(static_cast<size_t>(ctx_.vusers));
    idle_.reserve(static_cast<size_t>(ctx_.vusers));
    for (int i = 0; i < ctx_.vusers; ++i) {
        auto vu = std::make_unique<Vu>();
        vu->runner = this;
        vu->index = i;
        vu->exchange.origin = &config_->origin;
        vu->exchange.request = &config_->request;
        vu->exchange.timeout_ns = config_->timeout_ns;
        vu->exchange.on_done = &RequestRunner::OnDone;
        vu->exchange.user = vu.get();
        vus_.push_back(std::move(vu));
    }
    // Reverse so that VU 0 is used first: keeps the set of warm connections small at low rates.
    for (int i = ctx_.vusers - 1; i >= 0; --i) idle_.push_back(i);
}

bool RequestRunner::TryStart(int vu_index, std::int64_t intended_ns) noexcept {
    if (vu_index < 0) {
        if (idle_.empty()) return false;
        vu_index = idle_.back();
        idle_.pop_back();
    } else if (vus_[static_cast<size_t>(vu_index)]->busy) {
        return false;  // closed model addresses VUs directly and does not use idle_
    }
    Vu& vu = *vus_[static_cast<size_t>(vu_index)];
    vu.busy = true;
    vu.intended_ns = intended_ns;
    ++busy_;
    // Closed model queues for a connection (the VU is the unit of concurrency); the open model
    // must not queue silently: with no connection free, the arrival is dropped.
    if (!ctx_.client->Send(&vu.exchange, /*allow_queue=*/!ctx_.open_model)) {
        vu.busy = false;
        --busy_;
        if (ctx_.open_model) idle_.push_back(vu_index);
        return false;
    }
    return true;
}

void RequestRunner::OnDone(http::Exchange* ex, void* user) {
    (void)ex;
    auto* vu = static_cast<Vu*>(user);
    vu->runner->Complete(*vu);
}

void RequestRunner::Complete(Vu& vu) noexcept {
    // The iteration is this one request, started by the send call: response time runs from the intended start
    // (or the send, if that was earlier) to the last byte, the same rule as the Lua and replay runners.
    const http::Result& r = vu.exchange.result;
    ctx_.recorder->RecordExchange(stats_index_, r, config_->accepted, vu.intended_ns, r.t.queued_ns);
    vu.busy = false;
    --busy_;
    if (ctx_.open_model) idle_.push_back(vu.index);
    ctx_.listener->OnIterationDone(vu.index);
}

void RequestRunner::Abort() noexcept { ctx_.client->CancelAll(ErrorKind::kTimeout); }

void RequestRunner::Close(std::function<void()> done) { done(); }

}  // namespace lse::runtime
