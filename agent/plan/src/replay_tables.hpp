#pragma once
/// @file
/// The compiled form of a scenario plan the replay runner reads (CompiledScenario::tables). Its size per virtual
/// user is what an agent pays for hosting one, so what is the same for many requests or steps is held once and
/// indexed, and per-VU data lives in flat vectors rather than a vector per task and per step.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/plan/compiled_request.hpp"
#include "lse/plan/plan.hpp"
#include "lse/runtime/status_set.hpp"
#include "value_extraction.hpp"

namespace lse::plan {

/// What requests share: few distinct ones whatever the number of virtual users (their stats name included).
struct RequestTraits {
    http::Origin origin;
    runtime::StatusSet accepted = runtime::StatusSet::SuccessAndRedirects();
    std::int64_t timeout_ns = 0;  ///< 0: the runner's default
    int max_redirects = 0;
    std::string name;
    std::string group;
    std::string tags;
};

/// Rows one task iteration takes from one data feed (the highest draw number + 1).
struct FeedDraws {
    std::uint32_t feed = 0;
    std::uint32_t count = 0;
};

/// A request with placeholders: compiled with its own copy of the segments its holes are (the plan's request is
/// freed), and the data rows it uses.
struct TemplatedRequest {
    std::vector<Segment> hole_segments;  ///< CompiledRequest::holes point here
    CompiledRequest compiled;
    std::vector<FeedDraws> draws;
};

inline constexpr std::uint32_t kNoTemplate = 0xFFFFFFFFu;

struct ReplayRequest {
    http::PreparedRequest literal;           ///< the whole request when it has no placeholders
    std::uint32_t traits = 0;                ///< ReplayTables::traits
    std::uint32_t templated = kNoTemplate;   ///< ReplayTables::templated, or kNoTemplate
};

/// One extraction rule of a step, with what its value must respect where the task uses it.
struct BoundExtraction {
    std::uint32_t x = 0;  ///< ReplayTables::extractions
    std::uint32_t slot = 0;
    bool in_header = false;                     ///< used raw in a header value: no CR/LF
    const http::Origin* path_origin = nullptr;  ///< used as the start of a path: no URL of another origin
};

struct ReplayStep {
    enum class Kind : std::uint8_t { kRequest, kPause, kMetric };
    Kind kind = Kind::kRequest;
    std::uint32_t index = 0;          ///< kRequest: requests; kPause: pauses; kMetric: samples
    std::uint32_t first_extract = 0;  ///< kRequest: its rules are bound[first_extract, + extract_count)
    std::uint32_t extract_count = 0;
};

struct ReplayVu {
    int id = 0;              ///< 1-based virtual user id (as self.id in Lua)
    std::uint32_t slots = 0; ///< value slots its iterations fill (highest slot + 1)
};

struct ReplayTables {
    std::size_t task_count = 0;
    std::vector<RequestTraits> traits;
    std::vector<ReplayRequest> requests;  ///< parallel to the plan's request table
    std::vector<std::unique_ptr<TemplatedRequest>> templated;  ///< stable addresses (BoundExtraction::path_origin)
    std::vector<CompiledExtraction> extractions;  ///< distinct rules, parsed and compiled once
    std::vector<BoundExtraction> bound;
    std::vector<std::int64_t> pauses;
    std::vector<MetricSample> samples;
    std::vector<ReplayStep> steps;
    std::vector<ReplayVu> vus;
    /// Task t of the virtual user at position p: steps[task_begin[p * task_count + t], task_begin[... + 1]).
    std::vector<std::uint32_t> task_begin;
    /// The same indexing into draws (empty when the plan uses no data feed).
    std::vector<std::uint32_t> draw_begin;
    std::vector<FeedDraws> draws;

    std::size_t TaskIndex(std::size_t position, std::size_t task) const noexcept {
        return position * task_count + task;
    }
};

}  // namespace lse::plan
