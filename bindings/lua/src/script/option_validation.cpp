#include "option_validation.hpp"

#include <cmath>
#include <cstdio>
#include <lua.hpp>
#include <vector>

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/http/redirect.hpp"
#include "lse/sched/rate_profile.hpp"
#include "tags_option.hpp"

namespace lse::lua::detail {
namespace {

const std::vector<std::string> kOptionNames = {"name",   "rps",        "vusers",     "duration", "ramp_up",
                                               "stages", "think_time", "thresholds", "max_wait",
                                               "on_start_failure", "max_instructions", "redirects",
                                               "compression",
                                               "cert", "key", "max_header_size", "tags"};
// max_header_size bounds, as --max-header-size's.
constexpr std::uint64_t kMinHeaderLimit = 1024;
constexpr std::uint64_t kMaxHeaderLimit = std::uint64_t{1} << 30;
const std::vector<std::string> kStageKeys = {"duration", "rps"};
const std::vector<std::string> kThinkKeys = {"min", "max"};

// Short description of a Lua value for "(got ...)" in messages.
std::string Describe(lua_State* L, int index) {
    switch (lua_type(L, index)) {
        case LUA_TNUMBER: {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%.14g", lua_tonumber(L, index));
            return buf;
        }
        case LUA_TSTRING:
            return "\"" + std::string(lua_tostring(L, index)) + "\"";
        default:
            return std::string("a ") + luaL_typename(L, index);
    }
}

// Validates while the options table sits at `index`; every failure sets problem_ and returns false.
class OptionReader {
public:
    OptionReader(lua_State* L, int index) : L_(L), index_(index) {}

    bool Read(ScenarioDef* def, bool* explicit_name) {
        *explicit_name = false;
        lua_getfield(L_, index_, "name");
        if (!lua_isnil(L_, -1)) {
            if (lua_type(L_, -1) != LUA_TSTRING || lua_objlen(L_, -1) == 0) {
                return PopFail(1, "option 'name' must be a non-empty string (got " + Describe(L_, -1) + ")");
            }
            def->name = lua_tostring(L_, -1);
            *explicit_name = true;
        }
        lua_pop(L_, 1);
        // After `name`, so that the message names the scenario the user wrote.
        if (!CheckKeys(index_, kOptionNames, "unknown option", nullptr)) return false;
        return ReadRps(def) && ReadVusers(def) && ReadDurations(def) && ReadStages(def) && ReadThinkTime(def) &&
               ReadMaxWait(def) && ReadOnStartFailure(def) && ReadMaxInstructions(def) && ReadRedirects(def) &&
               ReadCompression(def) &&
               ReadClientCertificate(def) && ReadMaxHeaderSize(def) && ReadTags(def) &&
               ReadThresholds(def) && CheckCombinations(def);
    }

    std::string problem;

private:
    bool Fail(std::string what) {
        problem = std::move(what);
        return false;
    }
    bool PopFail(int n, std::string what) {
        problem = std::move(what);
        lua_pop(L_, n);
        return false;
    }

    // Every key of the table at `table` must be one of `allowed`.
    bool CheckKeys(int table, const std::vector<std::string>& allowed, const std::string& label, const char* prefix) {
        lua_pushnil(L_);
        while (lua_next(L_, table) != 0) {
            if (lua_type(L_, -2) != LUA_TSTRING) {
                std::string key = Describe(L_, -2);
                return PopFail(2, label + " " + key + " (options are name = value pairs)");
            }
            std::string key = lua_tostring(L_, -2);
            bool known = false;
            for (const auto& a : allowed) known = known || a == key;
            if (!known) {
                std::string where = prefix == nullptr ? "'" + key + "'" : std::string(prefix) + "'" + key + "'";
                return PopFail(2, label + " " + where + DidYouMeanSuffix(key, allowed));
            }
            lua_pop(L_, 1);
        }
        return true;
    }

    bool ReadRps(ScenarioDef* def) {
        lua_getfield(L_, index_, "rps");
        if (!lua_isnil(L_, -1)) {
            double v = lua_tonumber(L_, -1);
            if (lua_type(L_, -1) != LUA_TNUMBER || !(v > 0) || !(v <= sched::kMaxRps)) {
                return PopFail(1, "option 'rps' must be a number > 0 and at most 10M (got " + Describe(L_, -1) + ")");
            }
            def->rps = v;
        }
        lua_pop(L_, 1);
        return true;
    }

