#pragma once
/// @file
/// PATH lookup done before fork: after fork in a multi-threaded process only async-signal-safe calls are
/// allowed (no allocation, no PATH walking), and a missing program is a clear error instead of an exec failure.

#include <string>

namespace lse::process {

/// `name` itself when it holds a '/', else the first executable `dir/name` along $PATH (an empty entry is the
/// current directory), then /usr/sbin, /usr/local/sbin and /sbin (Debian installs nats-server in /usr/sbin).
/// Empty when none is executable (for a name with '/': when it is not executable).
std::string FindProgram(const std::string& name);

}  // namespace lse::process
