#include "coordinator_load.hpp"

namespace lse::cli {

void CoordinatorLoad::Start(std::vector<runtime::Workload> workloads, http::ClientOptions client,
                            std::int64_t start_at) {
    run_ = std::make_unique<runtime::LoadRun>(std::move(workloads), client);
    thread_ = std::thread([this, start_at] {
        try {
            result_ = run_->Run(
                [this](const runtime::RunProgress& p) {
                    std::lock_guard lock(mu_);
                    pending_ += p.interval;
                },
                runtime::RunOptions{start_at, false});
        } catch (const std::exception& e) {
            std::lock_guard lock(mu_);
            error_ = e.what();
        }
        done_ = true;
    });
}

void CoordinatorLoad::RequestStop(bool abort) {
    if (run_) run_->RequestStop(abort);
}

metrics::Snapshot CoordinatorLoad::Take() {
    std::lock_guard lock(mu_);
    metrics::Snapshot out = std::move(pending_);
    pending_ = metrics::Snapshot{};
    return out;
}

void CoordinatorLoad::Join() {
    if (thread_.joinable()) thread_.join();
}

CoordinatorLoad::~CoordinatorLoad() {
    RequestStop(true);
    Join();
}

}  // namespace lse::cli