    bool ReadVusers(ScenarioDef* def) {
        lua_getfield(L_, index_, "vusers");
        if (!lua_isnil(L_, -1)) {
            double v = lua_tonumber(L_, -1);
            if (lua_type(L_, -1) != LUA_TNUMBER || !(v >= 1) || std::floor(v) != v || v > 1e9) {
                return PopFail(1, "option 'vusers' must be an integer >= 1 (got " + Describe(L_, -1) + ")");
            }
            def->vusers = static_cast<int>(v);
        }
        lua_pop(L_, 1);
        return true;
    }

    bool ReadOptionalDuration(const char* key, bool allow_zero, std::optional<std::int64_t>* out) {
        lua_getfield(L_, index_, key);
        if (!lua_isnil(L_, -1)) {
            std::int64_t ns = 0;
            std::string error;
            if (!ReadDurationValue(L_, -1, std::string("option '") + key + "'", allow_zero, &ns, &error)) {
                return PopFail(1, error);
            }
            *out = ns;
        }
        lua_pop(L_, 1);
        return true;
    }

    bool ReadDurations(ScenarioDef* def) {
        return ReadOptionalDuration("duration", false, &def->duration_ns) &&
               ReadOptionalDuration("ramp_up", true, &def->ramp_up_ns);
    }

    bool ReadStages(ScenarioDef* def) {
        static const char kShape[] = "option 'stages' must be a list of { duration = \"30s\", rps = 100 }";
        lua_getfield(L_, index_, "stages");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        int stages = lua_gettop(L_);
        if (!lua_istable(L_, stages) || lua_objlen(L_, stages) == 0) return PopFail(1, kShape);
        size_t n = lua_objlen(L_, stages);
        for (size_t i = 1; i <= n; ++i) {
            std::string label = "stages[" + std::to_string(i) + "]";
            lua_rawgeti(L_, stages, static_cast<int>(i));
            int stage = lua_gettop(L_);
            if (!lua_istable(L_, stage)) return PopFail(2, std::string(kShape) + " (" + label + " is " + Describe(L_, stage) + ")");
            if (!CheckKeys(stage, kStageKeys, label + ": unknown key", nullptr)) {
                lua_pop(L_, 2);
                return false;
            }
            sched::Stage s;
            lua_getfield(L_, stage, "duration");
            if (lua_isnil(L_, -1)) return PopFail(3, label + ": missing duration (e.g. duration = \"30s\")");
            std::string error;
            if (!ReadDurationValue(L_, -1, label + ".duration", false, &s.duration_ns, &error)) return PopFail(3, error);
            lua_pop(L_, 1);
            lua_getfield(L_, stage, "rps");
            double rps = lua_tonumber(L_, -1);
            if (lua_type(L_, -1) != LUA_TNUMBER || !(rps >= 0) || !(rps <= sched::kMaxRps)) {
                return PopFail(3, label + ".rps must be a number from 0 to 10M (got " + Describe(L_, -1) + ")");
            }
            s.target_rps = rps;
            lua_pop(L_, 2);
            def->stages.push_back(s);
        }
        // A table with extra non-sequence entries is a typo rather than a list.
        size_t count = 0;
        lua_pushnil(L_);
        while (lua_next(L_, stages) != 0) {
            ++count;
            lua_pop(L_, 1);
        }
        lua_pop(L_, 1);
        if (count != n) return Fail(kShape);
        return true;
    }

    bool ReadThinkTime(ScenarioDef* def) {
        lua_getfield(L_, index_, "think_time");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        std::string error;
        std::int64_t min_ns = 0, max_ns = 0;
        if (lua_istable(L_, -1)) {
            int t = lua_gettop(L_);
            if (!CheckKeys(t, kThinkKeys, "think_time: unknown key", nullptr)) {
                lua_pop(L_, 1);
                return false;
            }
            lua_getfield(L_, t, "min");
            lua_getfield(L_, t, "max");
            if (lua_isnil(L_, -2) || lua_isnil(L_, -1)) {
                return PopFail(3, "think_time needs both min and max, e.g. { min = \"0.5s\", max = \"2s\" }");
            }
            if (!ReadDurationValue(L_, -2, "think_time.min", true, &min_ns, &error) ||
                !ReadDurationValue(L_, -1, "think_time.max", true, &max_ns, &error)) {
                return PopFail(3, error);
            }
            lua_pop(L_, 3);
            if (min_ns > max_ns) {
                return Fail("think_time.min (" + FormatDurationNs(min_ns) + ") is greater than think_time.max (" +
                            FormatDurationNs(max_ns) + ")");
            }
        } else {
            if (!ReadDurationValue(L_, -1, "option 'think_time'", true, &min_ns, &error)) return PopFail(1, error);
            lua_pop(L_, 1);
            max_ns = min_ns;
        }
        def->think_min_ns = min_ns;
        def->think_max_ns = max_ns;
        return true;
    }

