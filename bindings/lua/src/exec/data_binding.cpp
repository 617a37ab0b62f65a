#include "data_binding.hpp"

#include <cstdlib>
#include <lua.hpp>
#include <random>
#include <string>

#include "load_context.hpp"
#include "lse/core/errors.hpp"
#include "lse/data/feeder_set.hpp"
#include "plan_capture_templates.hpp"
#include "protected_call.hpp"

namespace lse::lua::detail {
namespace {

constexpr char kFeederMeta[] = "lsengine.data.file";
constexpr char kRowMeta[] = "lsengine.data.row";

// What a feeder object in one lua_State holds. The Feeder itself is owned by the run's FeederSet.
struct FeederRef {
    data::Feeder* feeder;
    LoadContext* ctx;
    std::uint32_t index;  // declaration index: the plan's feed
};

// A row handed out by next(). In capture mode `row` is the draw number and fields are placeholders. It holds a
// copy of its file's reference, not a pointer to it: a row may outlive the file object (csv(...):next()).
struct RowRef {
    FeederRef file;
    std::int64_t row;
    bool placeholder;
};

LoadContext* ContextOf(lua_State* L) { return static_cast<LoadContext*>(lua_touserdata(L, lua_upvalueindex(1))); }

std::string Dir(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string Resolve(const std::string& script, const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    return Dir(script) + path;
}

struct DeclareOptions {
    data::CsvOptions csv;
    data::FeederOptions feeder;
    bool seeded = false;
};

// Reads opts (index 2) into *o; throws UsageError naming the option.
void ReadOptions(lua_State* L, bool csv, const std::string& fn, DeclareOptions* o) {
    if (lua_isnoneornil(L, 2)) return;
    if (!lua_istable(L, 2)) throw UsageError(fn + ": the second argument must be a table of options");
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) throw UsageError(fn + ": option names must be strings");
        const std::string key = lua_tostring(L, -2);
        const int type = lua_type(L, -1);
        if (key == "header" && csv) {
            if (type != LUA_TBOOLEAN) throw UsageError(fn + ": header must be true or false");
            o->csv.header = lua_toboolean(L, -1) != 0;
        } else if (key == "separator" && csv) {
            size_t len = 0;
            const char* s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : nullptr;
            if (s == nullptr || len != 1) throw UsageError(fn + ": separator must be one character, e.g. \";\" or \"\\t\"");
            o->csv.separator = s[0];
        } else if (key == "mode") {
            auto mode = type == LUA_TSTRING ? data::ParseAccessMode(lua_tostring(L, -1)) : std::nullopt;
            if (!mode) throw UsageError(fn + ": mode must be \"sequential\", \"per_vu\", \"random\" or \"unique\"");
            o->feeder.mode = *mode;
        } else if (key == "on_exhausted") {
            auto on = type == LUA_TSTRING ? data::ParseOnExhausted(lua_tostring(L, -1)) : std::nullopt;
            if (!on) throw UsageError(fn + ": on_exhausted must be \"stop\" or \"wrap\"");
            o->feeder.on_exhausted = *on;
        } else if (key == "seed") {
            const double d = type == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
            if (d < 0 || d != static_cast<double>(static_cast<std::uint64_t>(d))) {
                throw UsageError(fn + ": seed must be a non-negative integer");
            }
            o->feeder.seed = static_cast<std::uint64_t>(d);
            o->seeded = true;
        } else {
            throw UsageError(fn + ": unknown option '" + key + "' (options: " +
                             (csv ? "header, separator, " : "") + "mode, on_exhausted, seed)");
        }
        lua_pop(L, 1);
    }
}

// The identity of a declaration across states: the same file with the same options.
std::string KeyOf(const std::string& resolved, bool csv, const DeclareOptions& o) {
    std::string key = (csv ? "csv:" : "json:") + resolved;
    key += "|" + std::to_string(o.csv.header) + o.csv.separator;
    key += "|" + std::string(data::AccessModeName(o.feeder.mode)) + "|" +
           std::string(data::OnExhaustedName(o.feeder.on_exhausted));
    if (o.seeded) key += "|" + std::to_string(o.feeder.seed);
    return key;
}

int Declare(lua_State* L, bool csv) {
    LoadContext* ctx = ContextOf(L);
    const char* fn_name = csv ? "lsengine.data.csv" : "lsengine.data.json";
    char message[1024];
    try {
        const std::string fn = fn_name;
        if (!ctx->loading) {
            throw UsageError(fn + " can only be called at the top level of the file, while it loads (data files are "
                                  "loaded once, before the run)");
        }
        if (lua_type(L, 1) != LUA_TSTRING) throw UsageError(fn + "(path [, opts]): path must be a string");
        const std::string name = lua_tostring(L, 1);
        DeclareOptions o;
        ReadOptions(L, csv, fn, &o);
        const std::string resolved = Resolve(ctx->path, name);
        const std::size_t index = ctx->data_declared++;
        std::shared_ptr<data::Feeder> feeder = ctx->shared->Feeds().Declare(
            index, name, KeyOf(resolved, csv, o), [&]() {
                const std::string text = data::ReadDataFile(resolved);
                auto table = std::make_shared<const data::DataTable>(
                    csv ? data::ParseCsv(text, o.csv, resolved) : data::ParseJsonRows(text, resolved));
                if (table->RowCount() == 0) throw UsageError(resolved + ": the data file has no rows");
                data::FeederOptions options = o.feeder;
                if (!o.seeded) options.seed = std::random_device{}();
                return std::make_shared<data::Feeder>(std::move(table), options, name);
            });
        auto* ref = static_cast<FeederRef*>(lua_newuserdata(L, sizeof(FeederRef)));
        // The run's FeederSet owns the feeder until the run ends, after every state that points at it.
        *ref = FeederRef{feeder.get(), ctx, static_cast<std::uint32_t>(index)};
        luaL_getmetatable(L, kFeederMeta);
        lua_setmetatable(L, -2);
        return 1;
    } catch (const UsageError& e) {
        detail::CopyMessage(e, message, sizeof(message));
        if (ctx->usage_error.empty()) ctx->usage_error = CallSite(L, 1) + ": " + message;
    } catch (const std::exception& e) {
        detail::CopyMessage(e, message, sizeof(message));
    }
    RaiseLuaError(L, message);
}

int LuaCsv(lua_State* L) { return Declare(L, true); }
int LuaJson(lua_State* L) { return Declare(L, false); }

FeederRef* CheckFeeder(lua_State* L) { return static_cast<FeederRef*>(luaL_checkudata(L, 1, kFeederMeta)); }

int FeederNext(lua_State* L) {
    FeederRef* f = CheckFeeder(L);
    LoadContext* ctx = f->ctx;
    const data::FeederOptions& options = f->feeder->Options();
    std::int64_t row = 0;
    bool placeholder = false;
    if (ctx->capture_mode && options.mode != data::AccessMode::kPerVu) {
        // The agent draws this row per iteration: hand out the draw number, fields become placeholders.
        if (ctx->capture_draws.size() <= f->index) ctx->capture_draws.resize(f->index + 1, 0);
        row = ctx->capture_draws[f->index]++;
        placeholder = true;
    } else {
        row = f->feeder->Next(ctx->current_vu);
        if (row == data::Feeder::kNoRow) {
            ctx->shared->Feeds().Stop();  // on_exhausted = stop: no new iteration anywhere in the run
            return luaL_error(L, "%s: every one of its %d rows was used (mode = \"unique\"); on_exhausted = \"wrap\" "
                                 "starts over instead; the run starts no new iteration",
                              f->feeder->Name().c_str(), static_cast<int>(f->feeder->Table().RowCount()));
        }
        if (f->feeder->TakeWrapWarning()) {
            std::fprintf(stderr, "lsengine: warning: %s: every row was used once (mode = \"unique\"), starting over "
                                 "(on_exhausted = \"wrap\")\n", f->feeder->Name().c_str());
        }
    }
    auto* r = static_cast<RowRef*>(lua_newuserdata(L, sizeof(RowRef)));
    *r = RowRef{*f, row, placeholder};
    luaL_getmetatable(L, kRowMeta);
    lua_setmetatable(L, -2);
    return 1;
}

int FeederCount(lua_State* L) {
    lua_pushinteger(L, static_cast<lua_Integer>(CheckFeeder(L)->feeder->Table().RowCount()));
    return 1;
}

int FeederIndex(lua_State* L) {
    CheckFeeder(L);
    const char* key = lua_tostring(L, 2);
    if (key != nullptr && std::string_view(key) == "next") {
        lua_pushcfunction(L, FeederNext);
        return 1;
    }
    if (key != nullptr && std::string_view(key) == "count") {
        lua_pushcfunction(L, FeederCount);
        return 1;
    }
    return luaL_error(L, "a data file has no field '%s' (use :next() for a row, :count() for the number of rows)",
                      key != nullptr ? key : "?");
}

int FeederToString(lua_State* L) {
    FeederRef* f = CheckFeeder(L);
    const std::string_view mode = data::AccessModeName(f->feeder->Options().mode);
    lua_pushfstring(L, "data file %s (%d rows, %s)", f->feeder->Name().c_str(),
                    static_cast<int>(f->feeder->Table().RowCount()), mode.data());
    return 1;
}

void PushCell(lua_State* L, std::string_view text, data::CellKind kind) {
    switch (kind) {
        case data::CellKind::kNumber:
            lua_pushnumber(L, std::strtod(std::string(text).c_str(), nullptr));
            return;
        case data::CellKind::kBool:
            lua_pushboolean(L, text == "true" ? 1 : 0);
            return;
        case data::CellKind::kNull:
            lua_pushnil(L);
            return;
        default:
            lua_pushlstring(L, text.data(), text.size());
    }
}

int RowIndex(lua_State* L) {
    auto* r = static_cast<RowRef*>(luaL_checkudata(L, 1, kRowMeta));
    const data::DataTable& table = r->file.feeder->Table();
    int column = -1;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        const double d = lua_tonumber(L, 2);
        if (d >= 1 && d <= static_cast<double>(table.ColumnCount()) && d == static_cast<int>(d)) column = static_cast<int>(d) - 1;
        if (column < 0) {
            return luaL_error(L, "%s has %d columns: row[%s] does not exist", r->file.feeder->Name().c_str(),
                              static_cast<int>(table.ColumnCount()), lua_tostring(L, 2));
        }
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        column = table.ColumnIndex(lua_tostring(L, 2));
        if (column < 0) {
            {  // no C++ object may be alive when lua_error unwinds
                std::string names;
                for (const auto& c : table.Columns()) names += (names.empty() ? "" : ", ") + c;
                lua_pushfstring(L, "%s has no column '%s' (columns: %s)", r->file.feeder->Name().c_str(),
                                lua_tostring(L, 2), names.c_str());
            }
            return lua_error(L);
        }
    } else {
        return luaL_error(L, "a data row is indexed by a column name or a position");
    }
    if (r->placeholder) {
        const std::string p = capture::DataPlaceholder(r->file.index, static_cast<std::uint32_t>(r->row),
                                                       static_cast<std::uint32_t>(column));
        lua_pushlstring(L, p.data(), p.size());
        return 1;
    }
    const auto row = static_cast<std::size_t>(r->row);
    PushCell(L, table.Cell(row, static_cast<std::size_t>(column)), table.Kind(row, static_cast<std::size_t>(column)));
    return 1;
}

int RowNewIndex(lua_State* L) { return luaL_error(L, "data rows are read-only (copy a value into a local to change it)"); }

}  // namespace

void InstallDataFunctions(lua_State* L, LoadContext* ctx) {
    luaL_newmetatable(L, kFeederMeta);
    lua_pushcfunction(L, FeederIndex);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, FeederToString);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newmetatable(L, kRowMeta);
    lua_pushcfunction(L, RowIndex);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, RowNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);

    lua_createtable(L, 0, 2);
    const luaL_Reg fns[] = {{"csv", LuaCsv}, {"json", LuaJson}};
    for (const auto& fn : fns) {
        lua_pushlightuserdata(L, ctx);
        lua_pushcclosure(L, fn.func, 1);
        lua_setfield(L, -2, fn.name);
    }
    lua_setfield(L, -2, "data");
}

}  // namespace lse::lua::detail
