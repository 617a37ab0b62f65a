#pragma once
/// @file
/// The coordinator scenarios of a distributed run (--coordinator-scenarios): their own runtime::LoadRun on a
/// thread, started at the agents' start instant, feeding its intervals into the live view. It is the
/// coordinator::LocalLoad the Drive phase polls and stops; it lives here because it runs Lua runners.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lse/coordinator/drive.hpp"
#include "lse/http/client.hpp"
#include "lse/runtime/load_run.hpp"

namespace lse::cli {

class CoordinatorLoad final : public coordinator::LocalLoad {
public:
    CoordinatorLoad() = default;
    ~CoordinatorLoad() override;  ///< aborts and joins
    CoordinatorLoad(const CoordinatorLoad&) = delete;
    CoordinatorLoad& operator=(const CoordinatorLoad&) = delete;

    void Start(std::vector<runtime::Workload> workloads, http::ClientOptions client, std::int64_t start_at);
    bool Active() const noexcept { return run_ != nullptr; }
    bool Done() const override { return !run_ || done_.load(); }
    void RequestStop(bool abort) override;
    metrics::Snapshot Take() override;
    void Join();
    /// After Join().
    const runtime::RunResult& result() const noexcept { return result_; }
    const std::string& error() const noexcept { return error_; }

private:
    std::unique_ptr<runtime::LoadRun> run_;
    std::thread thread_;
    std::mutex mu_;
    metrics::Snapshot pending_;
    runtime::RunResult result_;
    std::string error_;
    std::atomic<bool> done_{false};
};

}  // namespace lse::cli
