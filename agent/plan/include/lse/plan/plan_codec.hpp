#pragma once
/// @file
/// Binary encoding of a Plan, for shipping it from the coordinator to agents.
///
/// Layout (all integers are LEB128 varints, signed ones zigzag-encoded, doubles 8 bytes
/// little-endian IEEE 754):
///   "LSEP" magic, format version (kPlanFormatVersion),
///   string table: count, then every distinct string once, sorted and front-coded
///     (length of the prefix shared with the previous string, then the rest): per-VU tokens
///     and URLs that differ only in their tails cost a few bytes each,
///   the plan: version, cluster id, run id, scenarios (strings are string-table indexes).
///
/// Integrity is not the codec's job: a plan travels only inside an Assignment (or its
/// PlanChunks), whose plan_checksum, FNV-1a 64 of these bytes, the agent verifies before it
/// calls DecodePlan (lse/protocol/plan_chunks.hpp). Up to format 2 the plan also ended in its
/// own FNV-1a 64 of the same bytes: two checksums for one transfer.
///
/// Request records: a record is either complete (base distance 0, every field) or based on an earlier request at
/// `distance` back, carrying only the fields that differ (a field mask). The base is always the latest earlier request
/// with the same name, and a based record keeps its base's name: the encoder never writes anything else, and the
/// decoder refuses it ("request base is not the latest earlier request of its name", "a request record changes the
/// name of its base"). So a decoder keeps one request per distinct name for bases (a captured plan has at most
/// metrics::kMaxRequestNamesPerTask per task), never the request table: an agent
/// compiles each request as it is decoded and drops it (DecodeAndCompilePlan, compiled_plan.hpp). The rule holds for
/// every plan an encoder of format 6 wrote, so it needed no new format version.
///
/// Canonical form: a pause step stores only pause_ns and a request step its request index and
/// its extraction list; the other fields decode as 0 (a pause step has no extractions).
///
/// Correlated flows (format 4): a task carries on_extract_error (a byte); a request step is
/// followed by its extraction count, then per Extraction its source (a byte), key and pattern
/// (string references), number flag (a byte) and slot (varint); a kValue template segment
/// carries its slot (varint) and ValueEncoding (a byte) after its text.
///
/// Redirects (format 5): every request record ends with max_redirects (varint, at most
/// http::kMaxRedirectsLimit), whether or not the record is based on an earlier request.
/// Tags (format 6): every request record ends, after its group, with its canonical tags (a string reference).
/// Setup data (format 5): after the virtual users, a scenario's setup_data (a string reference).
/// Data files (format 5): a kData segment carries its feed (varint), ValueEncoding (a byte), column and draw
/// (varints) after its text; after the scenarios come the plan's data feeds: count, then per feed its name
/// (length-prefixed), access mode and on_exhausted (bytes), seed, first_row, total_rows, column count and names
/// (length-prefixed), row count, then every cell row by row as its CellKind (a byte) and text (length-prefixed).
/// Custom metrics (format 6): a metric step is written where steps are, as varint (metric << 2) | 3 (a pause's
/// tag, bit 0, with bit 1 set, which no pause has: pause_ns >= 0 zigzags to an even number), a flags byte (1: set,
/// 2: from_value), then the value's slot (varint) or the constant (f64). After the setup data, a scenario ends with
/// its metric table: count (<= metrics::kMaxCustomMetrics), then per metric its name (a string reference), kind
/// (a byte, metrics::CustomMetricKind) and replayable (a byte, 0 or 1).
///
/// Decoding trusts nothing all the same: every count is checked against DecodeLimits and
/// against the bytes left, the total size of the strings materialised into the Plan is
/// bounded, and the decoded plan is checked (CheckScenarioPlan) before it is returned.
/// The decoder reads in one pass and hands each scenario's header, requests and virtual users on as it goes
/// (src/plan_stream.hpp): DecodePlan collects them, DecodeAndCompilePlan compiles them.
/// Garbage is rejected with a message, never a crash or an unbounded allocation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/plan/plan.hpp"

