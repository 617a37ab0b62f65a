#pragma once
/// @file
/// A distributed run's plan: what the coordinator captured by running the
/// scenario's Lua (on_start per virtual user, each task once per virtual user in
/// capture mode), in a form agents replay natively in C++ without Lua.
///
/// Per-iteration values (lsengine.seq(), lsengine.random(a,b), lsengine.uuid(),
/// lsengine.vuser()) are captured as template placeholders and expanded by the
/// agent for every iteration. Response values (r:json().id, r.headers["location"],
/// r.body:match(...), r.status) used by a later request of the same iteration are
/// captured as Extraction rules on the step whose response they come from plus
/// kValue placeholders where they are used; the agent extracts and substitutes them
/// natively per iteration. Everything else (auth headers from on_start, URL
/// overrides, bodies) is literal per virtual user.
///
/// Encoding: plan_codec.hpp. Compactness for 10k virtual users comes from a
/// string table (every distinct string once) and a request table (every distinct
/// request once, shared by the virtual users that send it).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lse/http/redirect.hpp"
#include "lse/data/data_table.hpp"
#include "lse/data/feeder.hpp"
#include "lse/http/request.hpp"
#include "lse/metrics/custom_metric.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::plan {

/// One piece of a templated string.
struct Segment {
    enum class Kind : std::uint8_t {
        kLiteral,  ///< `text`
        kSeq,      ///< run-wide sequence number (1, 2, 3, ...): unique across agents
        kRandom,   ///< uniform integer in [a, b]
        kUuid,     ///< random v4 UUID
        kVuser,    ///< the virtual user's id
        kValue,    ///< a response value of this iteration: slot `a` (Extraction::slot), written as ValueEncoding `b`
        kData,     ///< a data file's cell (format 5): feed `a` (Plan::feeds), column `column` of the row the iteration
                   ///< drew as its `draw`-th row of that feed, written as ValueEncoding `b`
        kCount
    };
    Kind kind = Kind::kLiteral;
    std::string text;
    std::int64_t a = 0;
    std::int64_t b = 0;
    std::uint32_t column = 0;  ///< kData
    std::uint32_t draw = 0;    ///< kData: 0 for the first row an iteration takes from the feed, 1 for the next...
    bool operator==(const Segment&) const = default;
};

/// How a response value (Segment::Kind::kValue) is written where a later request uses it. The capture
/// decides it from where the script put the value; the agent applies it to the extracted text.
enum class ValueEncoding : std::uint8_t {
    kRaw,         ///< as extracted: string concatenation into a path, header value or plain body. In the
                  ///< request target, bytes a request line may not carry are percent-encoded (as Lua's
                  ///< requests do); a CR or LF in a header value is an extraction failure.
    kPercent,     ///< a query= / form= component: percent-encoded like lsengine's url encoding
    kJsonString,  ///< inside a JSON string of a json= body ("a-" .. id): JSON-escaped, no quotes
    kJsonValue,   ///< a whole value of a json= body: a JSON source's token as it came (42, "ab", true,
                  ///< {...}), a number (Extraction::number) bare, any other text as a JSON string
    kCount
};

/// A string with placeholders; a plain string is one literal segment.
struct Template {
    std::vector<Segment> segments;
    bool IsLiteral() const noexcept {
        return segments.empty() || (segments.size() == 1 && segments[0].kind == Segment::Kind::kLiteral);
    }
    bool operator==(const Template&) const = default;
};

/// One request exactly as a task sends it (after on_start ran for its virtual user).
struct PlannedRequest {
    http::Method method = http::Method::kGet;
    Template url;  ///< absolute URL (scheme://host:port/path?query)
    std::vector<std::pair<std::string, Template>> headers;
    Template body;
    std::string name;  ///< stats name ("GET /api/products" or opts.name)
    std::vector<std::pair<int, int>> expect;  ///< accepted status ranges (inclusive); empty = 2xx/3xx
    std::int64_t timeout_ns = 0;              ///< 0 = the agent's default
    /// Redirects the agent follows for this request (format 5), as the Lua runtime does: 0 = none. Each hop is
    /// an exchange of its own under `name`; extraction and expect apply to the final response.
    int max_redirects = http::kDefaultMaxRedirects;
    std::string method_token;  ///< method kOther: its token ("PROPFIND"); empty otherwise (format 5)
    /// The group path the script made it in (group("checkout", fn): "checkout", nested "checkout::payment");
    /// empty outside any group. Agents record it under the same stat key as the Lua runtime (format 5).
    std::string group;
    /// Its tags in canonical form (lse/metrics/tags.hpp: the scenario's merged with the request's own); empty:
    /// none. Agents record it under the same stat key as the Lua runtime (format 6).
    std::string tags{};
    bool operator==(const PlannedRequest&) const = default;
};

