#include "engine_host.hpp"

namespace lse::lua {

EngineHost::EngineHost(const LuaRunConfig& config, runtime::MetricsRecorder* recorder, EngineListener* listener)
    : client_options_(config.client) {
    client_options_.request_timeout_ns = config.request_timeout_ns;
    uv_loop_init(&loop_);
    client_ = NewClient();
    EngineContext ctx;
    ctx.loop = &loop_;
    ctx.client = client_.get();
    ctx.recorder = recorder;
    try {
        engine_ = std::make_unique<ScenarioEngine>(config, ctx, listener);
    } catch (...) {
        Shutdown();
        Release();
        throw;
    }
    engine_->Errors().SetOutput(nullptr);  // failures are returned, not printed
}

EngineHost::~EngineHost() {
    Shutdown();
    Release();
}

void EngineHost::RunOne(Vu& vu, Phase phase, int task) {
    running_ = 1;
    engine_->Start(vu, phase, task, 0);
    while (running_ > 0) uv_run(&loop_, UV_RUN_ONCE);
}

void EngineHost::StartWake() {
    uv_timer_init(&loop_, &wake_);
    uv_timer_start(&wake_, [](uv_timer_t*) {}, kWakeMs, kWakeMs);
}

void EngineHost::StopWake() noexcept {
    bool closed = false;
    wake_.data = &closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
    while (!closed) uv_run(&loop_, UV_RUN_NOWAIT);
}

std::unique_ptr<http::Client> EngineHost::NewClient() {
    // The run's own options (TLS trust, connect timeout...): a hook or dry run must reach the target the
    // same way the load does.
    return std::make_unique<http::Client>(&loop_, client_options_);
}

void EngineHost::FreshClient() {
    std::unique_ptr<http::Client> old = std::move(client_);
    client_ = NewClient();
    engine_->ReplaceClient(client_.get());
    bool closed = false;
    old->Close([&closed] { closed = true; });
    while (!closed) uv_run(&loop_, UV_RUN_ONCE);
}

void EngineHost::Shutdown() noexcept {
    if (shut_down_) return;
    shut_down_ = true;
    streaming_ = false;  // a RunStream left by an exception: the aborted runs need no slot back
    bool engine_closed = engine_ == nullptr;
    if (engine_ != nullptr) {
        engine_->Abort();
        engine_->Close([&engine_closed] { engine_closed = true; });
    }
    bool client_closed = false;
    client_->Close([&client_closed] { client_closed = true; });
    while (!engine_closed || !client_closed) uv_run(&loop_, UV_RUN_ONCE);
    uv_run(&loop_, UV_RUN_NOWAIT);
}

void EngineHost::Release() noexcept {
    engine_.reset();
    client_.reset();
    uv_loop_close(&loop_);
}

}  // namespace lse::lua
