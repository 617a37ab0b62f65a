#pragma once
/// @file
/// The plan decoder's streaming form (private to the module): the Decoder hands each scenario to a PlanSink piece by
/// piece as it reads it (its header, then every request, then every virtual user, then what follows them), so a
/// consumer that compiles as it goes never holds the decoded plan whole (issue 16: an agent's peak memory per
/// virtual user). DecodePlan collects into a Plan through the same decoder; DecodeAndCompilePlan
/// (lse/plan/compiled_plan.hpp) compiles.
///
/// The order is the plan format's: a scenario's setup data, client certificate, header limit and metric table come
/// after its virtual users, and the plan's data feeds after every scenario, so what needs them (metric steps
/// against the metric table, data placeholders against the feeds) is checked at EndScenario / Feeds.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/plan/plan.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::plan {

/// What the Decoder pushes. A method returning false stops the decoding with *error as its reason (the decoder
/// prefixes "invalid plan: ").
class PlanSink {
public:
    virtual ~PlanSink() = default;
    virtual bool Header(std::uint32_t version, std::string&& cluster_id, std::string&& run_id, std::size_t scenarios,
                      std::string* error) = 0;
    /// A scenario's name, load shape and tasks (its other fields are empty until EndScenario).
    virtual bool BeginScenario(const ScenarioPlan& header, std::string* error) = 0;
    /// The request count the record announces, at most what the bytes left can hold: a reservation hint.
    virtual void ExpectRequests(std::size_t) {}
    /// Requests in index order 0, 1, ...; the sink may move from `r`.
    virtual bool Request(std::size_t index, PlannedRequest& r, std::string* error) = 0;
    /// As ExpectRequests, for the virtual users.
    virtual void ExpectVusers(std::size_t) {}
    /// Virtual users in plan order; every request step refers to a request already given. The sink may move from it.
    virtual bool Vuser(VuPlan& vu, std::string* error) = 0;
    /// The scenario's header again, now with its setup data, client certificate, header limit and metric table.
    /// The sink may move from it.
    virtual bool EndScenario(ScenarioPlan& header, std::string* error) = 0;
    /// The plan's data feeds, last. The sink may move from them.
    virtual bool Feeds(std::vector<DataFeed>& feeds, std::string* error) = 0;
};

/// Decodes `bytes` into `sink`: the same format checks and DecodeLimits as DecodePlan, none of the plan checks
/// (CheckScenarioPlan: the sink's business). False with *error ("invalid plan: ...") on the first problem.
bool DecodePlanStream(std::string_view bytes, PlanSink& sink, std::string* error, const DecodeLimits& limits);

/// CheckScenarioPlan piece by piece, in the stream's order, holding a few bytes per request (its name's index and
/// the response value slots its templates use) instead of the requests. Messages are CheckScenarioPlan's (it is
/// this class over the vectors). The checks that need what comes after the virtual users (the metric table, the
/// client certificate, the header limit, metric steps against the table) run at End, and the data placeholders
/// are checked against the plan's feeds by CheckFeeds. Calls stop at the first false.
class ScenarioChecker {
public:
    ScenarioChecker();
    ~ScenarioChecker();
    ScenarioChecker(const ScenarioChecker&) = delete;
    ScenarioChecker& operator=(const ScenarioChecker&) = delete;
    ScenarioChecker(ScenarioChecker&&) noexcept;
    ScenarioChecker& operator=(ScenarioChecker&&) noexcept;

    bool Begin(const ScenarioPlan& header, std::string* error);
    bool Request(std::size_t index, const PlannedRequest& r, std::string* error);
    bool Vuser(const VuPlan& vu, std::string* error);
    bool End(const ScenarioPlan& header, std::string* error);
    /// Data placeholders of the requests against the plan's feeds: CheckPlanFeeds' per-scenario part and message
    /// (the first bad placeholder in request order).
    bool CheckFeeds(const std::vector<DataFeed>& feeds, std::string* error) const;

private:
    struct State;
    std::unique_ptr<State> s_;
};

/// CheckPlanFeeds' checks of the feeds themselves (access modes, slices), without the scenarios' placeholders.
bool CheckFeedList(const std::vector<DataFeed>& feeds, std::string* error);

}  // namespace lse::plan