/// What an agent does with the rest of an iteration when a response value cannot be extracted (the
/// iteration fails with ErrorKind::kExtract either way).
enum class OnExtractError : std::uint8_t {
    kSkip,   ///< the iteration's later steps are not sent (default)
    kEmpty,  ///< later steps are sent with the missing value as empty text
    kCount
};

struct PlannedTask {
    std::string name;
    double weight = 1;
    OnExtractError on_extract_error = OnExtractError::kSkip;
    bool operator==(const PlannedTask&) const = default;
};

/// One value taken from the response of a request step, for later steps of the same iteration
/// (Segment::Kind::kValue with a == slot). Values live for one iteration of one virtual user.
struct Extraction {
    enum class Source : std::uint8_t {
        kStatus,  ///< the status code as decimal text ("201")
        kHeader,  ///< header `key` (lower-case name); a repeated header's values joined with ", " (as r.headers)
        kBody,    ///< the whole body
        kJson,    ///< the body as JSON at path `key` (lse/plan/extract/json_path.hpp: "$.items[0].sku")
        kCount
    };
    Source source = Source::kBody;
    std::string key;
    /// Not empty: a Lua pattern (the subset of lse/plan/extract/lua_pattern.hpp) matched against the value;
    /// the value becomes its first capture, or the whole match when it has none. No match: extraction failure.
    std::string pattern;
    bool number = false;     ///< tonumber(): the value must read as a number (else extraction failure)
    std::uint32_t slot = 0;  ///< the iteration's value slot it fills
    bool operator==(const Extraction&) const = default;
};

/// Load shape of a scenario (mirrors runtime::LoadSpec, as plain data).
struct LoadShape {
    bool open_model = false;
    double start_rps = 0;              ///< open model
    std::vector<sched::Stage> stages;  ///< open model: the rate profile
    int vusers = 1;
    std::int64_t duration_ns = 0;      ///< closed model
    std::int64_t ramp_up_ns = 0;       ///< closed model
    std::int64_t think_min_ns = 0;
    std::int64_t think_max_ns = 0;
    std::int64_t max_wait_ns = 0;      ///< open model: longest wait of an arrival for a free virtual user
    // Written out: sched::Stage has no operator==, so a defaulted one would be deleted.
    bool operator==(const LoadShape& o) const {
        if (stages.size() != o.stages.size()) return false;
        for (size_t i = 0; i < stages.size(); ++i) {
            if (stages[i].duration_ns != o.stages[i].duration_ns || stages[i].target_rps != o.stages[i].target_rps) {
                return false;
            }
        }
        return open_model == o.open_model && start_rps == o.start_rps && vusers == o.vusers &&
               duration_ns == o.duration_ns && ramp_up_ns == o.ramp_up_ns && think_min_ns == o.think_min_ns &&
               think_max_ns == o.think_max_ns && max_wait_ns == o.max_wait_ns;
    }
};

/// A script's own metric (lsengine.metrics.*, format 6): the scenario's metric table, indexed by MetricSample.
/// Every metric the script declared is listed, sampled in a task or not, so agents show it (count 0) as a
/// local run does.
struct PlannedMetric {
    std::string name{};  ///< metrics::IsValidCustomMetricName
    metrics::CustomMetricKind kind = metrics::CustomMetricKind::kCounter;
    /// False: a task fed it a value agents cannot compute without Lua (arithmetic on a response value, a
    /// comparison's result...): its samples are not in the plan, and the report says it is not replayable.
    bool replayable = true;
    bool operator==(const PlannedMetric&) const = default;
};

