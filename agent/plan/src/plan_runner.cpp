#include "lse/plan/plan_runner.hpp"

#include <uv.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>
#include <span>
#include <string>
#include <unordered_map>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/http/client.hpp"
#include "lse/http/cookie_jar.hpp"
#include "lse/http/redirect.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/compiled_request.hpp"
#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/runtime/idle_queue.hpp"
#include "lse/runtime/weighted_picker.hpp"
#include "lse/plan/template_expand.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "replay_tables.hpp"
#include "value_extraction.hpp"

namespace lse::plan {
namespace {

std::int64_t NowNs() noexcept { return static_cast<std::int64_t>(uv_hrtime()); }
// Cookie expiry is wall-clock time (Max-Age, Expires), as in the Lua runtime.
std::int64_t NowUnix() noexcept { return static_cast<std::int64_t>(std::time(nullptr)); }

// What every worker of a factory shares: the compiled scenario (also shared with the scenario's other factories) and
// the sequence counter.
struct SharedReplay {
    std::shared_ptr<const PlanRunConfig> config;
    std::shared_ptr<const CompiledScenario> compiled;
    StridedSeq seq;

    SharedReplay(std::shared_ptr<const PlanRunConfig> c, std::shared_ptr<const CompiledScenario> s)
        : config(std::move(c)), compiled(std::move(s)), seq(config->agent_index, config->agent_count) {}
};

class PlanRunner final : public runtime::IterationRunner {
public:
    PlanRunner(const runtime::WorkerContext& ctx, std::shared_ptr<const SharedReplay> shared)
        : ctx_(ctx),
          shared_(std::move(shared)),
          plan_(*shared_->compiled->header),
          t_(*shared_->compiled->tables),
          rng_(Mix(shared_->config->seed, 1)),
          picker_(Weights(plan_), Mix(shared_->config->seed, 2)) {
        const PlanRunConfig& cfg = *shared_->config;
        expand_.seq = const_cast<StridedSeq*>(&shared_->seq);  // thread-safe counter shared by workers
        expand_.rng = &rng_;

        // The script's metrics (format 6): resolved once, so a metric step only adds. Every listed metric is
        // registered, sampled or not, so the report shows it as a local run does.
        for (const PlannedMetric& m : plan_.metrics) {
            metrics::CustomMetric* target = ctx_.recorder->Custom(m.name, m.kind);
            custom_.push_back(target != nullptr && target->kind == m.kind ? target : nullptr);
        }
        for (const auto& task : plan_.tasks) {
            task_stats_.push_back(ctx_.recorder->Register(
                metrics::MakeStatKey(metrics::StatKind::kTask, plan_.name, task.name), /*counts_in_total=*/false));
        }
        // This worker's virtual users: every worker_count-th of the agent's positions.
        const size_t hosted = cfg.vu_positions.empty() ? t_.vus.size() : cfg.vu_positions.size();
        const auto first = static_cast<size_t>(ctx_.worker_index);
        const auto stride = static_cast<size_t>(ctx_.worker_count);
        vus_ = std::vector<Vu>(hosted > first ? (hosted - first + stride - 1) / stride : 0);
        // Stats entries are registered for the (task, request name) pairs this worker can send, so the report
        // shows no empty rows and the hot path only indexes (stats_ by task and request traits).
        stats_.assign(t_.task_count * t_.traits.size(), -1);
        std::unordered_map<std::string, int> stat_by_key;
        size_t i = 0;
        for (size_t k = first; k < hosted; k += stride, ++i) {
            const size_t position = cfg.vu_positions.empty() ? k : static_cast<size_t>(cfg.vu_positions[k]);
            Vu& vu = vus_[i];
            vu.runner = this;
            vu.index = static_cast<int>(i);
            vu.position = static_cast<std::uint32_t>(position);
            for (size_t task = 0; task < t_.task_count; ++task) {
                for (const ReplayStep& st : TaskSteps(vu.position, task)) {
                    if (st.kind != ReplayStep::Kind::kRequest) continue;
                    const std::uint32_t traits = t_.requests[st.index].traits;
                    int& stat = stats_[task * t_.traits.size() + traits];
                    if (stat >= 0) continue;
                    const RequestTraits& tr = t_.traits[traits];
                    std::string key = metrics::MakeStatKey(metrics::StatKind::kRequest, plan_.name,
                                                           plan_.tasks[task].name, tr.name, tr.group, tr.tags);
                    auto it = stat_by_key.find(key);
                    if (it == stat_by_key.end()) {
                        stat = ctx_.recorder->Register(key, /*counts_in_total=*/true);
                        stat_by_key.emplace(std::move(key), stat);
                    } else {
                        stat = it->second;
                    }
                }
            }
            vu.values.resize(t_.vus[position].slots);
        }
        idle_.Reset(vus_.size());
        for (int i = 0; i < static_cast<int>(vus_.size()); ++i) idle_.Push(i);
        pauses_.reserve(vus_.size());
        deferred_.reserve(vus_.size());
        reporting_.reserve(vus_.size());
        message_.reserve(256);

        pause_timer_ = new uv_timer_t;
        uv_timer_init(ctx_.loop, pause_timer_);
        pause_timer_->data = this;
        idle_handle_ = new uv_idle_t;
        uv_idle_init(ctx_.loop, idle_handle_);
        idle_handle_->data = this;
    }

