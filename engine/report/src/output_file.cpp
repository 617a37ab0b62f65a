#include "lse/report/output_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "lse/core/errors.hpp"

namespace lse::report {
namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& path, const char* step, int error) {
    throw SetupError(what + " " + path + ": " + step + ": " + std::strerror(error));
}

}  // namespace

void CheckWritablePath(const std::string& path, const std::string& what) {
    if (path.empty()) throw SetupError(what + ": empty path");
    const std::filesystem::path p(path);
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw SetupError(what + " " + path + ": directory " + dir.string() + " does not exist");
    }
    if (::access(dir.c_str(), W_OK) != 0) Fail(what, path, ("directory " + dir.string() + " is not writable").c_str(), errno);
    if (std::filesystem::is_directory(p, ec)) throw SetupError(what + " " + path + ": is a directory");
}

void WriteFileAtomically(const std::string& path, std::string_view content, const std::string& what) {
    const std::string tmp = path + ".tmp";
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    if (file == nullptr) Fail(what, path, ("cannot create " + tmp).c_str(), errno);
    const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
    int error = errno;
    const bool flushed = written && std::fflush(file) == 0;
    if (written && !flushed) error = errno;
    const bool closed = std::fclose(file) == 0;
    if (written && flushed && !closed) error = errno;
    if (!written || !flushed || !closed) {
        std::remove(tmp.c_str());
        Fail(what, path, "write failed", error);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = errno;
        std::remove(tmp.c_str());
        Fail(what, path, "cannot rename the temporary file into place", error);
    }
}

}  // namespace lse::report
