#pragma once
/// @file
/// Writing the files a run produces (--summary-json, --report): checked before the run so a typo fails before
/// any load is sent, written whole at the end so a reader never sees half a file.

#include <string>
#include <string_view>

namespace lse::report {

/// Throws lse::SetupError("<what> <path>: ...") when path's directory does not exist or is not writable, or
/// when path is a directory.
void CheckWritablePath(const std::string& path, const std::string& what);

/// Writes `content` to path.tmp and renames it over path. fflush and fclose are checked too: that is where a
/// full disk shows up. Throws lse::SetupError("<what> <path>: <step>: <strerror>") and removes path.tmp.
void WriteFileAtomically(const std::string& path, std::string_view content, const std::string& what);

}  // namespace lse::report