    ~PlanRunner() override {
        // Close() normally released the handles; if it was never called, hand them to the loop.
        if (pause_timer_ != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(pause_timer_), &DeleteTimer);
        if (idle_handle_ != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(idle_handle_), &DeleteIdle);
    }

    int VuserCount() const noexcept override { return static_cast<int>(vus_.size()); }
    int Busy() const noexcept override { return busy_; }

    bool TryStart(int vu_index, std::int64_t intended_ns) noexcept override {
        if (aborted_ || data_exhausted_ || plan_.tasks.empty()) return false;
        if (vu_index < 0) {
            if (idle_.Empty()) return false;
            vu_index = idle_.Pop();
        } else if (vu_index >= static_cast<int>(vus_.size()) || vus_[static_cast<size_t>(vu_index)].busy) {
            return false;
        }
        Vu& vu = vus_[static_cast<size_t>(vu_index)];
        const std::int64_t now = NowNs();
        vu.busy = true;
        vu.exchange = AcquireExchange(vu);
        vu.task = picker_.Next();
        vu.step = 0;
        vu.failure = ErrorKind::kNone;
        for (ValueSlot& v : vu.values) v.Clear();  // response values live for one iteration
        vu.started_ns = now;
        vu.intended_ns = intended_ns > 0 ? intended_ns : now;
        ++busy_;
        in_try_start_ = true;
        const int exhausted = DrawRows(vu);
        if (exhausted < 0) {
            Advance(vu);
        } else {
            // A unique data file ran out (on_exhausted = stop): this iteration fails and no new one starts.
            SetFailure(vu, ErrorKind::kScript);
            data_exhausted_ = true;
            NoteExhausted(vu, static_cast<size_t>(exhausted));
            EndIteration(vu);
        }
        in_try_start_ = false;
        return true;
    }

    void Abort() noexcept override {
        aborted_ = true;
        if (pause_timer_ != nullptr) uv_timer_stop(pause_timer_);
        while (!pauses_.empty()) {
            std::pop_heap(pauses_.begin(), pauses_.end(), std::greater<>());
            Vu& vu = vus_[static_cast<size_t>(pauses_.back().vu)];
            pauses_.pop_back();
            SetFailure(vu, ErrorKind::kTimeout);
            EndIteration(vu);
        }
        // In-flight requests complete (cancelled) through OnDone, which ends their iterations.
        ctx_.client->CancelAll(ErrorKind::kTimeout);
    }

    void Close(std::function<void()> done) override {
        close_done_ = std::move(done);
        closing_ = 2;
        uv_close(reinterpret_cast<uv_handle_t*>(pause_timer_), &OnHandleClosed);
        uv_close(reinterpret_cast<uv_handle_t*>(idle_handle_), &OnHandleClosed);
    }

private:
    enum class SendOutcome : std::uint8_t { kSent, kRefused, kUnusableValue };

    // What a virtual user needs only for some steps (a templated request, the jar's cookies, a redirect, data rows):
    // allocated the first time it does and then reused, so a VU that sends only literal requests costs none of it.
    struct Scratch {
        DataRows data;                       // this iteration's data rows (kData), vectors reused
        http::PreparedRequest own;           // templated requests are serialised here (capacity reused)
        http::PreparedRequest with_cookies;  // a request with the jar's cookies merged in (capacity reused)
        // Redirects (lse/http/redirect.hpp): the hops of the step in flight, rebuilt from its request as sent
        // before the jar's cookies (Vu::base), with what the hops so far changed. Buffers keep their capacity.
        http::PreparedRequest hop;           // the hop's request
        http::Url hop_url;                   // the hop in flight (exchange.origin points into it once redirected)
        http::Url next_url;                  // where the answered hop sends us
        http::HeaderList hop_headers;
        std::string hop_body;
        std::string hop_host;
    };

    // Per virtual user: only what persists across its steps and iterations (what its steps are is in the shared
    // tables, at `position`).
    struct Vu {
        http::Exchange* exchange = nullptr;  // lent by the runner for an iteration (AcquireExchange)
        http::CookieJar jar;                 // persists across iterations, as a Lua virtual user's
        std::vector<ValueSlot> values;       // this iteration's response values, by slot
        std::unique_ptr<Scratch> scratch;
        const http::PreparedRequest* base = nullptr;  // the step's request as sent before the jar's cookies
        PlanRunner* runner = nullptr;
        std::uint32_t position = 0;          // in the compiled scenario's virtual users
        int index = 0;
        int task = 0;
        std::uint32_t step = 0;
        int redirects = 0;                   // hops followed for this step
        http::Method hop_method = http::Method::kGet;
        bool hop_body_dropped = false;       // a 303 (or 301/302 after POST) dropped the body: for good
        bool hop_cross_origin = false;       // a hop left the origin: the credentials are gone for good
        bool busy = false;
        ErrorKind failure = ErrorKind::kNone;
        std::int64_t started_ns = 0;
        std::int64_t intended_ns = 0;
    };
    struct Pause {
        std::int64_t due_ns;
        int vu;
        bool operator>(const Pause& o) const noexcept { return due_ns > o.due_ns; }
    };

