#include "lse/runtime/request_runner.hpp"

#include "lse/http/redirect.hpp"
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
        vu->exchange.capture_cookies = config_->max_redirects > 0;  // keeps Location
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
    vu.started_ns = 0;
    if (vu.redirects > 0) {  // the last iteration was redirected: back to the request itself
        vu.redirects = 0;
        vu.exchange.origin = &config_->origin;
        vu.exchange.request = &config_->request;
    }
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
    if (vu.started_ns == 0) vu.started_ns = r.t.queued_ns;
    bool too_many = false;
    if (config_->max_redirects > 0 && r.error == ErrorKind::kNone && http::IsRedirectStatus(r.status)) {
        const std::string_view location = http::FindLocation(r.headers);
        if (!location.empty()) {
            if (vu.redirects >= config_->max_redirects) {
                too_many = true;
            } else if (FollowRedirect(vu, location)) {
                return;
            }
        }
    }
    if (too_many) {
        static const StatusSet kNothingAccepted;
        const ErrorKind kind = ctx_.recorder->RecordExchange(stats_index_, r, kNothingAccepted, vu.intended_ns,
                                                             vu.started_ns);
        http::FormatTooManyRedirects(config_->max_redirects, r.status, http::FindLocation(r.headers), &vu.hop_body);
        ctx_.recorder->RecordError(stats_index_, kind, vu.hop_body, r.t.done_ns);
    } else {
        ctx_.recorder->RecordExchange(stats_index_, r, config_->accepted, vu.intended_ns, vu.started_ns);
    }
    vu.busy = false;
    --busy_;
    if (ctx_.open_model) idle_.push_back(vu.index);
    ctx_.listener->OnIterationDone(vu.index);
}

bool RequestRunner::FollowRedirect(Vu& vu, std::string_view location) noexcept {
    const http::Result& r = vu.exchange.result;
    if (vu.redirects == 0) {
        vu.hop_url.origin = config_->origin;
        const std::string_view bytes = config_->request.bytes;
        const size_t from = bytes.find(' ') + 1;
        vu.hop_url.path_and_query.assign(bytes.substr(from, bytes.find(' ', from) - from));
        vu.hop_method = config_->request.method;
        vu.hop_body_dropped = false;
        vu.hop_cross_origin = false;
    }
    const char* why = nullptr;
    if (!http::ResolveLocation(vu.hop_url, location, &vu.next_url, &why)) return false;
    const http::RedirectMethod next = http::NextRedirectMethod(r.status, vu.hop_method);
    if (!http::ReadSerializedRequest(config_->request.bytes, &vu.hop_headers, &vu.hop_body)) return false;
    const bool cross_origin = vu.hop_cross_origin || !(vu.next_url.origin == vu.hop_url.origin);
    const bool body_dropped = vu.hop_body_dropped || !next.keep_body;
    http::FilterRedirectHeaders(&vu.hop_headers, cross_origin, body_dropped);
    if (body_dropped) vu.hop_body.clear();
    try {
        // HostHeader() fits the small-string buffer for the usual host:port; a hop is not the steady state anyway.
        // A 307/308 keeps a custom method (kOther): its token is the first word of the request line.
        const std::string_view base_bytes = config_->request.bytes;
        http::PreparedRequest::BuildInto(next.method, vu.next_url.origin.HostHeader(), vu.next_url.path_and_query,
                                         vu.hop_headers, vu.hop_body, &vu.hop, base_bytes.substr(0, base_bytes.find(' ')));
    } catch (...) {
        return false;  // not expected (the request was valid, the target resolved): the response is final
    }
    // This hop is an exchange of its own, not a failure.
    static const StatusSet kRedirects = [] {
        StatusSet set;
        for (int status : {301, 302, 303, 307, 308}) set.Add(status);
        return set;
    }();
    ctx_.recorder->RecordExchange(stats_index_, r, kRedirects, vu.intended_ns, vu.started_ns);
    vu.hop_method = next.method;
    vu.hop_body_dropped = body_dropped;
    vu.hop_cross_origin = cross_origin;
    std::swap(vu.hop_url, vu.next_url);
    ++vu.redirects;
    vu.exchange.origin = &vu.hop_url.origin;
    vu.exchange.request = &vu.hop;
    if (ctx_.client->Send(&vu.exchange, /*allow_queue=*/true)) return true;
    // The run is stopping: the iteration ends with the hops it got (each recorded above).
    vu.exchange.origin = &config_->origin;
    vu.exchange.request = &config_->request;
    vu.redirects = 0;
    vu.busy = false;
    --busy_;
    if (ctx_.open_model) idle_.push_back(vu.index);
    ctx_.listener->OnIterationDone(vu.index);
    return true;
}

void RequestRunner::Abort() noexcept { ctx_.client->CancelAll(ErrorKind::kTimeout); }

void RequestRunner::Close(std::function<void()> done) { done(); }

}  // namespace lse::runtime
