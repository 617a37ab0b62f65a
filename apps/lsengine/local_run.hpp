#pragma once
/// @file
/// What a single-node run (`lsengine run FILE`, `lsengine url`) does around runtime::LoadRun::Run, written once:
/// every second's interval goes to the outputs, then the last partial second that LoadRun collects after its final
/// progress call; and the exit after worker threads were abandoned (stuck in Lua), which must not run destructors.

#include "run_outputs.hpp"
#include "lse/runtime/load_run.hpp"

namespace lse::cli {

/// Runs `run`, feeding every interval (including the final partial one) to `outputs` with `vusers` active.
runtime::RunResult RunFeedingOutputs(runtime::LoadRun& run, RunOutputs& outputs, int vusers);

/// After FinishRun printed everything: with abandoned workers, flushes and ends the process with `code` at once
/// (the stuck threads still use the run's state: no destructor may run); otherwise returns `code`.
int ExitNowIfAbandoned(const runtime::RunResult& result, int code);

}  // namespace lse::cli