    std::uint64_t Mix(std::uint64_t seed, int purpose) const {
        return (seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(purpose)) * 0xBF58476D1CE4E5B9ULL +
               static_cast<std::uint64_t>(shared_->config->agent_index) * 1000003ULL +
               static_cast<std::uint64_t>(ctx_.worker_index);
    }
    static std::vector<double> Weights(const ScenarioPlan& plan) {
        std::vector<double> w;
        for (const auto& t : plan.tasks) w.push_back(t.weight);
        return w;
    }
    static void DeleteTimer(uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); }
    static void DeleteIdle(uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); }
    static void OnHandleClosed(uv_handle_t* h) {
        auto* self = static_cast<PlanRunner*>(h->data);
        if (h == reinterpret_cast<uv_handle_t*>(self->pause_timer_)) {
            DeleteTimer(h);
            self->pause_timer_ = nullptr;
        } else {
            DeleteIdle(h);
            self->idle_handle_ = nullptr;
        }
        if (--self->closing_ == 0 && self->close_done_) {
            auto done = std::move(self->close_done_);
            done();
        }
    }

    static void SetFailure(Vu& vu, ErrorKind kind) noexcept {
        if (vu.failure == ErrorKind::kNone) vu.failure = kind;
    }

    // Runs the VU's steps from vu.step until one has to wait (a request in flight or a pause),
    // or the task is over.
    void Advance(Vu& vu) noexcept {
        const std::span<const ReplayStep> steps = TaskSteps(vu.position, static_cast<size_t>(vu.task));
        while (vu.step < steps.size()) {
            const ReplayStep& st = steps[vu.step];
            if (st.kind == ReplayStep::Kind::kMetric) {
                RecordSample(vu, t_.samples[st.index]);
                ++vu.step;
                continue;
            }
            if (st.kind == ReplayStep::Kind::kPause) {
                const std::int64_t pause_ns = t_.pauses[st.index];
                if (pause_ns <= 0) {
                    ++vu.step;
                    continue;
                }
                pauses_.push_back(Pause{NowNs() + pause_ns, vu.index});
                std::push_heap(pauses_.begin(), pauses_.end(), std::greater<>());
                ArmPauseTimer();
                return;
            }
            const SendOutcome sent = Send(vu, st);
            if (sent == SendOutcome::kSent) return;
            if (sent == SendOutcome::kRefused) {
                // The client refused (the run is being cancelled): the iteration cannot go on.
                SetFailure(vu, ErrorKind::kTimeout);
                break;
            }
            // A response value cannot be used in this request (Send recorded why): it is not sent.
            if (OnExtractErrorOf(vu) == OnExtractError::kSkip) break;
            ++vu.step;
        }
        EndIteration(vu);
    }

    // A metric step: the constant, or the response value read as a number (as Lua's tonumber). A value that is
    // missing (not extracted), not a number or out of the metric's range (a negative trend) is not recorded: the
    // Lua runtime would have raised an error at that add().
    void RecordSample(const Vu& vu, const MetricSample& m) noexcept {
        metrics::CustomMetric* target = m.metric < custom_.size() ? custom_[m.metric] : nullptr;
        if (target == nullptr) return;
        double value = m.value;
        if (m.from_value) {
            if (m.slot >= vu.values.size() || !vu.values[m.slot].ok) return;
            const std::string& text = vu.values[m.slot].text;
            const char* end = text.data() + text.size();
            const auto parsed = std::from_chars(text.data(), end, value);
            if (parsed.ec != std::errc() || parsed.ptr != end) return;
            if (target->kind == metrics::CustomMetricKind::kRate) value = value != 0 ? 1 : 0;
        }
        if (!metrics::CustomValueProblem(target->kind, value).empty()) return;
        target->Add(value, target->kind == metrics::CustomMetricKind::kGauge ? NowNs() : 0);
    }

    OnExtractError OnExtractErrorOf(const Vu& vu) const noexcept {
        return plan_.tasks[static_cast<size_t>(vu.task)].on_extract_error;
    }

    // Task t's steps for the virtual user at `position`.
    std::span<const ReplayStep> TaskSteps(std::uint32_t position, size_t task) const noexcept {
        const size_t i = t_.TaskIndex(position, task);
        return std::span<const ReplayStep>(t_.steps.data() + t_.task_begin[i], t_.task_begin[i + 1] - t_.task_begin[i]);
    }

    int StatOf(const Vu& vu, std::uint32_t request) const noexcept {
        return stats_[static_cast<size_t>(vu.task) * t_.traits.size() + t_.requests[request].traits];
    }

