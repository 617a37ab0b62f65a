#pragma once
/// @file
/// Compiles a scenario into its replay tables piece by piece (private to the module): the header, then each request
/// in index order, then each virtual user in plan order, then the end, so that whoever feeds it (CompileScenario from
/// a decoded plan, DecodeAndCompilePlan straight from the decoder) can drop each piece once it is compiled. It checks
/// only what compiling needs (CompileRequest's rules, extraction rules): the plan checks are ScenarioChecker's, run
/// on each piece before it comes here.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan.hpp"
#include "replay_tables.hpp"

namespace lse::plan {

class ScenarioCompiler {
public:
    ScenarioCompiler();

    /// The scenario's name and tasks (the rest of the header is taken at End).
    void Begin(const ScenarioPlan& header);
    /// Reservation hints: how many requests and virtual users are coming (at most).
    void ExpectRequests(std::size_t n);
    void ExpectVusers(std::size_t n);
    /// Request `index` (0, 1, ... in order). Throws lse::UsageError ("scenario 's', ...") when it cannot be compiled.
    void Request(std::size_t index, const PlannedRequest& r);
    /// The next virtual user, whose steps refer to requests already given and match the tasks (checked).
    /// Throws lse::UsageError for an extraction rule that does not compile.
    void Vuser(const VuPlan& vu);
    /// The compiled scenario, with `header` (its request table and virtual users empty) as its header.
    std::shared_ptr<const CompiledScenario> End(ScenarioPlan&& header);

private:
    void BindValueUses(std::size_t first_step, std::size_t first_bound);
    void AddDraws(std::size_t first_step);
    void ProjectCapacity();

    /// Virtual users compiled before the flat tables' sizes are projected (ProjectCapacity).
    static constexpr std::size_t kProjectAfter = 1024;

    std::string name_;
    std::vector<std::string> task_names_;
    std::shared_ptr<ReplayTables> tables_;
    ReplayTables& t_;
    std::unordered_map<std::string, std::uint32_t> extraction_index_;
    std::unordered_map<std::string, std::uint32_t> traits_index_;
    bool with_draws_ = false;       ///< some request takes data rows: the tables index draws per task
    std::size_t expected_vusers_ = 0;
};

}  // namespace lse::plan
