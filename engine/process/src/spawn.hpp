#pragma once
// fork + exec of one child, with the setup every lsengine child gets. Used by Process::Start only.

#include <sys/types.h>

#include "lse/process/spawn_options.hpp"

namespace lse::process::detail {

/// The child's pid, or -1 with *error filled in (a child that failed to exec is already reaped).
pid_t Spawn(const SpawnOptions& options, SpawnError* error);

}  // namespace lse::process::detail