    // An exchange for the iteration starting: the runner has as many as iterations were ever in flight at once
    // (an exchange with its response buffers is a third of a VU's cost: an open-model VU is idle most of the time).
    http::Exchange* AcquireExchange(Vu& vu) noexcept {
        http::Exchange* exchange = nullptr;
        if (free_exchanges_.empty()) {
            exchanges_.push_back(std::make_unique<http::Exchange>());  // grows to the most ever in flight
            exchange = exchanges_.back().get();
            exchange->on_done = &PlanRunner::OnDone;
            exchange->capture_cookies = true;  // the VU's cookie jar sees every response's Set-Cookie
            // Room to give every exchange back (EndIteration) without allocating.
            if (free_exchanges_.capacity() < exchanges_.capacity()) free_exchanges_.reserve(exchanges_.capacity());
        } else {
            exchange = free_exchanges_.back();
            free_exchanges_.pop_back();
        }
        exchange->user = &vu;
        return exchange;
    }

    // Allocated the first time the VU needs it (like a buffer growing), then kept.
    static Scratch& ScratchOf(Vu& vu) noexcept {
        if (vu.scratch == nullptr) vu.scratch = std::make_unique<Scratch>();
        return *vu.scratch;
    }

    // Room for the rows of every feed the VU's tasks use (the most any task takes per feed).
    void SizeDataRows(const Vu& vu, DataRows* data) const {
        const auto& feeders = shared_->config->feeders;
        data->tables.resize(feeders.size());
        data->rows.resize(feeders.size());
        std::vector<std::uint32_t> most(feeders.size(), 0);
        for (size_t task = 0; task < t_.task_count; ++task) {
            const size_t i = t_.TaskIndex(vu.position, task);
            for (std::uint32_t d = t_.draw_begin[i]; d < t_.draw_begin[i + 1]; ++d) {
                most[t_.draws[d].feed] = std::max(most[t_.draws[d].feed], t_.draws[d].count);
            }
        }
        for (size_t f = 0; f < feeders.size(); ++f) {
            data->tables[f] = &feeders[f]->Table();
            data->rows[f].assign(most[f], data::Feeder::kNoRow);
        }
    }

    // Draws the rows the iteration's task uses; the feed that had none left (unique, stop), or -1.
    int DrawRows(Vu& vu) noexcept {
        if (t_.draw_begin.empty()) return -1;
        const size_t i = t_.TaskIndex(vu.position, static_cast<size_t>(vu.task));
        if (t_.draw_begin[i] == t_.draw_begin[i + 1]) return -1;
        Scratch& scratch = ScratchOf(vu);
        if (scratch.data.tables.empty()) SizeDataRows(vu, &scratch.data);  // once per VU
        const auto& feeders = shared_->config->feeders;
        const int id = t_.vus[vu.position].id;
        for (std::uint32_t k = t_.draw_begin[i]; k < t_.draw_begin[i + 1]; ++k) {
            const FeedDraws& d = t_.draws[k];
            std::vector<std::int64_t>& rows = scratch.data.rows[d.feed];
            for (std::uint32_t n = 0; n < d.count; ++n) {
                rows[n] = feeders[d.feed]->Next(id);
                if (rows[n] == data::Feeder::kNoRow) return static_cast<int>(d.feed);
            }
        }
        return -1;
    }

    // The reason in the summary, as Lua's next() words it (once per runner: it starts no iteration after this).
    void NoteExhausted(const Vu& vu, size_t feed) noexcept {
        const data::Feeder& f = *shared_->config->feeders[feed];
        char count[24];
        const auto c = std::to_chars(count, count + sizeof count, f.Table().RowCount());
        message_.clear();
        message_.append(f.Name()).append(": every one of this agent's ").append(count, static_cast<size_t>(c.ptr - count));
        message_.append(" rows was used (mode = \"unique\"); on_exhausted = \"wrap\" starts over instead");
        ctx_.recorder->RecordError(task_stats_[static_cast<size_t>(vu.task)], ErrorKind::kScript, message_, NowNs());
    }

