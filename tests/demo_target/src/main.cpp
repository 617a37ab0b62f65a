// lsengine-demo-target: the HTTP server the engine's integration tests (and demos) run against.
// Prints exactly one line on stdout once listening: `listening on <host>:<port>`.

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: lsengine-demo-target [--host 127.0.0.1] [--port N (0 = any free port)]\n"
    "                            [--idle-timeout 5s (0 disables)] [--quiet]\n";

lse::demo::ServerOptions ParseArgs(int argc, char** argv) {
    lse::demo::ServerOptions options;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&](std::string_view flag) -> std::string {
            if (i + 1 >= argc) throw lse::UsageError(std::string(flag) + " needs a value");
            return argv[++i];
        };
        if (arg == "--host") {
            options.host = value(arg);
        } else if (arg == "--port") {
            std::string text = value(arg);
            char* end = nullptr;
            long port = std::strtol(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || port < 0 || port > 65535) {
                throw lse::UsageError("--port: expected 0..65535, got '" + text + "'");
            }
            options.port = static_cast<int>(port);
        } else if (arg == "--idle-timeout") {
            std::string text = value(arg);
            options.idle_timeout_ms = text == "0" ? 0 : lse::ParseDurationNs(text, "--idle-timeout") / lse::kNsPerMs;
        } else if (arg == "--quiet") {
            options.quiet = true;
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else {
            throw lse::UsageError("unknown argument '" + std::string(arg) + "'");
        }
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // A peer that vanished must be a write error, not our death.
    try {
        lse::demo::Server server(ParseArgs(argc, argv));
        int port = server.Listen();
        std::printf("listening on %s:%d\n", server.Options().host.c_str(), port);
        std::fflush(stdout);
        return server.Run();
    } catch (const lse::Error& e) {
        std::fprintf(stderr, "lsengine-demo-target: %s\n%s", e.what(), kUsage);
        return static_cast<int>(e.code());
    }
}