namespace lse::plan {

/// 2: the load shape carries max_wait_ns (after think_max_ns).
/// 3: no trailing FNV-1a 64 (the Assignment's plan_checksum is the one checksum).
/// 4: correlated flows: tasks' on_extract_error, request steps' extraction lists, kValue segments.
/// 5: issue 15: a request record ends with its redirect limit (varint, PlannedRequest::max_redirects); a
///    request of method kOther carries its token (a string index) right after the method byte; a scenario ends
///    with its setup data (a string reference; "" = none).
/// 6: issue 15, second part. Custom metrics: a scenario ends with its metric table (see above), and a task's steps
///    may be metric steps.
/// 6: issue 15, second part: a request record ends with its canonical tags (a string reference; "" = none).
inline constexpr std::uint32_t kPlanFormatVersion = 6;

struct DecodeLimits {
    std::size_t max_bytes = 64u << 20;          ///< encoded size
    std::size_t max_scenarios = 64;
    std::size_t max_vusers = 1'000'000;          ///< per scenario
    std::size_t max_tasks = 1024;                ///< per scenario
    std::size_t max_requests = 2'000'000;        ///< request table, per scenario
    std::size_t max_steps = 4096;                ///< per task of one virtual user
    std::size_t max_headers = 256;               ///< per request
    std::size_t max_segments = 4096;             ///< per template
    std::size_t max_strings = 16'000'000;        ///< string table entries
    std::size_t max_string_bytes = 1u << 20;     ///< one string
    std::size_t max_decoded_string_bytes = 512u << 20;  ///< all strings copied into the Plan
    std::size_t max_extractions = 64;            ///< per request step
    std::size_t max_slots = 4096;                ///< value slots per iteration (slot numbers below this)
    std::size_t max_feeds = 256;                 ///< data feeds of a plan
    std::size_t max_columns = 4096;              ///< per data feed
    std::size_t max_rows = 100'000'000;          ///< per data feed (its slice)
    std::size_t max_draws = 4096;                ///< rows one iteration takes from one feed (draw numbers below this)
};

/// Encodes a plan. Never fails (a plan that breaks DecodeLimits encodes but will not decode).
std::string EncodePlan(const Plan& plan);

/// Which virtual users of each scenario a slice keeps: for every scenario of the plan (same order), positions into
/// its ScenarioPlan::vusers, strictly increasing.
using VuPositions = std::vector<std::vector<std::size_t>>;

/// A slice of `plan` (plan slices, format 6): EncodePlan of the same plan with only the virtual users `keep` names,
/// and only the requests they use, renumbered from 0 in their original order (the steps follow); the string table
/// holds only what the slice uses. Everything else (scenarios, tasks, metrics, feeds) is the plan's. An agent gets
/// the slice of the virtual users it hosts, so its plan bytes are its share of the whole. Throws
/// std::invalid_argument when `keep` does not have one increasing in-range list per scenario.
std::string EncodePlanSlice(const Plan& plan, const VuPositions& keep);

/// `encoded` (EncodePlan of a plan without data feeds) with `feeds` as its feeds. Feeds are encoded last and
/// outside the string table, so a coordinator encodes the scenarios once and appends each agent's slice of the
/// rows. Throws std::invalid_argument when `encoded` does not end with an empty feed list (a caller's bug).
std::string ReplaceFeeds(std::string_view encoded, const std::vector<DataFeed>& feeds);

/// Decodes what EncodePlan produced. On failure returns false, leaves *out unspecified and puts
/// the reason in *error (when not null).
bool DecodePlan(std::string_view bytes, Plan* out, std::string* error, const DecodeLimits& limits = {});

/// Checks the references and values a runner relies on (piece by piece, as the streaming decoder needs: the load
/// shape and tasks, each request, each virtual user, then the metric table, client certificate and header limit and
/// the metric steps against that table; the first problem found in that order is reported): step indexes within the
/// request table,
/// one step list per task in every VuPlan, task weights finite and > 0, template segment kinds
/// known and random ranges ordered, expect ranges ordered, finite rates, enum values in range.
/// Correlated flows: every response value a request uses (kValue slot) is filled by an extraction
/// of an earlier step of the same task iteration, in every virtual user that sends the request;
/// JSON paths parse, patterns compile, header names are lower-case and not empty, pause steps
/// extract nothing. False with *error (naming scenario, task and step).
bool CheckScenarioPlan(const ScenarioPlan& plan, std::string* error);

/// Data files (format 5): every kData segment of every scenario names a feed of the plan and one of its columns;
/// feeds have an access mode agents draw (sequential, random, unique) and a slice within the file. False with
/// *error naming the scenario and request, or the file.
bool CheckPlanFeeds(const Plan& plan, std::string* error);

/// Merges identical requests of the request table (keeping first occurrences, in order) and
/// remaps every step. Unreferenced requests are kept.
void Deduplicate(ScenarioPlan* plan);

}  // namespace lse::plan