    bool ReadOnStartFailure(ScenarioDef* def) {
        lua_getfield(L_, index_, "on_start_failure");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        const std::string value = lua_type(L_, -1) == LUA_TSTRING ? lua_tostring(L_, -1) : std::string();
        if (value != "skip" && value != "abort") {
            const std::string got = Describe(L_, -1);
            return PopFail(1, "option 'on_start_failure' must be \"skip\" (virtual users whose on_start failed take "
                              "no load) or \"abort\" (stop the run), got " +
                                  got + DidYouMeanSuffix(value, {"skip", "abort"}));
        }
        lua_pop(L_, 1);
        def->abort_on_start_failure = value == "abort";
        return true;
    }

    // compression = false: the scenario's requests send no default Accept-Encoding (a request's own option wins).
    bool ReadCompression(ScenarioDef* def) {
        lua_getfield(L_, index_, "compression");
        if (!lua_isnil(L_, -1)) {
            if (lua_type(L_, -1) != LUA_TBOOLEAN) {
                return PopFail(1, "option 'compression' must be true or false (got " + Describe(L_, -1) + ")");
            }
            def->compression = lua_toboolean(L_, -1) != 0;
        }
        lua_pop(L_, 1);
        return true;
    }

    // cert = "client.pem" (key = "client.key"): this scenario's client certificate for mutual TLS, instead of
    // --cert/--key. Paths as written (the CLI resolves them against the script's directory and loads them).
    bool ReadClientCertificate(ScenarioDef* def) {
        for (const char* option : {"cert", "key"}) {
            lua_getfield(L_, index_, option);
            if (!lua_isnil(L_, -1)) {
                if (lua_type(L_, -1) != LUA_TSTRING || lua_objlen(L_, -1) == 0) {
                    return PopFail(1, std::string("option '") + option + "' must be the path of a PEM file (got " +
                                          Describe(L_, -1) + ")");
                }
                (option[0] == 'c' ? def->cert : def->key) = lua_tostring(L_, -1);
            }
            lua_pop(L_, 1);
        }
        if (!def->key.empty() && def->cert.empty()) {
            return Fail("option 'key' needs option 'cert' (the client certificate the key belongs to)");
        }
        return true;
    }

    // max_header_size = "128KiB" (or a number of bytes): this scenario's response-header limit, instead of
    // --max-header-size; the same units and bounds.
    bool ReadMaxHeaderSize(ScenarioDef* def) {
        lua_getfield(L_, index_, "max_header_size");
        if (!lua_isnil(L_, -1)) {
            const std::string got = Describe(L_, -1);
            std::uint64_t bytes = 0;
            bool ok = false;
            if (lua_type(L_, -1) == LUA_TNUMBER) {
                const double v = lua_tonumber(L_, -1);
                ok = v >= 0 && v <= 9e18 && std::floor(v) == v;
                bytes = ok ? static_cast<std::uint64_t>(v) : 0;
            } else if (lua_type(L_, -1) == LUA_TSTRING) {
                try {
                    bytes = ParseByteSize(lua_tostring(L_, -1), "option 'max_header_size'");
                    ok = true;
                } catch (const UsageError&) {
                }
            }
            if (!ok || bytes < kMinHeaderLimit || bytes > kMaxHeaderLimit) {
                return PopFail(1, "option 'max_header_size' must be a size from 1KiB to 1GiB, e.g. \"128KiB\" or "
                                  "131072 (got " + got + ")");
            }
            def->max_header_bytes = bytes;
        }
        lua_pop(L_, 1);
        return true;
    }

    // tags = { env = "staging" }: on every request of the scenario (a request's own tag of the same key wins).
    bool ReadTags(ScenarioDef* def) {
        lua_getfield(L_, index_, "tags");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        const int top = lua_gettop(L_);
        std::string pairs;
        try {
            ReadTagsTable(L_, top, "option 'tags'", &pairs);
            MergeTags("", pairs, "option 'tags'", &def->tags);
        } catch (const std::exception& e) {
            lua_settop(L_, top);
            return PopFail(1, e.what());
        }
        lua_pop(L_, 1);
        return true;
    }

