#pragma once
/// @file
/// Runs the demo target (tests/demo_target, binary path from the LSE_DEMO_TARGET_PATH compile
/// definition) on a kernel-chosen port. The server prints exactly one startup line on stdout,
///     listening on 127.0.0.1:<port>
/// and flushes it; Start() reads the port from that line.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/testing/child_process.hpp"

namespace lse::testing {

class DemoTargetProcess {
public:
    DemoTargetProcess() = default;
    ~DemoTargetProcess();  ///< Calls Stop().
    DemoTargetProcess(const DemoTargetProcess&) = delete;
    DemoTargetProcess& operator=(const DemoTargetProcess&) = delete;

    /// Starts `lsengine-demo-target --port 0 --quiet <extra_args...>` and waits (10 s max) for the
    /// listening line. Throws lse::SetupError on failure.
    void Start(std::vector<std::string> extra_args = {});
    /// SIGTERM and wait; returns the exit status (0 on a clean shutdown), -1 when not running.
    int Stop();

    int Port() const noexcept { return port_; }
    ChildProcess& Process() noexcept { return process_; }

    /// GET /__stats, parsed. Throws lse::SetupError when the request fails or is not JSON.
    nlohmann::json Stats() const;
    /// POST /__reset: zeroes all counters (issued tokens and projects are kept; the correlated flows'
    /// orders, form sessions and landing ids are forgotten with their counters).
    void ResetStats() const;

    /// Path of the demo target binary this library was built against.
    static std::string BinaryPath();

private:
    ChildProcess process_;
    std::string stdout_path_;
    int port_ = 0;
};

}  // namespace lse::testing
