#include "cli_test_util.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "lse/testing/child_process.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {

CliResult RunLsengine(const std::vector<std::string>& args, CliOptions options) {
    std::vector<std::string> argv = {LSE_LSENGINE_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, std::move(options));
}

CliResult RunCommand(const std::vector<std::string>& argv, CliOptions options) {
    const std::string out_path = MakeTempFile("lse-cli-", ".out");
    const std::string err_path = MakeTempFile("lse-cli-", ".err");
    ChildOptions child_options;
    child_options.env = options.env;
    child_options.stdout_path = out_path;
    child_options.stderr_path = err_path;
    ChildProcess child;
    child.Start(argv, child_options);
    CliResult r;
    std::optional<int> status;
    if (options.sigint_after_ms > 0) {
        status = child.Wait(options.sigint_after_ms);
        if (!status) child.Signal(SIGINT);
    }
    if (!status) status = child.Wait(options.timeout_ms);
    if (!status) {
        child.Stop();
        r.exit_code = -1;
    } else {
        r.exit_code = *status;
    }
    r.out = ReadWhole(out_path);
    r.err = ReadWhole(err_path);
    ::unlink(out_path.c_str());
    ::unlink(err_path.c_str());
    return r;
}

std::string Scenario(const std::string& name) { return std::string(LSE_SCENARIO_DIR) + "/" + name; }

std::string WriteTempScenario(const std::string& text) {
    const std::string path = MakeTempFile("lse-cli-", ".lua");
    std::ofstream(path) << text;
    return path;
}

}  // namespace lse::testing