    // Instruction budget per run of the scenario's Lua code (runaway loops): an integer >= 0, 0 = no limit.
    bool ReadMaxInstructions(ScenarioDef* def) {
        lua_getfield(L_, index_, "max_instructions");
        if (!lua_isnil(L_, -1)) {
            const double v = lua_tonumber(L_, -1);
            if (lua_type(L_, -1) != LUA_TNUMBER || !(v >= 0) || std::floor(v) != v || v > 9e18) {
                return PopFail(1, "option 'max_instructions' must be an integer >= 0 (Lua instructions one iteration "
                                  "may run; 0 = no limit) (got " + Describe(L_, -1) + ")");
            }
            def->max_instructions = static_cast<std::int64_t>(v);
        }
        lua_pop(L_, 1);
        return true;
    }

    // Redirects every request of the scenario follows unless it says otherwise (0 = none); --max-redirects wins.
    bool ReadRedirects(ScenarioDef* def) {
        lua_getfield(L_, index_, "redirects");
        if (!lua_isnil(L_, -1)) {
            const double v = lua_tonumber(L_, -1);
            if (lua_type(L_, -1) != LUA_TNUMBER || !(v >= 0) || std::floor(v) != v || v > http::kMaxRedirectsLimit) {
                return PopFail(1, "option 'redirects' must be an integer from 0 (do not follow redirects) to " +
                                      std::to_string(http::kMaxRedirectsLimit) + " (got " + Describe(L_, -1) + ")");
            }
            def->max_redirects = static_cast<int>(v);
        }
        lua_pop(L_, 1);
        return true;
    }

    bool ReadMaxWait(ScenarioDef* def) {
        lua_getfield(L_, index_, "max_wait");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        std::string error;
        std::int64_t ns = 0;
        if (!ReadDurationValue(L_, -1, "option 'max_wait'", true, &ns, &error)) return PopFail(1, error);
        lua_pop(L_, 1);
        def->max_wait_ns = ns;
        return true;
    }

    bool ReadThresholds(ScenarioDef* def) {
        static const char kShape[] =
            "option 'thresholds' must be a list of strings or tables, e.g. { \"p95 < 200ms\", "
            "{ \"error_rate < 5%\", abort_on_fail = true, delay = \"10s\" } }";
        lua_getfield(L_, index_, "thresholds");
        if (lua_isnil(L_, -1)) {
            lua_pop(L_, 1);
            return true;
        }
        int t = lua_gettop(L_);
        if (!lua_istable(L_, t)) return PopFail(1, std::string(kShape) + " (got " + Describe(L_, t) + ")");
        size_t n = lua_objlen(L_, t);
        size_t count = 0;
        lua_pushnil(L_);
        while (lua_next(L_, t) != 0) {
            ++count;
            lua_pop(L_, 1);
        }
        if (count != n) return PopFail(1, kShape);
        for (size_t i = 1; i <= n; ++i) {
            const std::string label = "thresholds[" + std::to_string(i) + "]";
            lua_rawgeti(L_, t, static_cast<int>(i));
            ThresholdDef entry{"", def->defined_at};
            if (lua_istable(L_, -1)) {
                if (!ReadThresholdTable(lua_gettop(L_), label, &entry)) {
                    lua_pop(L_, 2);
                    return false;
                }
            } else if (lua_type(L_, -1) == LUA_TSTRING) {
                entry.expression = lua_tostring(L_, -1);
            } else {
                return PopFail(2, label + " must be a string such as \"p95 < 200ms\" or a table such as "
                                          "{ \"error_rate < 5%\", abort_on_fail = true } (got " +
                                      Describe(L_, -1) + ")");
            }
            def->thresholds.push_back(std::move(entry));
            lua_pop(L_, 1);
        }
        lua_pop(L_, 1);
        return true;
    }

