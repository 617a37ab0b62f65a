#include "lse/testing/temp_files.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lse::testing {

std::string TempDir() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::string TempPath(const std::string& name, const std::string& suffix) {
    return TempDir() + "/" + name + "-" + std::to_string(getpid()) + suffix;
}

std::string MakeTempFile(const std::string& prefix, const std::string& suffix) {
    std::string path = TempDir() + "/" + prefix + "XXXXXX" + suffix;
    const int fd = mkstemps(path.data(), static_cast<int>(suffix.size()));
    if (fd < 0) throw std::runtime_error("cannot create a temporary file like " + path);
    ::close(fd);
    return path;
}

std::string MakeTempDir(const std::string& prefix) {
    std::string path = TempDir() + "/" + prefix + "XXXXXX";
    if (mkdtemp(path.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory like " + path);
    return path;
}

std::string ReadWhole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace lse::testing
