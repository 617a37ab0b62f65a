#pragma once
/// @file
/// Expands a plan Template for one iteration into a caller-owned string. The caller reuses
/// its string, so once it has grown to the largest expansion nothing allocates.
///
/// Sequence numbers (lsengine.seq()) must be unique across the whole distributed run. Each
/// agent draws from its own arithmetic progression: agent i of n (0-based) hands out
///     i + 1, i + 1 + n, i + 1 + 2n, ...
/// so no two agents can produce the same value whatever their speeds, and a single-node run
/// (i = 0, n = 1) gives 1, 2, 3, ... like the Lua runtime. Within an agent the worker threads
/// share one atomic counter (one relaxed fetch_add per placeholder).

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "lse/data/feeder.hpp"
#include "lse/plan/extract/json_path.hpp"
#include "lse/plan/plan.hpp"

namespace lse::plan {

/// Source of run-wide sequence numbers.
class SeqSource {
public:
    virtual ~SeqSource() = default;
    virtual std::uint64_t Next() noexcept = 0;
};

/// agent_index + 1 + k * agent_count for k = 0, 1, 2, ... Thread-safe.
class StridedSeq final : public SeqSource {
public:
    StridedSeq(int agent_index, int agent_count)
        : first_(static_cast<std::uint64_t>(agent_index) + 1),
          stride_(static_cast<std::uint64_t>(agent_count < 1 ? 1 : agent_count)) {}
    std::uint64_t Next() noexcept override {
        return first_ + next_k_.fetch_add(1, std::memory_order_relaxed) * stride_;
    }

private:
    std::uint64_t first_;
    std::uint64_t stride_;
    std::atomic<std::uint64_t> next_k_{0};
};

/// One response value of the current iteration (the slot an Extraction fills), as the runner extracted it.
/// Its buffers are reused from iteration to iteration.
struct ValueSlot {
    std::string text;  ///< the value as text: a JSON string decoded, a number as its text; empty when not ok
    std::string raw;   ///< when json: the JSON token exactly as it came (quotes and escapes included)
    extract::JsonKind kind = extract::JsonKind::kString;
    bool json = false;    ///< raw and kind hold the value's JSON token (a JSON source without a pattern)
    bool number = false;  ///< text is a number (Extraction::number): a bare JSON number where a value goes
    bool ok = false;      ///< extracted; false: empty text (not extracted, or on_extract_error = "empty")

    void Clear() noexcept {
        text.clear();
        raw.clear();
        kind = extract::JsonKind::kString;
        json = false;
        number = false;
        ok = false;
    }
};

/// The rows an iteration drew from the plan's data feeds (kData segments): rows[feed][draw] is a row index of
/// tables[feed], or data::Feeder::kNoRow (the cell is then empty text). The runner draws them when the iteration
/// starts and reuses the vectors.
struct DataRows {
    std::vector<const data::DataTable*> tables;
    std::vector<std::vector<std::int64_t>> rows;
};

/// What a template may refer to. The RNG is per worker (not thread-safe).
struct ExpandContext {
    SeqSource* seq = nullptr;
    std::mt19937_64* rng = nullptr;
    int vuser = 0;
    /// The iteration's response values, indexed by slot (Segment::a of a kValue); a slot past the end is
    /// empty text.
    const ValueSlot* values = nullptr;
    std::size_t value_count = 0;
    const DataRows* data = nullptr;  ///< kData; null: every cell is empty text
};

/// Appends a response value written as `encoding` (ValueEncoding): kRaw its text; kPercent its text
/// percent-encoded (http/percent_encode.hpp, as Lua's query= and form=); kJsonString its text JSON-escaped;
/// kJsonValue a number bare, a JSON token as it came, any other text as a JSON string.
void AppendValue(const ValueSlot& value, ValueEncoding encoding, std::string* out) noexcept;

/// Appends a data cell written as `encoding`: as AppendValue, and for kJsonValue a number or boolean bare, null as
/// null, a nested value as its JSON, a string quoted.
void AppendCell(std::string_view text, data::CellKind kind, ValueEncoding encoding, std::string* out) noexcept;

/// Appends `text` escaped for the inside of a JSON string, as lsengine's JSON encoder writes it: \" \\ \b
/// \f \n \r \t, other control characters as \u00XX, everything else (UTF-8 included) as is.
void AppendJsonEscaped(std::string_view text, std::string* out) noexcept;

/// Appends the expansion of `t` to *out (does not clear it). No allocation beyond growing *out.
void AppendExpanded(const Template& t, const ExpandContext& ctx, std::string* out) noexcept;

/// Appends the expansion of one segment (its text for a literal). Same rules as AppendExpanded.
void AppendSegment(const Segment& seg, const ExpandContext& ctx, std::string* out) noexcept;

/// Appends a random version 4 UUID ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", lower case).
void AppendUuid(std::mt19937_64& rng, std::string* out) noexcept;

/// Appends a uniform integer in [a, b] (a <= b), unbiased over the full int64 range.
void AppendRandom(std::mt19937_64& rng, std::int64_t a, std::int64_t b, std::string* out) noexcept;

/// Expands a template into a fresh string (setup and tests; allocates).
std::string Expand(const Template& t, const ExpandContext& ctx);

}  // namespace lse::plan
