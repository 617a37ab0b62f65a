#pragma once
/// @file
/// `lsengine run --dry-run --agents N`: nothing is started. Coordinator scenarios are dry-run as in a single-node
/// run; agent scenarios run setup and are captured as the agents would receive them, printed request by request
/// (secrets redacted) with the problems that would refuse the run.

#include "distributed_capture.hpp"
#include "run_flags.hpp"

namespace lse::cli {

/// Returns the exit code: 0, or 4 when a scenario has problems.
int DryRunDistributed(const RunFlags& f, const DistributedScript& script, Finisher& finisher);

}  // namespace lse::cli