    SendOutcome Send(Vu& vu, const ReplayStep& st) noexcept {
        const ReplayRequest& rr = t_.requests[st.index];
        const RequestTraits& traits = t_.traits[rr.traits];
        const http::PreparedRequest* request = &rr.literal;
        if (rr.templated != kNoTemplate) {
            Scratch& scratch = ScratchOf(vu);
            expand_.vuser = t_.vus[vu.position].id;
            expand_.values = vu.values.data();
            expand_.value_count = vu.values.size();
            expand_.data = &scratch.data;
            const char* why = nullptr;
            if (!SerializeTemplated(t_.templated[rr.templated]->compiled, expand_, &scratch.own, &why)) {
                // Extraction checks a value against where it goes, so this is a backstop: counted as the
                // extraction failure it is, on the request that could not be sent.
                FormatStepMessage(vu, nullptr, why);
                ctx_.recorder->RecordError(StatOf(vu, st.index), ErrorKind::kExtract, message_, NowNs());
                SetFailure(vu, ErrorKind::kExtract);
                return SendOutcome::kUnusableValue;
            }
            request = &scratch.own;
        }
        vu.base = request;
        vu.redirects = 0;
        vu.hop_method = request->method;
        vu.hop_body_dropped = false;
        vu.hop_cross_origin = false;
        if (!vu.jar.Empty()) {
            // The jar's cookies for this request, merged into the Cookie header it was captured with (on_start's
            // cookies): re-serialised only when the jar has something for it.
            cookies_.clear();
            vu.jar.AppendHeaderFor(traits.origin, http::RequestPath(request->bytes), NowUnix(), &cookies_);
            if (!cookies_.empty()) {
                http::PreparedRequest& with_cookies = ScratchOf(vu).with_cookies;
                with_cookies.method = request->method;
                with_cookies.idempotent = request->idempotent;
                with_cookies.connection_close = request->connection_close;
                http::WriteWithCookies(request->bytes, cookies_, &with_cookies.bytes);
                request = &with_cookies;
            }
        }
        vu.exchange->request = request;
        // Headers and body only when this step's response has values to give.
        vu.exchange->capture = st.extract_count > 0;
        vu.exchange->origin = &traits.origin;
        vu.exchange->timeout_ns = traits.timeout_ns > 0 ? traits.timeout_ns : shared_->config->default_timeout_ns;
        // An iteration that has started always waits for a connection, like the Lua runner: the
        // open model's "never queue" rule applies at arrival (no idle virtual user: dropped).
        return ctx_.client->Send(vu.exchange, /*allow_queue=*/true) ? SendOutcome::kSent : SendOutcome::kRefused;
    }

    static void OnDone(http::Exchange* exchange, void* user) {
        (void)exchange;
        auto* vu = static_cast<Vu*>(user);
        vu->runner->CompleteRequest(*vu);
    }

    void CompleteRequest(Vu& vu) noexcept {
        const http::Result& r = vu.exchange->result;
        const ReplayStep& st = TaskSteps(vu.position, static_cast<size_t>(vu.task))[vu.step];
        const RequestTraits& c = t_.traits[t_.requests[st.index].traits];
        const int stat = StatOf(vu, st.index);
        if (r.error == ErrorKind::kNone) StoreCookies(vu, r);
        // Redirects, as the Lua runtime follows them: each hop is an exchange of its own under the step's name; the
        // response after the last hop allowed that is still a redirect fails (kStatus, with a message). A Location
        // that cannot be followed makes its response the final one.
        bool too_many = false;
        if (c.max_redirects > 0 && r.error == ErrorKind::kNone && http::IsRedirectStatus(r.status) && !aborted_) {
            const std::string_view location = http::FindLocation(r.headers);
            if (!location.empty()) {
                if (vu.redirects >= c.max_redirects) {
                    too_many = true;
                } else {
                    const SendOutcome hop = FollowRedirect(vu, c.origin, stat, location);
                    if (hop == SendOutcome::kSent) return;
                    if (hop == SendOutcome::kRefused) {
                        SetFailure(vu, ErrorKind::kTimeout);
                        EndIteration(vu);
                        return;
                    }
                }
            }
        }
        // A response not accepted (or none at all) has no values to give: its kind stays (kStatus, a transport
        // error), and the rest of the iteration goes on without them as on_extract_error says.
        bool values_missing = false;
        bool extract_failed = false;
        if (st.extract_count > 0) {
            if (r.error == ErrorKind::kNone && c.accepted.Contains(r.status) && !too_many) {
                extract_failed = !Extract(vu, st, stat, r);
            } else {
                values_missing = true;
            }
        }
        // Same measurement as the Lua and URL runners (MetricsRecorder::RecordExchange): every request of a late
        // iteration is that late.
        if (extract_failed) {
            // A response came, without a value the flow needs: timed and its status counted, as kExtract.
            const runtime::Latency l = runtime::MeasureExchange(r.t, vu.intended_ns, vu.started_ns);
            ctx_.recorder->RecordCompletion(stat, ErrorKind::kExtract, r.status, false, l.service_us,
                                            l.response_us, r.bytes_received, r.bytes_sent);
            ctx_.recorder->RecordError(stat, ErrorKind::kExtract, message_, r.t.done_ns);
            SetFailure(vu, ErrorKind::kExtract);
        } else if (too_many) {
            static const runtime::StatusSet kNothingAccepted;
            const ErrorKind kind =
                ctx_.recorder->RecordExchange(stat, r, kNothingAccepted, vu.intended_ns, vu.started_ns);
            http::FormatTooManyRedirects(c.max_redirects, r.status, http::FindLocation(r.headers), &message_);
            ctx_.recorder->RecordError(stat, kind, message_, r.t.done_ns);
            SetFailure(vu, kind);
        } else {
            const ErrorKind kind = ctx_.recorder->RecordExchange(stat, r, c.accepted, vu.intended_ns, vu.started_ns);
            if (kind != ErrorKind::kNone) SetFailure(vu, kind);
        }
        ++vu.step;
        if (aborted_) {
            SetFailure(vu, ErrorKind::kTimeout);
            EndIteration(vu);
            return;
        }
        if ((extract_failed || values_missing) && OnExtractErrorOf(vu) == OnExtractError::kSkip) {
            EndIteration(vu);
            return;
        }
        Advance(vu);
    }

