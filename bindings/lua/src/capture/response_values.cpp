#include "response_values.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "load_context.hpp"
#include "lse/core/errors.hpp"
#include "lse/plan/extract/json_path.hpp"
#include "pattern_check.hpp"
#include "plan_capture_templates.hpp"
#include "protected_call.hpp"

namespace lse::lua::capture {
namespace {

using Source = plan::Extraction::Source;
using Value = ResponseValues::Value;

// lua_type of a cdata in LuaJIT (lua.h has no name for it).
constexpr int kLuaTypeCdata = 10;

// Registry keys (addresses): weak-keyed tables value cdata -> packed reference (PackValueRef), stand-in
// response -> packed (generation, step); the stand-in metatable.
char kValueRefsKey;
char kStandInRefsKey;
char kStandInMetaKey;

// Runs once per state with (ffi, metatable): the value type has no fields, so every key goes to __index.
constexpr char kDefineValueType[] =
    "local ffi, mt = ...\n"
    "ffi.cdef('struct lse_response_value { };')\n"
    "return ffi.metatype('struct lse_response_value', mt)\n";

constexpr char kOneIteration[] =
    "; response values live for one task iteration: read the response again in the iteration that uses it";

// Guarded (protected_call.hpp) with the first Lua line up the stack as the location: a metamethod may be called
// from a C function (ipairs -> __ipairs), where the caller's frame has no line.
template <int (*F)(lua_State*)>
int Guard(lua_State* L) {
    char message[1024];
    try {
        return F(L);
    } catch (const std::exception& e) {
        try {
            const std::string text = detail::CallSite(L, 1) + ": " + e.what();
            std::snprintf(message, sizeof message, "%s", text.c_str());
        } catch (const std::exception&) {
            detail::CopyMessage(e, message, sizeof message);
        }
    }
    lua_pushstring(L, message);
    return lua_error(L);
}

ResponseValues* Self(lua_State* L) { return static_cast<ResponseValues*>(lua_touserdata(L, lua_upvalueindex(1))); }

void PushRegistryTable(lua_State* L, const char* key) {
    lua_pushlightuserdata(L, const_cast<char*>(key));
    lua_rawget(L, LUA_REGISTRYINDEX);
}

void NewWeakKeyedTable(lua_State* L, const char* key) {
    lua_pushlightuserdata(L, const_cast<char*>(key));
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

std::string Describe(const ValueRule& rule) {
    switch (rule.source) {
        case Source::kStatus: return "r.status";
        case Source::kHeader: return "r.headers[\"" + rule.key + "\"]";
        case Source::kBody: return "r.body";
        case Source::kJson: return "r:json()" + rule.key.substr(1);
        case Source::kCount: break;
    }
    return "a response value";
}

[[noreturn]] void Unsupported(const std::string& what, const std::string& why) {
    throw std::runtime_error(what + " is not supported in capture mode: " + why +
                             " (agents replay requests without Lua; response values can only be concatenated, "
                             "tostring()ed, tonumber()ed, :match()ed once, and used in a later request)");
}

const Value& Checked(lua_State* L, int idx) {
    const Value* v = Self(L)->Get(L, idx);
    if (v == nullptr) throw std::runtime_error("internal: not a response value");
    return *v;
}

// ---- metamethods of response values ----

// v:match(pattern) -> a value taking the pattern's first capture (or whole match).
int ValueMatch(lua_State* L) {
    std::int64_t ref = 0;
    const Value* v = Self(L)->Get(L, 1, &ref);
    if (v == nullptr) throw std::runtime_error("match: call it with a colon on a response value, v:match(pattern)");
    if (v->kind == Value::Kind::kHeaders) Unsupported("r.headers:match()", "r.headers is the table of headers");
    if (!v->rule.pattern.empty()) Unsupported(Describe(v->rule) + ":match(...):match()", "a value takes one pattern");
    if (v->rule.number) Unsupported("tonumber(v):match()", "match the text, then tonumber() the result");
    if (lua_type(L, 2) != LUA_TSTRING) {
        throw std::runtime_error(std::string("v:match(pattern): the pattern must be a string, got ") +
                                 luaL_typename(L, 2));
    }
    if (lua_gettop(L) > 2) Unsupported("v:match(pattern, init)", "the init argument cannot be replayed");
    size_t len = 0;
    const char* p = lua_tolstring(L, 2, &len);
    const std::string_view pattern(p, len);
    if (HasPlaceholder(pattern)) Unsupported("a pattern built from a per-iteration value", "patterns are fixed text");
    std::string error;
    if (!CheckPattern(pattern, &error)) {
        throw std::runtime_error("v:match(\"" + std::string(pattern) + "\"): " + error);
    }
    Value derived = *v;
    derived.json = false;
    derived.parent = -1;
    derived.rule.pattern.assign(pattern);
    derived.rule.label = "match";
    Self(L)->PushNewValue(L, std::move(derived));
    return 1;
}

int ValueIndex(lua_State* L) {
    std::int64_t ref = 0;
    const Value& v = *Self(L)->Get(L, 1, &ref);
    const int key_type = lua_type(L, 2);
    if (v.kind == Value::Kind::kHeaders) {
        if (key_type != LUA_TSTRING) throw std::runtime_error("r.headers[name]: the name must be a string");
        const std::string name = lua_tostring(L, 2);
        for (char c : name) {
            if (std::isupper(static_cast<unsigned char>(c))) {
                // A normal run's r.headers["Location"] is nil: say so rather than capture a different script.
                throw std::runtime_error("r.headers[\"" + name + "\"]: header names in r.headers are lower-case");
            }
        }
        Value header;
        header.rule.step = v.rule.step;
        header.rule.source = Source::kHeader;
        header.rule.key = name;
        header.rule.label = name;
        Self(L)->PushNewValue(L, std::move(header));
        return 1;
    }
    if (v.json) {
        Value child = v;
        child.parent = ref;
        plan::extract::JsonPath::Step step;
        if (key_type == LUA_TSTRING) {
            size_t len = 0;
            const char* k = lua_tolstring(L, 2, &len);
            step.key.assign(k, len);
            child.rule.label.assign(k, len);
        } else if (key_type == LUA_TNUMBER && lua_tonumber(L, 2) >= 1 && lua_tonumber(L, 2) <= 4294967296.0 &&
                   std::floor(lua_tonumber(L, 2)) == lua_tonumber(L, 2)) {
            step.is_index = true;  // Lua's [1] is the first element: [0]
            step.index = static_cast<std::uint32_t>(lua_tonumber(L, 2) - 1);
        } else {
            Unsupported(Describe(v.rule) + "[" + luaL_typename(L, 2) + "]",
                        "JSON values are indexed by names and 1-based positions");
        }
        child.path.steps.push_back(std::move(step));
        child.rule.key = plan::extract::FormatJsonPath(child.path);
        Self(L)->PushNewValue(L, std::move(child));
        return 1;
    }
    if (key_type == LUA_TSTRING && std::string_view(lua_tostring(L, 2)) == "match") {
        lua_pushlightuserdata(L, Self(L));
        lua_pushcclosure(L, &Guard<ValueMatch>, 1);
        return 1;
    }
    const std::string key = key_type == LUA_TSTRING ? lua_tostring(L, 2) : std::string(luaL_typename(L, 2));
    bool method = false;
    if (key_type == LUA_TSTRING) {
        lua_getglobal(L, "string");
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, key.c_str());
            method = !lua_isnil(L, -1);
        }
    }
    if (method) Unsupported(Describe(v.rule) + ":" + key + "()", "of the string methods only :match is replayed");
    Unsupported("indexing " + Describe(v.rule) + " (." + key + ")",
                "only r:json() values have fields; this one is text (use r:json() for a JSON body)");
}

// v(...): unsupported, except for the one call that looks like it: r:json():match(p) reads r:json().match,
// then calls it with its parent.
int ValueCall(lua_State* L) {
    const Value& v = Checked(L, 1);
    std::int64_t arg_ref = -1;
    if (v.parent >= 0 && v.rule.label == "match" && Self(L)->Get(L, 2, &arg_ref) != nullptr && arg_ref == v.parent) {
        lua_remove(L, 1);
        return ValueMatch(L);
    }
    Unsupported("calling " + Describe(v.rule), "it is a value, not a function");
}

void AppendOperand(lua_State* L, int idx, std::string* out) {
    const int t = lua_type(L, idx);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        lua_pushvalue(L, idx);  // lua_tolstring converts a number in place: convert a copy
        size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        out->append(s, len);
        lua_pop(L, 1);
        return;
    }
    if (IsCdata(L, idx)) {
        std::string error;
        if (!ValueText(L, idx, ValueUse::kText, out, &error) && !error.empty()) throw std::runtime_error(error);
        return;
    }
    throw std::runtime_error(std::string("attempt to concatenate a ") + luaL_typename(L, idx) +
                             " value and a response value");
}