    // { "error_rate < 5%", abort_on_fail = true, delay = "10s" } at `table`; leaves the stack as it found it.
    bool ReadThresholdTable(int table, const std::string& label, ThresholdDef* entry) {
        static const std::vector<std::string> kKeys = {"abort_on_fail", "delay"};
        // Every key is either [1] (the expression) or a known option.
        lua_pushnil(L_);
        while (lua_next(L_, table) != 0) {
            lua_pop(L_, 1);
            if (lua_type(L_, -1) == LUA_TNUMBER && lua_tonumber(L_, -1) == 1) continue;
            if (lua_type(L_, -1) != LUA_TSTRING) {
                return PopFail(1, label + ": unexpected entry [" + Describe(L_, -1) +
                                      "]: a threshold table holds one expression, e.g. "
                                      "{ \"error_rate < 5%\", abort_on_fail = true }");
            }
            const std::string key = lua_tostring(L_, -1);
            bool known = false;
            for (const auto& k : kKeys) known = known || k == key;
            if (!known) return PopFail(1, label + ": unknown key '" + key + "'" + DidYouMeanSuffix(key, kKeys));
        }
        lua_rawgeti(L_, table, 1);
        if (lua_type(L_, -1) != LUA_TSTRING) {
            return PopFail(1, label + "[1] must be the threshold, a string such as \"error_rate < 5%\" (got " +
                                  Describe(L_, -1) + ")");
        }
        entry->expression = lua_tostring(L_, -1);
        lua_pop(L_, 1);
        lua_getfield(L_, table, "abort_on_fail");
        if (!lua_isnil(L_, -1)) {
            if (!lua_isboolean(L_, -1)) {
                return PopFail(1, label + ".abort_on_fail must be true or false (got " + Describe(L_, -1) + ")");
            }
            entry->abort_on_fail = lua_toboolean(L_, -1) != 0;
        }
        lua_pop(L_, 1);
        lua_getfield(L_, table, "delay");
        if (!lua_isnil(L_, -1)) {
            std::string error;
            if (!ReadDurationValue(L_, -1, label + ".delay", true, &entry->delay_ns, &error)) return PopFail(1, error);
            // A delay only postpones the early abort: without abort_on_fail it would silently do nothing.
            if (!entry->abort_on_fail) {
                return PopFail(1, label + ": delay applies only with abort_on_fail = true (every threshold is "
                                          "judged at the end of the run)");
            }
        }
        lua_pop(L_, 1);
        return true;
    }

    bool CheckCombinations(ScenarioDef* def) {
        if (!def->stages.empty() && (def->rps || def->duration_ns || def->ramp_up_ns)) {
            return Fail("stages cannot be combined with rps, duration or ramp_up: stages define the whole load curve");
        }
        if (def->think_min_ns && (def->rps || !def->stages.empty())) {
            return Fail("think_time applies to the closed model (no rps/stages): in the open model arrivals are paced "
                        "by rps");
        }
        if (def->max_wait_ns && !def->rps && def->stages.empty()) {
            return Fail("max_wait applies to the open model (rps or stages): in the closed model a virtual user "
                        "starts its next task itself, nothing waits for it");
        }
        if (def->ramp_up_ns && def->duration_ns && *def->ramp_up_ns > *def->duration_ns) {
            return Fail("ramp_up (" + FormatDurationNs(*def->ramp_up_ns) + ") is longer than duration (" +
                        FormatDurationNs(*def->duration_ns) + ")");
        }
        return true;
    }

    lua_State* L_;
    int index_;
};

}  // namespace

bool ReadDurationValue(lua_State* L, int index, const std::string& what, bool allow_zero, std::int64_t* out,
                       std::string* error) {
    std::int64_t ns = 0;
    if (lua_type(L, index) == LUA_TNUMBER) {
        double seconds = lua_tonumber(L, index);
        if (!std::isfinite(seconds) || seconds < 0 || seconds > 9e9) {
            *error = what + " must be a duration such as \"30s\" or a number of seconds (got " + Describe(L, index) + ")";
            return false;
        }
        ns = static_cast<std::int64_t>(std::llround(seconds * 1e9));
    } else if (lua_type(L, index) == LUA_TSTRING) {
        std::string problem;
        if (!TryParseDurationNs(lua_tostring(L, index), 0, &ns, &problem)) {
            *error = what + ": " + problem;
            return false;
        }
    } else {
        *error = what + " must be a duration such as \"30s\" or a number of seconds (got " + Describe(L, index) + ")";
        return false;
    }
    if (ns < 0 || (ns == 0 && !allow_zero)) {
        *error = what + " must be " + (allow_zero ? ">= 0" : "> 0") + " (got " + Describe(L, index) + ")";
        return false;
    }
    *out = ns;
    return true;
}

bool ParseScenarioOptions(lua_State* L, int index, const std::string& where, ScenarioDef* def, bool* explicit_name,
                          std::string* error) {
    if (index < 0) index = lua_gettop(L) + index + 1;
    lua_checkstack(L, 10);
    OptionReader reader(L, index);
    if (reader.Read(def, explicit_name)) return true;
    *error = where + ": scenario '" + def->name + "': " + reader.problem;
    return false;
}

}  // namespace lse::lua::detail
