#include "load_thread.hpp"

#include <exception>
#include <utility>

namespace lse::agent {

LoadThread::~LoadThread() {
    if (thread_.joinable()) {
        run_->RequestStop(true);
        thread_.join();
    }
}

void LoadThread::Start(std::vector<runtime::Workload> workloads, http::ClientOptions client,
                       std::int64_t start_at_ns) {
    Join();
    {
        std::lock_guard<std::mutex> lock(mu_);
        events_.clear();
    }
    run_ = std::make_unique<runtime::LoadRun>(std::move(workloads), std::move(client));
    runtime::LoadRun* run = run_.get();
    thread_ = std::thread([this, run, start_at_ns] {
        LoadEvent done;
        done.kind = LoadEvent::Kind::kDone;
        try {
            runtime::RunOptions options;
            options.start_at_ns = start_at_ns;
            options.handle_signals = false;  // the agent's loop owns SIGINT/SIGTERM
            runtime::RunResult result = run->Run(
                [this](const runtime::RunProgress& p) {
                    LoadEvent e;
                    e.snapshot = p.interval;
                    Push(std::move(e));
                },
                options);
            done.snapshot = std::move(result.total);
        } catch (const std::exception& e) {
            done.error = e.what();
        }
        Push(std::move(done));
    });
}

void LoadThread::RequestStop(bool abort) {
    if (run_ != nullptr) run_->RequestStop(abort);
}

void LoadThread::Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns) {
    if (run_ != nullptr) run_->Reshard(workload_index, segment, from_ns);
}

std::vector<LoadEvent> LoadThread::TakeEvents() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
}

void LoadThread::Join() {
    if (thread_.joinable()) thread_.join();
}

void LoadThread::Push(LoadEvent event) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(std::move(event));
    }
    wake_();
}

}  // namespace lse::agent