int ValueConcat(lua_State* L) {
    std::string text;
    AppendOperand(L, 1, &text);
    AppendOperand(L, 2, &text);
    lua_pushlstring(L, text.data(), text.size());
    return 1;
}

int ValueToString(lua_State* L) {
    std::string text;
    AppendOperand(L, 1, &text);
    lua_pushlstring(L, text.data(), text.size());
    return 1;
}

template <const char* Op>
int ValueCompare(lua_State* L) {
    Self(L)->NoteComparison(L, Op);
    lua_pushboolean(L, 0);
    return 1;
}
constexpr char kEq[] = "== or ~=";
constexpr char kLt[] = "< or >";
constexpr char kLe[] = "<= or >=";

const Value& AnyValue(lua_State* L) { return Checked(L, IsCdata(L, 1) && Self(L)->Get(L, 1) != nullptr ? 1 : 2); }

int ValueArith(lua_State* L) {
    Unsupported("arithmetic on " + Describe(AnyValue(L).rule), "its value is only known on the agent");
}

int ValueLen(lua_State* L) {
    Unsupported("the length (#) of " + Describe(Checked(L, 1).rule),
                "a response's arrays have no known size at capture; agents replay a fixed list of requests");
}

int ValuePairs(lua_State* L) {
    Unsupported("a loop (pairs/ipairs) over " + Describe(Checked(L, 1).rule),
                "a response's arrays have no known size at capture; agents replay a fixed list of requests");
}

