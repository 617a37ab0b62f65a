#pragma once
/// @file
/// lsengine.data.csv(path [, opts]) and lsengine.data.json(path [, opts]): data files for scenarios.
///
/// Called at the file's top level; the path is relative to the script's directory. The file is loaded once per
/// run (lse/data/feeder_set.hpp) and every worker's state gets a feeder object onto the same rows:
///   local users = lsengine.data.csv("users.csv", { mode = "unique" })
///   users:next()  -> a read-only row: row.username (by column name), row[1] (by position)
///   users:count() -> the number of rows
/// opts: header (CSV, default true), separator (CSV, one character, default ","), mode ("sequential" (default),
/// "per_vu", "random", "unique"), on_exhausted (unique: "stop" (default) or "wrap"), seed (random).
///
/// Capture mode (plan_capture.hpp): next() of a sequential, random or unique file hands out a row whose fields
/// are placeholders ("~LSE~data~<file>~<draw>~<column>~") that become kData template segments, so agents draw
/// the rows themselves; a per_vu file's rows are real (the virtual user's row is known) and become literal text.

struct lua_State;

namespace lse::lua::detail {

struct LoadContext;

/// Adds the `data` table to the `lsengine` global table on top of the stack.
void InstallDataFunctions(lua_State* L, LoadContext* ctx);

}  // namespace lse::lua::detail