    // Applies the step's rules to its response; every rule runs (a later one may still succeed), the first
    // failure's message goes into message_. A value is also checked against where the task uses it, so that
    // an unusable one fails here, on the response that gave it. False when any rule failed (its slot is empty).
    bool Extract(Vu& vu, const ReplayStep& st, int stat, const http::Result& r) noexcept {
        bool all = true;
        // Body and JSON rules read the body as r.body does: decoded once per response, only for steps that read it.
        std::string_view body = r.body;
        const char* body_error = nullptr;
        bool body_read = false;
        for (std::uint32_t i = st.first_extract; i < st.first_extract + st.extract_count; ++i) {
            const BoundExtraction& b = t_.bound[i];
            const CompiledExtraction& x = t_.extractions[b.x];
            ValueSlot& slot = vu.values[b.slot];
            const char* why = nullptr;
            const Extraction::Source source = x.rule.source;
            if (!body_read && (source == Extraction::Source::kBody || source == Extraction::Source::kJson)) {
                body_read = true;
                if (!ResponseBodyText(r, &decoder_, &body, &body_error)) {
                    body = {};
                } else if (body.data() != r.body.data()) {  // decoded from a Content-Encoding, as a script's r.body
                    ctx_.recorder->RecordDecoded(stat, body.size());
                }
            }
            bool ok = false;
            if (body_error != nullptr && (source == Extraction::Source::kBody || source == Extraction::Source::kJson)) {
                slot.Clear();
                why = body_error;
            } else {
                ok = ApplyExtraction(x, r, body, &slot, &why);
            }
            if (ok && b.in_header && HasHeaderBreak(slot.text)) {
                ok = false;
                why = kHeaderBreak;
            }
            if (ok && b.path_origin != nullptr && !AppendPathStart(slot.text, *b.path_origin, nullptr, &why)) ok = false;
            if (ok) continue;
            slot.Clear();
            if (all) FormatStepMessage(vu, &x.rule, why);
            all = false;
        }
        return all;
    }

    // "step 2 (GET /api/v1/orders/{id}): json $.id: no member" into message_ (capacity reused): the step number is
    // 1-based among the task's requests, as --dry-run shows it.
    void FormatStepMessage(const Vu& vu, const Extraction* rule, const char* why) noexcept {
        const std::span<const ReplayStep> steps = TaskSteps(vu.position, static_cast<size_t>(vu.task));
        int number = 0;
        for (size_t i = 0; i <= vu.step && i < steps.size(); ++i) number += steps[i].kind == ReplayStep::Kind::kRequest;
        char digits[16];
        const auto d = std::to_chars(digits, digits + sizeof digits, number);
        message_.clear();
        message_.append("step ").append(digits, static_cast<size_t>(d.ptr - digits)).append(" (");
        message_.append(t_.traits[t_.requests[steps[vu.step].index].traits].name).append("): ");
        if (rule != nullptr) {
            AppendExtractionLabel(*rule, &message_);
            message_.append(": ");
        }
        message_.append(why != nullptr ? why : "the value cannot be used");
    }

    // The Set-Cookie headers of the response to the exchange's request (the step's, or a redirect hop's).
    void StoreCookies(Vu& vu, const http::Result& r) noexcept {
        for (const auto& [name, value] : r.headers) {
            if (name != "set-cookie") continue;
            try {  // a new cookie allocates (a replaced one does not); out of memory: the cookie is dropped
                vu.jar.Store(value, *vu.exchange->origin, http::RequestPath(vu.exchange->request->bytes), NowUnix());
            } catch (...) {
            }
        }
    }

