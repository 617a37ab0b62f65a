#include "load_thread.hpp"

#include <uv.h>

#include <exception>
#include <utility>

namespace lse::agent {

LoadThread::~LoadThread() {
    RequestStop(true);
    Join();
}

void LoadThread::Start(std::vector<runtime::Workload> workloads, http::ClientOptions client,
                       std::int64_t start_at_ns) {
    Join();
    {
        std::lock_guard<std::mutex> lock(mu_);
        events_.clear();
        extra_.clear();
        running_ = 0;
        main_ended_ = false;
        stop_requested_ = false;
        current_closed_ = -1;
        extra_started_ = 0;
        total_ = metrics::Snapshot{};
        error_.clear();
    }
    client_ = client;
    main_start_ns_ = start_at_ns > 0 ? start_at_ns : static_cast<std::int64_t>(uv_hrtime());
    std::lock_guard<std::mutex> lock(mu_);
    Launch(&main_, std::move(workloads), std::move(client), start_at_ns, true);
}

// mu_ held: the thread's end (Ended) waits for it, so running_ is counted before that can happen.
void LoadThread::Launch(Run* run, std::vector<runtime::Workload> workloads, http::ClientOptions client,
                        std::int64_t start_at_ns, bool main) {
    run->load = std::make_unique<runtime::LoadRun>(std::move(workloads), std::move(client));
    runtime::LoadRun* load = run->load.get();
    ++running_;
    run->thread = std::thread([this, load, start_at_ns, main] {
        metrics::Snapshot total;
        std::string error;
        try {
            runtime::RunOptions options;
            options.start_at_ns = start_at_ns;
            options.handle_signals = false;  // the agent's loop owns SIGINT/SIGTERM
            options.send_lease_ns = &send_lease_ns_;
            runtime::RunResult result = load->Run(
                [this](const runtime::RunProgress& p) {
                    LoadEvent e;
                    e.snapshot = p.interval;
                    Push(std::move(e));
                },
                options);
            total = std::move(result.total);
        } catch (const std::exception& e) {
            error = e.what();
        }
        Ended(main, std::move(total), error);
    });
}

void LoadThread::Ended(bool main, metrics::Snapshot total, const std::string& error) {
    bool done = false;
    {
        std::lock_guard<std::mutex> lock(mu_);
        total_ += total;
        if (!error.empty()) error_ += (error_.empty() ? "" : "; ") + (main ? error : "supplementary run: " + error);
        --running_;
        if (main) {
            main_ended_ = true;
            // The supplementary runs end with the main one (their duration ends at the same instant; a stopped
            // or failed main run takes them along): no load of this agent after its run.
            for (auto& run : extra_) run->load->RequestStop(!error.empty());
            current_closed_ = -1;
        }
        if (main_ended_ && running_ == 0) {
            LoadEvent e;
            e.kind = LoadEvent::Kind::kDone;
            e.snapshot = std::move(total_);
            e.error = error_;
            total_ = metrics::Snapshot{};
            events_.push_back(std::move(e));
            done = true;
        }
    }
    if (done) wake_();
}

void LoadThread::RequestStop(bool abort) {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
    if (main_.load != nullptr) main_.load->RequestStop(abort);
    for (auto& run : extra_) run->load->RequestStop(abort);
    current_closed_ = -1;
}

void LoadThread::Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns) {
    if (main_.load != nullptr) main_.load->Reshard(workload_index, segment, from_ns);
}

bool LoadThread::StartSupplementary(std::vector<runtime::Workload> workloads, std::int64_t start_at_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    if (main_ended_ || stop_requested_) return false;
    if (current_closed_ >= 0) extra_[static_cast<size_t>(current_closed_)]->load->RequestStop(false);
    current_closed_ = -1;
    if (workloads.empty()) return false;
    extra_.push_back(std::make_unique<Run>());
    Launch(extra_.back().get(), std::move(workloads), client_, start_at_ns, false);
    current_closed_ = static_cast<int>(extra_.size()) - 1;
    ++extra_started_;
    return true;
}

void LoadThread::StopSupplementary() {
    std::lock_guard<std::mutex> lock(mu_);
    if (current_closed_ >= 0) extra_[static_cast<size_t>(current_closed_)]->load->RequestStop(false);
    current_closed_ = -1;
}

int LoadThread::StartOpenSupplementary(std::vector<runtime::Workload> workloads, std::int64_t start_at_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    if (main_ended_ || stop_requested_ || workloads.empty()) return -1;
    // Nothing owned until ReshardSupplementary: the run may start (its start is in the past) before that comes.
    for (runtime::Workload& w : workloads) w.segment = sched::ShardSegment{0, 0};
    extra_.push_back(std::make_unique<Run>());
    Launch(extra_.back().get(), std::move(workloads), client_, start_at_ns, false);
    ++extra_started_;
    return static_cast<int>(extra_.size()) - 1;
}

void LoadThread::ReshardSupplementary(int run, size_t workload_index, sched::ShardSegment segment,
                                      std::int64_t from_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    if (run < 0 || static_cast<size_t>(run) >= extra_.size()) return;
    extra_[static_cast<size_t>(run)]->load->Reshard(workload_index, segment, from_ns);
}

void LoadThread::StopSupplementaryRun(int run) {
    std::lock_guard<std::mutex> lock(mu_);
    if (run < 0 || static_cast<size_t>(run) >= extra_.size()) return;
    extra_[static_cast<size_t>(run)]->load->RequestStop(false);
    if (run == current_closed_) current_closed_ = -1;
}

int LoadThread::supplementary_started() const {
    std::lock_guard<std::mutex> lock(mu_);
    return extra_started_;
}

// Only the loop thread starts and joins threads, so reading the thread handles needs no lock.
bool LoadThread::Active() const noexcept {
    if (main_.thread.joinable()) return true;
    for (const auto& run : extra_) {
        if (run->thread.joinable()) return true;
    }
    return false;
}

std::vector<LoadEvent> LoadThread::TakeEvents() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
}

void LoadThread::Join() {
    if (main_.thread.joinable()) main_.thread.join();
    for (auto& run : extra_) {
        if (run->thread.joinable()) run->thread.join();
    }
}

void LoadThread::Push(LoadEvent event) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(std::move(event));
    }
    wake_();
}

}  // namespace lse::agent
