#pragma once
/// @file
/// Replays a ScenarioPlan natively (no Lua) as an IterationRunner: what an agent runs.
///
/// Hosting: the agent hosts the virtual users at `vu_positions` (indexes into
/// ScenarioPlan::vusers; empty = all of them). Worker w of c hosts positions
/// vu_positions[w], vu_positions[w + c], ... — so LoadSpec::vusers must be
/// vu_positions.size() for the worker's share to match (MakePlanLoadSpec does it).
///
/// An iteration: pick a task by weight (smooth weighted round robin, per worker, like the Lua
/// runtime), then run that task's steps for the virtual user in order: requests are sent on the
/// VU's one reusable exchange, pauses wait on a single timer shared by the worker. Statistics are
/// recorded exactly like the Lua runner: an R entry per request name under its task (in totals),
/// with status errors for statuses outside the request's expect ranges; a T entry per task
/// iteration. The iteration fails with its first failure but runs its remaining steps.
/// Open model: arrivals take the longest-idle virtual user (FIFO), so every VU's identity is used.
/// Prepare/Finish do nothing: on_start/on_stop ran on the coordinator.
///
/// Correlated flows: a step with Extraction rules has its response captured (headers and body, for that send
/// only); once the response is accepted, the rules fill the iteration's value slots (per VU, cleared at each
/// iteration start), which later requests of the iteration use (kValue placeholders). A value that cannot be
/// extracted, or cannot go where the task uses it (a URL of another origin as a path, a line break in a header),
/// makes that response a kExtract failure with a message ("step 1 (POST /api/v1/orders): json $.id: ..."), fails
/// the iteration with kExtract, and then, per PlannedTask::on_extract_error, skips the iteration's remaining steps
/// or sends them with the value empty. A response not accepted (or none) gives no values either: same policy,
/// its own kind (kStatus, a transport error) kept. JSON paths and patterns are compiled once for all workers.
///
/// Data files: when an iteration starts, it draws the rows its task's requests use (kData: the iteration's
/// n-th row of a feed is draw n-1) from the shared feeders. A unique feed with on_exhausted = stop that has no row
/// left fails that iteration (ErrorKind::kScript, as next() raising in Lua) and this runner starts no new iteration.
///
/// Cookies: each VU has a cookie jar (http/cookie_jar.hpp) that persists across its iterations, as a Lua virtual
/// user's does: every response's Set-Cookie is stored (only those headers are kept for steps without rules), and
/// a request for which the jar has cookies is sent with them merged into the Cookie header it was captured with
/// (on_start's cookies; the jar wins on a name).
///
/// Hot path: literal requests were serialised once at setup and are sent as they are while the jar has nothing
/// for them; templated ones (and literal ones with cookies) are written into the VU's own buffers; extraction
/// scans the captured response without a document. Nothing allocates once buffers have grown (a cookie the jar
/// did not hold yet is the exception).
///
/// Memory (issue 16: an agent hosts up to a million virtual users): the runner reads the scenario's compact compiled
/// form (compiled_scenario.hpp); a virtual user's own state is its cookie jar, its response value slots and a few
/// words. An exchange (with its response buffers) is lent per iteration from a pool as large as the most iterations
/// ever in flight at once, and the buffers for templated requests, cookies merged in, redirects and data rows are
/// allocated the first time a VU needs them. Measured by tests/plan/plan_memory_test.cpp.

#include <cstdint>
#include <memory>
#include <vector>

#include "lse/data/feeder.hpp"
#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::plan {

struct PlanRunConfig {
    /// The scenario to replay: its compiled form (CompileScenario), shared by every factory of the scenario (the
    /// agent's way: it keeps only that), or else the plan, which the factory then compiles (a copy) for itself.
    std::shared_ptr<const CompiledScenario> compiled;
    std::shared_ptr<const ScenarioPlan> scenario;
    std::vector<int> vu_positions;  ///< indexes into the plan's virtual users this agent hosts; empty = all
    int agent_index = 0;            ///< for sequence numbers: agent i of n draws i+1, i+1+n, ...
    int agent_count = 1;
    std::uint64_t seed = 1;         ///< task rotation, lsengine.random/uuid
    std::int64_t default_timeout_ns = 0;  ///< requests without their own timeout; 0: the client's
    /// The plan's data feeds (Plan::feeds, MakeFeeders), shared by every scenario of the run so draws are run-wide
    /// on this agent; indexed by kData segments' feed. Empty when the plan has none.
    std::vector<std::shared_ptr<data::Feeder>> feeders;
};

/// Feeders over a plan's data feeds (this agent's slices), in order.
std::vector<std::shared_ptr<data::Feeder>> MakeFeeders(const std::vector<DataFeed>& feeds);

/// A factory of runners for every worker, over config->compiled (or the plan compiled here: CompileScenario's
/// checks). Throws lse::UsageError for a plan that cannot be replayed (bad reference, bad header, a placeholder in
/// a URL's host) and for positions out of range.
runtime::RunnerFactory MakePlanRunnerFactory(std::shared_ptr<const PlanRunConfig> config);

/// Positions an agent hosts by the default rule: p with p % agent_count == agent_index.
std::vector<int> AgentVuPositions(std::size_t vusers, int agent_index, int agent_count);

/// The engine LoadSpec for a scenario's load shape when `hosted_vusers` virtual users run here on
/// `threads` threads (threads are capped at the hosted count; at least one).
runtime::LoadSpec MakePlanLoadSpec(const LoadShape& shape, int hosted_vusers, int threads, std::uint64_t seed);

}  // namespace lse::plan