    // Sends the next hop of the step in flight (the response was a redirect to `location`) and records the answered
    // hop; kUnusableValue (nothing recorded or sent) when the Location cannot be followed.
    SendOutcome FollowRedirect(Vu& vu, const http::Origin& origin, int stat, std::string_view location) noexcept {
        const http::Result& r = vu.exchange->result;
        Scratch& s = ScratchOf(vu);
        if (vu.redirects == 0) {  // the step's own URL, as sent
            s.hop_url.origin = origin;
            s.hop_url.path_and_query.assign(RequestTarget(vu.base->bytes));
        }
        const char* why = nullptr;
        if (!http::ResolveLocation(s.hop_url, location, &s.next_url, &why)) return SendOutcome::kUnusableValue;
        // The hop is the step's request as sent before the jar's cookies, with what every hop so far changed: RFC
        // 9110's method and body, credentials only while the origin never changed; then the jar's cookies for it.
        const http::RedirectMethod next = http::NextRedirectMethod(r.status, vu.hop_method);
        vu.hop_method = next.method;
        vu.hop_body_dropped = vu.hop_body_dropped || !next.keep_body;
        vu.hop_cross_origin = vu.hop_cross_origin || !(s.next_url.origin == s.hop_url.origin);
        if (!http::ReadSerializedRequest(vu.base->bytes, &s.hop_headers, &s.hop_body)) {
            return SendOutcome::kUnusableValue;
        }
        http::FilterRedirectHeaders(&s.hop_headers, vu.hop_cross_origin, vu.hop_body_dropped);
        if (vu.hop_body_dropped) s.hop_body.clear();
        std::swap(s.hop_url, s.next_url);
        AssignHostHeader(s.hop_url.origin, &s.hop_host);
        try {
            // A 307/308 keeps a custom method (kOther): its token is the first word of the step's request line.
            const std::string_view base_bytes = vu.base->bytes;
            http::PreparedRequest::BuildInto(vu.hop_method, s.hop_host, s.hop_url.path_and_query, s.hop_headers,
                                             s.hop_body, &s.hop, base_bytes.substr(0, base_bytes.find(' ')));
        } catch (...) {
            // Not expected (the step's headers were valid, the target was resolved): the response is final.
            std::swap(s.hop_url, s.next_url);
            return SendOutcome::kUnusableValue;
        }
        // The answered hop is an exchange of its own: counted under the step's name with its status, not a failure.
        static const runtime::StatusSet kRedirects = [] {
            runtime::StatusSet set;
            for (int status : {301, 302, 303, 307, 308}) set.Add(status);
            return set;
        }();
        ctx_.recorder->RecordExchange(stat, r, kRedirects, vu.intended_ns, vu.started_ns);
        ++vu.redirects;
        const http::PreparedRequest* request = &s.hop;
        if (!vu.jar.Empty()) {
            cookies_.clear();
            vu.jar.AppendHeaderFor(s.hop_url.origin, http::RequestPath(s.hop.bytes), NowUnix(), &cookies_);
            if (!cookies_.empty()) {
                s.with_cookies.method = s.hop.method;
                s.with_cookies.idempotent = s.hop.idempotent;
                s.with_cookies.connection_close = s.hop.connection_close;
                http::WriteWithCookies(s.hop.bytes, cookies_, &s.with_cookies.bytes);
                request = &s.with_cookies;
            }
        }
        vu.exchange->request = request;
        vu.exchange->origin = &s.hop_url.origin;
        return ctx_.client->Send(vu.exchange, /*allow_queue=*/true) ? SendOutcome::kSent : SendOutcome::kRefused;
    }

    // The request target of a serialised request ("GET /a?b HTTP/1.1": "/a?b").
    static std::string_view RequestTarget(std::string_view bytes) noexcept {
        const size_t from = bytes.find(' ');
        if (from == std::string_view::npos) return "/";
        const size_t to = bytes.find(' ', from + 1);
        return to == std::string_view::npos ? std::string_view("/") : bytes.substr(from + 1, to - from - 1);
    }

    // origin.HostHeader() into a reused buffer.
    static void AssignHostHeader(const http::Origin& origin, std::string* out) noexcept {
        const bool v6 = origin.host.find(':') != std::string::npos;
        out->clear();
        if (v6) out->push_back('[');
        out->append(origin.host);
        if (v6) out->push_back(']');
        if (origin.port != origin.DefaultPort()) {
            char digits[8];
            const auto d = std::to_chars(digits, digits + sizeof digits, origin.port);
            out->push_back(':');
            out->append(digits, static_cast<size_t>(d.ptr - digits));
        }
    }

    void EndIteration(Vu& vu) noexcept {
        free_exchanges_.push_back(vu.exchange);  // never past its capacity (AcquireExchange): no allocation
        vu.exchange = nullptr;
        const std::int64_t now = NowNs();
        ctx_.recorder->RecordRun(task_stats_[static_cast<size_t>(vu.task)], vu.failure, vu.intended_ns, vu.started_ns,
                                 now);
        vu.busy = false;
        --busy_;
        if (ctx_.open_model) idle_.Push(vu.index);
        if (in_try_start_) {
            // TryStart must never call the listener re-entrantly: report from the loop.
            deferred_.push_back(vu.index);
            if (idle_handle_ != nullptr) uv_idle_start(idle_handle_, &PlanRunner::OnIdle);
            return;
        }
        ctx_.listener->OnIterationDone(vu.index);
    }

    static void OnIdle(uv_idle_t* handle) {
        auto* self = static_cast<PlanRunner*>(handle->data);
        uv_idle_stop(handle);
        // Swap first: listener calls may start iterations that defer again. Both vectors keep
        // their capacity (one slot per virtual user), so this never allocates.
        std::swap(self->deferred_, self->reporting_);
        for (int vu : self->reporting_) self->ctx_.listener->OnIterationDone(vu);
        self->reporting_.clear();
    }

    void ArmPauseTimer() noexcept {
        if (pauses_.empty() || pause_timer_ == nullptr) return;
        uv_update_time(ctx_.loop);
        const std::int64_t d = pauses_.front().due_ns - NowNs();
        const auto ms = d <= 0 ? 0 : static_cast<std::uint64_t>((d + kNsPerMs - 1) / kNsPerMs);
        uv_timer_start(pause_timer_, &PlanRunner::OnPauseTimer, ms, 0);
    }