/// A metric step's sample (format 6): add() (or a gauge's set()) of a constant, or of a response value of this
/// iteration read as a number (Extraction::number; r.status).
struct MetricSample {
    std::uint32_t metric = 0;  ///< index into ScenarioPlan::metrics
    bool set = false;          ///< gauge:set() (the same as a gauge's add(); kept for --dry-run's words)
    bool from_value = false;   ///< the value is response value slot `slot`, else `value`
    double value = 0;          ///< constant (rates: 1 true, 0 false)
    std::uint32_t slot = 0;
    bool operator==(const MetricSample&) const = default;
};

/// One step of a task iteration: send a request, pause (a sleep() in the task) or, format 6, record a sample
/// of a custom metric (metric == true; a metric step has neither request nor extractions).
struct Step {
    bool pause = false;
    std::uint32_t request = 0;   ///< index into ScenarioPlan::requests (when !pause)
    std::int64_t pause_ns = 0;   ///< when pause
    std::vector<Extraction> extract;  ///< request steps: values taken from this step's response, in order
    bool metric = false;         ///< a metric step (format 6): `sample`
    MetricSample sample{};
    bool IsRequest() const noexcept { return !pause && !metric; }
    bool operator==(const Step&) const = default;
};

/// What one virtual user does: for each task (same order as ScenarioPlan::tasks), the
/// steps one iteration takes, in order.
struct VuPlan {
    int id = 0;  ///< 1-based virtual user id (as self.id in Lua)
    std::vector<std::vector<Step>> task_steps;
    bool operator==(const VuPlan&) const = default;
};

/// Largest client certificate or key (PEM text) a scenario's plan carries (format 6).
inline constexpr std::size_t kMaxClientPemBytes = 64 * 1024;
/// Bounds of a scenario's response-header limit (ScenarioPlan::max_header_bytes), as --max-header-size's.
inline constexpr std::uint64_t kMinHeaderLimitBytes = 1024;
inline constexpr std::uint64_t kMaxHeaderLimitBytes = std::uint64_t{1} << 30;

/// Largest setup data a plan carries (one string of the plan's string table; DecodeLimits::max_string_bytes).
inline constexpr std::size_t kMaxSetupDataBytes = 1u << 20;

struct ScenarioPlan {
    std::string name;
    LoadShape load;
    std::vector<PlannedTask> tasks;
    std::vector<PlannedRequest> requests;  ///< deduplicated request table
    std::vector<VuPlan> vusers;            ///< one per virtual user of the pool (ids 1..N)
    /// What setup() returned, as JSON text; empty: nothing (format 5). The requests already carry whatever the
    /// tasks took from it (capture ran them with it); this copy is for the agents' and the reports' knowledge.
    std::string setup_data;
    /// The scenario's own client certificate for mutual TLS (scenario options cert/key, format 6), as PEM text:
    /// an external agent does not have the coordinator's files. Empty: the agent's --cert/--key. A private key
    /// travels here: never printed or logged, and the run should use NATS TLS (docs/protocol.md).
    std::string client_cert_pem{};
    std::string client_key_pem{};  ///< empty: the key is in client_cert_pem
    /// The scenario's response-header limit (scenario option max_header_size, format 6); 0: the agent's.
    std::uint64_t max_header_bytes = 0;
    /// The script's custom metrics (format 6): MetricSample::metric indexes it.
    std::vector<PlannedMetric> metrics{};
    bool operator==(const ScenarioPlan&) const = default;
};

/// A data file (lsengine.data.csv/json) whose rows the agents draw per iteration (format 5): the feeds whose
/// access mode is sequential, random or unique (per_vu rows are known at capture and written into the requests).
/// The coordinator sends each agent only its slice of the rows (contiguous, proportional to the agents'
/// capacities), so no two agents draw the same row.
struct DataFeed {
    std::string name;  ///< the file as the script named it
    data::FeederOptions options;
    data::DataTable table;        ///< the rows this plan carries (an agent's plan: its slice)
    std::uint64_t first_row = 0;  ///< the slice's first row in the whole file (0-based)
    std::uint64_t total_rows = 0; ///< rows in the whole file
    bool operator==(const DataFeed&) const = default;
};

struct Plan {
    std::uint32_t version = 1;
    std::string cluster_id;
    std::string run_id;
    std::vector<ScenarioPlan> scenarios;
    std::vector<DataFeed> feeds;  ///< indexed by Segment::a of kData (format 5)
    bool operator==(const Plan&) const = default;
};

}  // namespace lse::plan