int ValueNewIndex(lua_State* L) {
    Unsupported("assigning into " + Describe(Checked(L, 1).rule), "response values are read-only");
}

// ---- the stand-in response ----

int StandInJson(lua_State* L) {
    if (!lua_istable(L, 1)) throw std::runtime_error("response:json(): call it with a colon, r:json()");
    Value json;
    json.rule.step = Self(L)->StandInStep(L, 1);
    json.rule.source = Source::kJson;
    json.rule.key = "$";
    json.rule.label = "json";
    json.json = true;
    Self(L)->PushNewValue(L, std::move(json));
    return 1;
}

int StandInIndex(lua_State* L) {
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    const std::string_view key = lua_tostring(L, 2);
    Value v;
    if (key == "json") {
        lua_pushlightuserdata(L, Self(L));
        lua_pushcclosure(L, &Guard<StandInJson>, 1);
        return 1;
    }
    if (key == "error") {
        Self(L)->NoteUnsupportedRead(L, "r.error");
        throw std::runtime_error("capture mode: r.error (a transport error) is not available: requests are recorded "
                                 "for the agents, not sent");
    }
    if (key == "url" || key == "redirects") {
        // Where a chain of redirects ended is known only on the agent, which follows them without Lua.
        const std::string what = "r." + std::string(key);
        Self(L)->NoteUnsupportedRead(L, what);
        throw std::runtime_error("capture mode: " + what + " is not available: the agents follow the redirects "
                                 "themselves and do not feed it back");
    }
    if (key == "status") {
        v.rule.source = Source::kStatus;
        v.rule.number = true;  // a number in Lua: a whole JSON value stays bare
        v.rule.label = "status";
    } else if (key == "body") {
        v.rule.source = Source::kBody;
        v.rule.label = "body";
    } else if (key == "headers") {
        v.kind = Value::Kind::kHeaders;
        v.rule.label = "headers";
    } else {
        return 0;
    }
    v.rule.step = Self(L)->StandInStep(L, 1);
    Self(L)->PushNewValue(L, std::move(v));
    return 1;
}

// tonumber(v) on a response value: a value the agent reads as a number. -1: not a response value.
int TonumberValue(lua_State* L) {
    ResponseValues* values = detail::GetContext(L)->response_values;
    const Value* v = values->Get(L, 1);
    if (v == nullptr) return -1;
    if (!lua_isnoneornil(L, 2) && lua_tonumber(L, 2) != 10) Unsupported("tonumber(v, base)", "only base 10 is read");
    if (v->kind == Value::Kind::kHeaders) Unsupported("tonumber(r.headers)", "r.headers is the table of headers");
    Value number = *v;
    number.json = false;
    number.parent = -1;
    number.rule.number = true;
    values->PushNewValue(L, std::move(number));
    return 1;
}

