#pragma once
/// @file
/// `lsengine run FILE.lua --agents N | --external-agents N`: the coordinator. Loads and validates the file
/// exactly like a single-node run, captures a plan of every agent scenario (on_start per virtual user, each task
/// per virtual user), refuses to start when a task cannot be replayed (exit 4, naming the task), ships the plan to
/// the agents, runs coordinator scenarios locally, merges the agents' metrics exactly, and prints the same
/// summary, thresholds and exit code as a single-node run plus a per-agent table. The broker and the local agents
/// are cleaned up on every exit path (RAII, and PR_SET_PDEATHSIG for SIGKILL).
///
/// The orchestration (broker, agents, assignment, the poll loop, the collection of results) is
/// lse::coordinator::DistributedRun; this command maps its flags onto it, runs the script's side (setup, plan
/// capture, on_stop, teardown, coordinator scenarios) and prints (live view, summary, agent table, outputs).

#include <CLI/CLI.hpp>

#include "run_flags.hpp"

namespace lse::cli {

void AddDistributedFlags(CLI::App* cmd, DistributedFlags* flags);

/// Runs (or --dry-runs) the file in distributed mode; returns the exit code. Throws the typed setup errors.
int RunDistributed(const RunFlags& f);

}  // namespace lse::cli
