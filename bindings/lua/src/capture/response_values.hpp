#pragma once
/// @file
/// Response values of capture mode. While a task is captured its http calls return stand-in
/// responses whose r.status, r.headers[name], r.body and r:json() (then .field, [1], chained)
/// are response values: LuaJIT FFI cdata that remember where they come from (request step k
/// of this iteration, status/header/body/JSON path, an optional pattern, a number flag).
///
/// Why cdata and not tables: LuaJIT calls a cdata's __eq/__lt/__le even against a number or nil,
/// so `if r.status == 200 then` is seen (a table's __eq only runs against another table).
///
/// What a script may do with a value, and what it becomes:
///   "/orders/" .. id, tostring(id)    a placeholder string (plan_capture_templates.hpp) the
///                                     recorder turns into a kValue segment
///   id:match(p), tonumber(id)         a derived value (pattern / number flag)
///   json=, form=, query=, headers=,   the encoders ask ValueText for the marker of their context
///   body=, the path of a request
/// Anything else raises a Lua error with the reason (arithmetic, #, pairs, calling, indexing a
/// non-JSON value, a value of another iteration); comparisons are noted and become a capture
/// problem unless a check() consumes them (agents do not evaluate check()).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/plan/extract/json_path.hpp"
#include "lse/plan/plan.hpp"

struct lua_State;

namespace lse::lua::capture {

/// Where a response value comes from: what an agent extracts (a plan::Extraction without its slot).
struct ValueRule {
    std::uint32_t step = 0;  ///< index into the task's steps of this iteration
    plan::Extraction::Source source = plan::Extraction::Source::kBody;
    std::string key;      ///< header name or canonical JSON path
    std::string pattern;  ///< v:match(pattern)
    bool number = false;  ///< tonumber(v) (and r.status)
    std::string label;    ///< for names and --dry-run: JSON path's last key, header name, status, body, match
};

/// How an encoder writes a value: as text, or as a whole JSON value.
enum class ValueUse : std::uint8_t { kText, kJsonValue };

class ResponseValues {
public:
    /// Defines the value type and the stand-in response metatable in L's state and wraps tonumber.
    /// Throws lse::SetupError when the state has no FFI.
    explicit ResponseValues(lua_State* L);
    ~ResponseValues();
    ResponseValues(const ResponseValues&) = delete;
    ResponseValues& operator=(const ResponseValues&) = delete;

    /// A captured task iteration starts / ends: values of earlier iterations become stale.
    void BeginIteration();
    void EndIteration();

    /// Pushes the stand-in response of request step `step` (its `ok` is true and `name` is `name`).
    void PushStandIn(lua_State* L, std::uint32_t step, std::string_view name);

    /// The rule of the value a placeholder refers to (Segment::a as parsed). Null with *why when it is
    /// from another iteration.
    const ValueRule* Find(std::int64_t ref, std::string* why) const;

    /// Comparisons on response values since the last check(): "file.lua:12 (== or ~=)". Taking clears them.
    std::vector<std::string> TakeComparisons();
    /// What the task read that agents cannot give back (r.error): "r.error at file.lua:12", or empty.
    const std::string& UnsupportedRead() const noexcept { return unsupported_read_; }

    // ---- for the Lua C functions in response_values.cpp ----
    struct Value {
        enum class Kind : std::uint8_t { kHeaders, kSource };
        Kind kind = Kind::kSource;
        ValueRule rule;
        bool json = false;       ///< a JSON value without pattern or number: indexable
        plan::extract::JsonPath path;  ///< when json: rule.key is its canonical text
        std::int64_t parent = -1;  ///< the JSON value it was indexed from (to tell v:match from v.match)
    };
    void PushNewValue(lua_State* L, Value value);
    /// The value at idx (a cdata of this state); throws std::runtime_error with the reason when it is
    /// not usable now (outside capture, another iteration). Null when idx is not a response value.
    const Value* Get(lua_State* L, int idx, std::int64_t* ref = nullptr) const;
    /// The stand-in response at idx: its step; throws like Get.
    std::uint32_t StandInStep(lua_State* L, int idx) const;
    void NoteComparison(lua_State* L, std::string_view op);
    void NoteUnsupportedRead(lua_State* L, std::string_view what);

private:
    lua_State* L_;
    int new_value_ref_ = -2;  // registry ref: the FFI constructor of a value
    std::int64_t generation_ = 0;
    bool active_ = false;
    std::vector<Value> values_;  // this iteration's
    std::vector<std::string> comparisons_;
    std::string unsupported_read_;
};

/// Loads the FFI (ResponseValues needs it) and replaces the global tonumber with one that turns a response
/// value into a number-flagged value and calls the original for anything else. For capture engines only,
/// before the script loads (so that a file-level `local tonumber = tonumber` gets it too). Throws
/// lse::SetupError without the FFI.
void PrepareCaptureState(lua_State* L);

/// True when the value at idx is a cdata (a response value or another one).
bool IsCdata(lua_State* L, int idx);

/// The text an encoder puts where the response value at idx is used (a placeholder), or false with *error
/// (not a response value, used outside its iteration, r.headers itself).
bool ValueText(lua_State* L, int idx, ValueUse use, std::string* out, std::string* error);

}  // namespace lse::lua::capture