    static void OnPauseTimer(uv_timer_t* timer) {
        auto* self = static_cast<PlanRunner*>(timer->data);
        const std::int64_t now = NowNs();
        while (!self->pauses_.empty() && self->pauses_.front().due_ns <= now) {
            std::pop_heap(self->pauses_.begin(), self->pauses_.end(), std::greater<>());
            Vu& vu = self->vus_[static_cast<size_t>(self->pauses_.back().vu)];
            self->pauses_.pop_back();
            ++vu.step;
            self->Advance(vu);
        }
        self->ArmPauseTimer();
    }

    runtime::WorkerContext ctx_;
    std::shared_ptr<const SharedReplay> shared_;
    const ScenarioPlan& plan_;  // the compiled scenario's header: name, tasks, metrics
    const ReplayTables& t_;
    std::mt19937_64 rng_;
    runtime::WeightedPicker picker_;
    ExpandContext expand_;
    std::string message_;  // an extraction failure's message (capacity reused)
    http::ContentDecoder decoder_;  // response bodies in a Content-Encoding, for body and JSON extractions
    std::string cookies_;  // the jar's Cookie pairs for the request being sent (capacity reused)
    std::vector<int> task_stats_;
    std::vector<metrics::CustomMetric*> custom_;  // by PlannedMetric index; null: not recordable here
    std::vector<int> stats_;  // recorder index by task * traits count + request traits; -1: never sent here
    std::vector<Vu> vus_;     // sized once: an exchange in flight points at its VU
    std::vector<std::unique_ptr<http::Exchange>> exchanges_;  // every exchange this runner made
    std::vector<http::Exchange*> free_exchanges_;             // those no iteration holds
    runtime::IdleQueue idle_;
    std::vector<Pause> pauses_;  // min-heap on due_ns; a VU is in it at most once
    std::vector<int> deferred_;
    std::vector<int> reporting_;
    uv_timer_t* pause_timer_ = nullptr;
    uv_idle_t* idle_handle_ = nullptr;
    std::function<void()> close_done_;
    int closing_ = 0;
    int busy_ = 0;
    bool aborted_ = false;
    bool data_exhausted_ = false;  // a unique data file ran out (on_exhausted = stop)
    bool in_try_start_ = false;
};

}  // namespace

std::vector<std::shared_ptr<data::Feeder>> MakeFeeders(const std::vector<DataFeed>& feeds) {
    std::vector<std::shared_ptr<data::Feeder>> out;
    out.reserve(feeds.size());
    for (const DataFeed& f : feeds) {
        out.push_back(std::make_shared<data::Feeder>(std::make_shared<const data::DataTable>(f.table), f.options, f.name));
    }
    return out;
}

runtime::RunnerFactory MakePlanRunnerFactory(std::shared_ptr<const PlanRunConfig> config) {
    if (config == nullptr || (config->scenario == nullptr && config->compiled == nullptr)) {
        throw UsageError("plan runner: no scenario plan");
    }
    // Without a compiled scenario, compile (a copy of) the plan for this factory alone.
    std::shared_ptr<const CompiledScenario> compiled =
        config->compiled != nullptr ? config->compiled : CompileScenario(*config->scenario, config->feeders);
    for (int p : config->vu_positions) {
        if (p < 0 || static_cast<size_t>(p) >= compiled->vuser_count) {
            throw UsageError("plan runner: virtual user position " + std::to_string(p) + " is out of range (the plan has " +
                             std::to_string(compiled->vuser_count) + ")");
        }
    }
    std::shared_ptr<const SharedReplay> frozen = std::make_shared<SharedReplay>(config, std::move(compiled));
    return [frozen](const runtime::WorkerContext& ctx) -> std::unique_ptr<runtime::IterationRunner> {
        return std::make_unique<PlanRunner>(ctx, frozen);
    };
}

std::vector<int> AgentVuPositions(std::size_t vusers, int agent_index, int agent_count) {
    std::vector<int> out;
    if (agent_count < 1 || agent_index < 0 || agent_index >= agent_count) return out;
    for (std::size_t p = static_cast<std::size_t>(agent_index); p < vusers; p += static_cast<std::size_t>(agent_count)) {
        out.push_back(static_cast<int>(p));
    }
    return out;
}

runtime::LoadSpec MakePlanLoadSpec(const LoadShape& shape, int hosted_vusers, int threads, std::uint64_t seed) {
    runtime::LoadSpec spec;
    spec.model = shape.open_model ? runtime::LoadModel::kOpen : runtime::LoadModel::kClosed;
    if (shape.open_model) spec.profile = sched::RateProfile(shape.start_rps, shape.stages);
    spec.vusers = std::max(1, hosted_vusers);
    spec.duration_ns = shape.duration_ns;
    spec.ramp_up_ns = shape.ramp_up_ns;
    spec.think_min_ns = shape.think_min_ns;
    spec.think_max_ns = shape.think_max_ns;
    spec.max_wait_ns = shape.max_wait_ns;
    spec.threads = std::max(1, std::min(threads, spec.vusers));
    spec.seed = seed;
    return spec;
}

}  // namespace lse::plan
