#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/temp_files.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "lse/core/errors.hpp"
#include "lse/testing/http_get.hpp"

#ifndef LSE_DEMO_TARGET_PATH
#error "LSE_DEMO_TARGET_PATH must be defined (the lse_test_support target sets it)"
#endif

namespace lse::testing {
namespace {

constexpr std::string_view kListeningPrefix = "listening on 127.0.0.1:";

}  // namespace

std::string DemoTargetProcess::BinaryPath() { return LSE_DEMO_TARGET_PATH; }

DemoTargetProcess::~DemoTargetProcess() { Stop(); }

void DemoTargetProcess::Start(std::vector<std::string> extra_args) {
    if (process_.Running()) throw SetupError("DemoTargetProcess::Start: already running");
    try {
        stdout_path_ = MakeTempFile("lse-demo-stdout-");
    } catch (const std::exception& e) {
        throw SetupError(std::string("DemoTargetProcess: ") + e.what());
    }

    std::vector<std::string> argv = {BinaryPath(), "--port", "0", "--quiet"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    ChildOptions options;
    options.stdout_path = stdout_path_;
    process_.Start(std::move(argv), options);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        std::string out = ReadWhole(stdout_path_);
        size_t eol = out.find('\n');
        if (eol != std::string::npos) {
            std::string line = out.substr(0, eol);
            if (line.rfind(kListeningPrefix, 0) != 0) {
                Stop();
                throw SetupError("DemoTargetProcess: unexpected first line: " + line);
            }
            port_ = std::atoi(line.c_str() + kListeningPrefix.size());
            if (port_ <= 0) {
                Stop();
                throw SetupError("DemoTargetProcess: bad port in: " + line);
            }
            return;
        }
        if (auto status = process_.Wait(0)) {
            Stop();
            throw SetupError("DemoTargetProcess: exited with status " + std::to_string(*status) + " before listening");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            Stop();
            throw SetupError("DemoTargetProcess: no listening line within 10 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int DemoTargetProcess::Stop() {
    std::optional<int> status = process_.Stop();
    if (!stdout_path_.empty()) {
        unlink(stdout_path_.c_str());
        stdout_path_.clear();
    }
    port_ = 0;
    return status.value_or(-1);
}

nlohmann::json DemoTargetProcess::Stats() const {
    SimpleResponse r = HttpRequestSync(port_, "GET", "/__stats");
    if (r.status != 200) {
        throw SetupError("DemoTargetProcess::Stats: status " + std::to_string(r.status) + " " + r.error);
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) throw SetupError("DemoTargetProcess::Stats: not JSON: " + r.body);
    return j;
}

void DemoTargetProcess::ResetStats() const {
    SimpleResponse r = HttpRequestSync(port_, "POST", "/__reset");
    if (r.status != 200 && r.status != 204) {
        throw SetupError("DemoTargetProcess::ResetStats: status " + std::to_string(r.status) + " " + r.error);
    }
}

}  // namespace lse::testing
