#pragma once
// Writing scenario files into a private temporary directory for a test.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace lse::lua::testing {

class TempScripts {
public:
    TempScripts() {
        char tmpl[] = "/tmp/lse-lua-test-XXXXXX";
        dir_ = mkdtemp(tmpl);
    }
    ~TempScripts() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string Write(const std::string& name, const std::string& text) const {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << text;
        return path;
    }

private:
    std::string dir_;
};

}  // namespace lse::lua::testing