// The global tonumber of capture engines (upvalue 1: the original). Not Guarded itself: a Lua error of the
// original must not unwind through a C++ try block.
int Tonumber(lua_State* L) {
    detail::LoadContext* ctx = detail::GetContext(L);
    if (ctx != nullptr && ctx->response_values != nullptr && IsCdata(L, 1)) {
        const int n = Guard<TonumberValue>(L);
        if (n >= 0) return n;
    }
    const int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

void SetClosure(lua_State* L, ResponseValues* self, const char* name, lua_CFunction fn) {
    lua_pushlightuserdata(L, self);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

}  // namespace

ResponseValues::ResponseValues(lua_State* L) : L_(L) {
    detail::LoadContext* ctx = detail::GetContext(L);
    if (ctx == nullptr) throw SetupError("capture mode: the Lua state has no load context");
    const int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
    if (lua_istable(L, -1)) lua_getfield(L, -1, "ffi");
    if (!lua_istable(L, -1)) {
        lua_settop(L, top);
        throw SetupError("capture mode needs LuaJIT's FFI library (package.loaded.ffi is missing: the engine was "
                         "not made for plan capture)");
    }
    const int ffi = lua_gettop(L);

    lua_createtable(L, 0, 18);
    SetClosure(L, this, "__index", &Guard<ValueIndex>);
    SetClosure(L, this, "__newindex", &Guard<ValueNewIndex>);
    SetClosure(L, this, "__call", &Guard<ValueCall>);
    SetClosure(L, this, "__concat", &Guard<ValueConcat>);
    SetClosure(L, this, "__tostring", &Guard<ValueToString>);
    SetClosure(L, this, "__eq", &Guard<ValueCompare<kEq>>);
    SetClosure(L, this, "__lt", &Guard<ValueCompare<kLt>>);
    SetClosure(L, this, "__le", &Guard<ValueCompare<kLe>>);
    for (const char* op : {"__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm"}) {
        SetClosure(L, this, op, &Guard<ValueArith>);
    }
    SetClosure(L, this, "__len", &Guard<ValueLen>);
    SetClosure(L, this, "__pairs", &Guard<ValuePairs>);
    SetClosure(L, this, "__ipairs", &Guard<ValuePairs>);
    const int mt = lua_gettop(L);

    if (luaL_loadbuffer(L, kDefineValueType, sizeof kDefineValueType - 1, "=lsengine capture") != 0) {
        const std::string error = lua_tostring(L, -1);
        lua_settop(L, top);
        throw SetupError("capture mode: " + error);
    }
    lua_pushvalue(L, ffi);
    lua_pushvalue(L, mt);
    if (lua_pcall(L, 2, 1, 0) != 0) {
        const std::string error = lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error";
        lua_settop(L, top);
        throw SetupError("capture mode: cannot define the response value type: " + error);
    }
    new_value_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, top);

    NewWeakKeyedTable(L, &kValueRefsKey);
    NewWeakKeyedTable(L, &kStandInRefsKey);
    lua_pushlightuserdata(L, &kStandInMetaKey);
    lua_createtable(L, 0, 1);
    SetClosure(L, this, "__index", &Guard<StandInIndex>);
    lua_rawset(L, LUA_REGISTRYINDEX);
    ctx->response_values = this;
}

ResponseValues::~ResponseValues() {
    detail::LoadContext* ctx = detail::GetContext(L_);
    if (ctx != nullptr && ctx->response_values == this) ctx->response_values = nullptr;
    luaL_unref(L_, LUA_REGISTRYINDEX, new_value_ref_);
}

void ResponseValues::BeginIteration() {
    ++generation_;
    active_ = true;
    values_.clear();
    comparisons_.clear();
    unsupported_read_.clear();
}

void ResponseValues::EndIteration() { active_ = false; }

void ResponseValues::PushStandIn(lua_State* L, std::uint32_t step, std::string_view name) {
    lua_checkstack(L, 6);
    lua_createtable(L, 0, 2);
    const int standin = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_setfield(L, standin, "ok");
    lua_pushlstring(L, name.data(), name.size());
    lua_setfield(L, standin, "name");
    PushRegistryTable(L, &kStandInMetaKey);
    lua_setmetatable(L, standin);
    PushRegistryTable(L, &kStandInRefsKey);
    lua_pushvalue(L, standin);
    lua_pushnumber(L, static_cast<lua_Number>(PackValueRef(generation_, step)));
    lua_rawset(L, -3);
    lua_settop(L, standin);
}

