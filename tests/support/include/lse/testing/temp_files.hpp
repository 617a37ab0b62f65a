#pragma once
/// @file
/// Where tests put scratch files, and reading them back. ctest sets TMPDIR to <build>/test-tmp
/// (tests/CMakeLists.txt), so logs, generated scenarios and private server directories stay in the build tree
/// instead of piling up in /tmp.

#include <string>

namespace lse::testing {

/// $TMPDIR, or /tmp when it is unset (a test binary started by hand).
std::string TempDir();

/// TempDir()/<name>-<pid><suffix>: a per-process path for a named scratch file (logs of child processes).
/// The file is not created.
std::string TempPath(const std::string& name, const std::string& suffix = "");

/// mkstemp-style: creates an empty unique file TempDir()/<prefix>XXXXXX<suffix> and returns its path.
/// Throws std::runtime_error when it cannot.
std::string MakeTempFile(const std::string& prefix, const std::string& suffix = "");

/// mkdtemp-style: creates a unique directory TempDir()/<prefix>XXXXXX and returns its path.
/// Throws std::runtime_error when it cannot.
std::string MakeTempDir(const std::string& prefix);

/// The whole file, byte for byte; empty when it cannot be read (a log a child has not written yet reads as "").
std::string ReadWhole(const std::string& path);

}  // namespace lse::testing
