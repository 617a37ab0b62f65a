#pragma once
// Running the lsengine binary from tests: arguments in, exit code and output out.

#include <string>
#include <utility>
#include <vector>

namespace lse::testing {

struct CliResult {
    int exit_code = -1;  ///< -1: did not finish in time (it was killed)
    std::string out;     ///< stdout
    std::string err;     ///< stderr
};

struct CliOptions {
    std::vector<std::pair<std::string, std::string>> env;
    int timeout_ms = 60'000;
    int sigint_after_ms = 0;  ///< > 0: send SIGINT this long after the start
};

CliResult RunLsengine(const std::vector<std::string>& args, CliOptions options = {});

/// Any command line (argv[0] searched in PATH), run the same way.
CliResult RunCommand(const std::vector<std::string>& argv, CliOptions options = {});

/// A scenario fixture from tests/integration/scenarios/.
std::string Scenario(const std::string& name);

/// Writes `text` to a fresh temporary .lua file and returns its path.
std::string WriteTempScenario(const std::string& text);

}  // namespace lse::testing