void ResponseValues::PushNewValue(lua_State* L, Value value) {
    if (static_cast<std::int64_t>(values_.size()) >= kMaxValueId) {
        throw std::runtime_error("too many response values in one task iteration");
    }
    const std::int64_t ref = PackValueRef(generation_, static_cast<std::int64_t>(values_.size()));
    values_.push_back(std::move(value));
    lua_checkstack(L, 4);
    lua_rawgeti(L, LUA_REGISTRYINDEX, new_value_ref_);
    lua_call(L, 0, 1);
    PushRegistryTable(L, &kValueRefsKey);
    lua_pushvalue(L, -2);
    lua_pushnumber(L, static_cast<lua_Number>(ref));
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

namespace {
// The packed reference stored for the object at idx in the registry table `key`, or -1.
std::int64_t RefOf(lua_State* L, const char* key, int idx) {
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    PushRegistryTable(L, key);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    const std::int64_t ref = lua_isnumber(L, -1) ? static_cast<std::int64_t>(lua_tonumber(L, -1)) : -1;
    lua_pop(L, 2);
    return ref;
}
}  // namespace

const ResponseValues::Value* ResponseValues::Get(lua_State* L, int idx, std::int64_t* ref) const {
    if (!IsCdata(L, idx)) return nullptr;
    const std::int64_t packed = RefOf(L, &kValueRefsKey, idx);
    if (packed < 0) return nullptr;
    if (!active_) {
        throw std::runtime_error("a response value of capture mode is used outside the task iteration that read it"
                                 " (kept in self?)" + std::string(kOneIteration));
    }
    if (packed / kMaxValueId != generation_) {
        throw std::runtime_error("a response value from another task iteration is used (kept in self?)" +
                                 std::string(kOneIteration));
    }
    if (ref != nullptr) *ref = packed;
    return &values_[static_cast<std::size_t>(packed % kMaxValueId)];
}

std::uint32_t ResponseValues::StandInStep(lua_State* L, int idx) const {
    const std::int64_t packed = RefOf(L, &kStandInRefsKey, idx);
    if (packed < 0) throw std::runtime_error("response:json(): call it with a colon, r:json()");
    if (!active_ || packed / kMaxValueId != generation_) {
        throw std::runtime_error("a response of another task iteration is read (kept in self?)" +
                                 std::string(kOneIteration));
    }
    return static_cast<std::uint32_t>(packed % kMaxValueId);
}

const ValueRule* ResponseValues::Find(std::int64_t ref, std::string* why) const {
    const std::int64_t id = ref % kMaxValueId;
    if (!active_ || ref / kMaxValueId != generation_ || id >= static_cast<std::int64_t>(values_.size())) {
        *why = "a response value from another task iteration is used (kept in self?)" + std::string(kOneIteration);
        return nullptr;
    }
    const Value& v = values_[static_cast<std::size_t>(id)];
    if (v.kind == Value::Kind::kHeaders) {
        *why = "r.headers is the table of a response's headers: use r.headers[\"name\"]";
        return nullptr;
    }
    return &v.rule;
}

void ResponseValues::NoteComparison(lua_State* L, std::string_view op) {
    if (!active_) return;  // outside a captured iteration Get() reports the value itself
    comparisons_.push_back(detail::CallSite(L, 1) + " (" + std::string(op) + ")");
}

std::vector<std::string> ResponseValues::TakeComparisons() {
    std::vector<std::string> out;
    out.swap(comparisons_);
    return out;
}

void ResponseValues::NoteUnsupportedRead(lua_State* L, std::string_view what) {
    if (active_ && unsupported_read_.empty()) unsupported_read_ = std::string(what) + " at " + detail::CallSite(L, 1);
}

bool IsCdata(lua_State* L, int idx) { return lua_type(L, idx) == kLuaTypeCdata; }

bool ValueText(lua_State* L, int idx, ValueUse use, std::string* out, std::string* error) {
    detail::LoadContext* ctx = detail::GetContext(L);
    ResponseValues* values = ctx != nullptr ? ctx->response_values : nullptr;
    std::int64_t ref = 0;
    try {
        const ResponseValues::Value* v = values != nullptr ? values->Get(L, idx, &ref) : nullptr;
        if (v == nullptr) {
            *error = "a cdata value cannot be used here";
            return false;
        }
        if (v->kind == ResponseValues::Value::Kind::kHeaders) {
            *error = "r.headers is the table of a response's headers: use r.headers[\"name\"]";
            return false;
        }
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
    out->append(ValuePlaceholder(ref, use == ValueUse::kJsonValue ? plan::ValueEncoding::kJsonValue
                                                                  : plan::ValueEncoding::kRaw));
    return true;
}

void PrepareCaptureState(lua_State* L) {
    // LuaJIT's luaL_openlibs only preloads the FFI: require it while `require` is surely the original.
    lua_getglobal(L, "require");
    lua_pushliteral(L, "ffi");
    if (lua_pcall(L, 1, 0, 0) != 0) {
        const std::string error = lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error";
        lua_pop(L, 1);
        throw SetupError("capture mode needs LuaJIT's FFI library: " + error);
    }
    lua_getglobal(L, "tonumber");
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, &Tonumber, 1);
    lua_setglobal(L, "tonumber");
}

}  // namespace lse::lua::capture
