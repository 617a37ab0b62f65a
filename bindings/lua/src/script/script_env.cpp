#include "lse/lua/script_env.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"

namespace lse::lua {
namespace {

bool IsKeyStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsKeyChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool ValidKey(std::string_view key) {
    return !key.empty() && IsKeyStart(key.front()) && std::all_of(key.begin(), key.end(), IsKeyChar);
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// The value part of an env-file line (after '='); `where` is "FILE:LINE" for errors.
std::string ParseValue(std::string_view raw, const std::string& where) {
    raw = Trim(raw);
    if (raw.empty()) return {};
    const char quote = raw.front();
    if (quote == '\'' || quote == '"') {
        std::string out;
        size_t i = 1;
        for (; i < raw.size() && raw[i] != quote; ++i) {
            if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size()) {
                const char e = raw[++i];
                out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            } else {
                out += raw[i];
            }
        }
        if (i >= raw.size()) throw UsageError(where + ": the value's closing " + std::string(1, quote) + " is missing");
        const std::string_view rest = Trim(raw.substr(i + 1));
        if (!rest.empty() && rest.front() != '#') {
            throw UsageError(where + ": unexpected text after the quoted value: '" + std::string(rest) + "'");
        }
        return out;
    }
    // Unquoted: " #" starts a comment (a '#' inside a value, as in a URL fragment, stays).
    const size_t comment = raw.find(" #");
    return std::string(Trim(raw.substr(0, comment)));
}

int EnvReadOnly(lua_State* L) {
    const char* key = lua_tostring(L, 2);
    return luaL_error(L, "lsengine.env is read-only (tried to set '%s'): pass values with -e KEY=VALUE or --env-file",
                      key != nullptr ? key : "?");
}

// os.getenv(name): the script's environment first, then the process's.
int GetEnv(lua_State* L) {
    const auto* env = static_cast<const ScriptEnv*>(lua_touserdata(L, lua_upvalueindex(1)));
    const char* name = luaL_checkstring(L, 1);
    auto it = env->values.find(name);
    if (it != env->values.end()) {
        lua_pushlstring(L, it->second.data(), it->second.size());
        return 1;
    }
    const char* value = std::getenv(name);
    if (value == nullptr) {
        lua_pushnil(L);
    } else {
        lua_pushstring(L, value);
    }
    return 1;
}

}  // namespace

bool ScriptEnv::IsSecret(std::string_view key) const {
    return IsSecretEnvName(key) || std::find(redact_keys.begin(), redact_keys.end(), key) != redact_keys.end();
}

void AddEnvAssignment(std::string_view assignment, std::string_view flag, ScriptEnv* env) {
    const size_t eq = assignment.find('=');
    if (eq == std::string_view::npos) {
        throw UsageError(std::string(flag) + " " + std::string(assignment) + ": expected KEY=VALUE (e.g. " +
                         std::string(flag) + " API_TOKEN=abc)");
    }
    const std::string_view key = assignment.substr(0, eq);
    if (!ValidKey(key)) {
        throw UsageError(std::string(flag) + ": '" + std::string(key) +
                         "' is not a valid name (letters, digits and _, not starting with a digit)");
    }
    env->values[std::string(key)] = std::string(assignment.substr(eq + 1));
}

void ParseEnvText(std::string_view text, const std::string& source, ScriptEnv* env) {
    int line_no = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        const std::string where = source + ":" + std::to_string(line_no);
        line = Trim(line);
        if (line.empty() || line.front() == '#') continue;
        if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") line = Trim(line.substr(7));
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            throw UsageError(where + ": expected KEY=VALUE, got '" + std::string(line) + "'");
        }
        const std::string_view key = Trim(line.substr(0, eq));
        if (!ValidKey(key)) {
            throw UsageError(where + ": '" + std::string(key) +
                             "' is not a valid name (letters, digits and _, not starting with a digit)");
        }
        env->values[std::string(key)] = ParseValue(line.substr(eq + 1), where);
    }
}

void ReadEnvFile(const std::string& path, ScriptEnv* env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("--env-file " + path + ": cannot read: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    ParseEnvText(text.str(), path, env);
}

std::vector<std::string> RegisterEnvSecrets(const ScriptEnv& env) {
    std::vector<std::string> too_short;
    for (const auto& [key, value] : env.values) {
        if (!env.IsSecret(key) || value.empty()) continue;
        if (!AddSecretValue(value)) too_short.push_back(key);
    }
    return too_short;
}

namespace detail {

void InstallScriptEnv(lua_State* L, const ScriptEnv* env) {
    // lsengine.env: an empty proxy whose metatable reads the values table and refuses writes.
    lua_getglobal(L, "lsengine");
    if (!lua_istable(L, -1)) {  // the loader installs it first (template_funcs); a table either way
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setglobal(L, "lsengine");
    }
    lua_newtable(L);  // proxy
    lua_createtable(L, 0, 3);  // its metatable
    lua_createtable(L, 0, static_cast<int>(env->values.size()));
    for (const auto& [key, value] : env->values) {
        lua_pushlstring(L, value.data(), value.size());
        lua_setfield(L, -2, key.c_str());
    }
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, EnvReadOnly);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");  // getmetatable() cannot reach the values table to change it
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "env");
    lua_pop(L, 1);

    lua_getglobal(L, "os");
    if (lua_istable(L, -1)) {
        lua_pushlightuserdata(L, const_cast<ScriptEnv*>(env));
        lua_pushcclosure(L, GetEnv, 1);
        lua_setfield(L, -2, "getenv");
    }
    lua_pop(L, 1);
}

}  // namespace detail
}  // namespace lse::lua
