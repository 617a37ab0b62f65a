#include "lse/transport/embedded_broker.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/process/find_program.hpp"
#include "lse/transport/broker_config.hpp"

namespace lse::transport {

namespace {

constexpr int kPollMs = 20;
constexpr int kStopGraceMs = 3000;
constexpr int kAutoPortAttempts = 3;
constexpr std::size_t kLogTailBytes = 2048;
constexpr std::string_view kReadyLine = "Server is ready";  // logged by nats-server 2.x once it listens

std::string ErrnoText(int err) { return std::strerror(err); }

/// PATH lookup done before Start, so a missing binary is a clear error rather than an exec failure.
std::string ResolveBinary(const std::string& binary) {
    std::string path = process::FindProgram(binary);
    if (!path.empty()) return path;
    if (binary.find('/') != std::string::npos) {
        throw SetupError("cannot start the NATS broker: '" + binary + "' is not an executable file");
    }
    throw SetupError("cannot start the NATS broker: '" + binary +
                     "' not found in PATH (install nats-server, e.g. `apt-get install nats-server`, "
                     "or point to the binary)");
}

int FreeLoopbackPort() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SetupError("cannot pick a port for the NATS broker: " + ErrnoText(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int err = errno;
        close(fd);
        throw SetupError("cannot pick a port for the NATS broker: " + ErrnoText(err));
    }
    close(fd);
    return ntohs(addr.sin_port);
}

std::string ProbeHost(const std::string& host) {
    return host.empty() || host == "0.0.0.0" || host == "localhost" ? "127.0.0.1" : host;
}

bool AcceptsConnections(const std::string& host, int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return false;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

std::string TempBase() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

constexpr std::string_view kRunDirPrefix = "lsengine-";
constexpr const char* kLockName = "/.lock";

/// "lsengine-<pid>-XXXXXX" -> pid; 0 for any other name.
pid_t RunDirPid(std::string_view name) {
    if (name.substr(0, kRunDirPrefix.size()) != kRunDirPrefix) return 0;
    name.remove_prefix(kRunDirPrefix.size());
    const auto dash = name.find('-');
    if (dash == 0 || dash == std::string_view::npos || name.size() - dash != 7) return 0;
    pid_t pid = 0;
    for (char c : name.substr(0, dash)) {
        if (c < '0' || c > '9' || pid > 100'000'000) return 0;
        pid = pid * 10 + (c - '0');
    }
    return pid;
}

/// A run directory is stale when nobody holds its lock (the owner's lock dies with it, whatever killed it), or
/// when it has no lock file and its pid is gone.
bool StaleRunDir(const std::string& dir, pid_t pid) {
    const int fd = open((dir + kLockName).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno == ENOENT && kill(pid, 0) != 0 && errno == ESRCH;
    const bool free = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free;
}

/// Removes what a SIGKILL or a double Ctrl-C left behind: run directories of this user whose process is gone,
/// with the broker files in them. Anything else in such a directory keeps it (rmdir fails).
void RemoveStaleRunDirs(const std::string& base) {
    DIR* d = opendir(base.c_str());
    if (d == nullptr) return;
    std::vector<std::string> stale;
    while (const dirent* e = readdir(d)) {
        const pid_t pid = RunDirPid(e->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        const std::string dir = base + "/" + e->d_name;
        struct stat st {};
        if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) continue;
        if (StaleRunDir(dir, pid)) stale.push_back(dir);
    }
    closedir(d);
    for (const std::string& dir : stale) {
        if (DIR* inner = opendir(dir.c_str())) {
            while (const dirent* e = readdir(inner)) {
                if (std::string_view(e->d_name).substr(0, 9) == "lse-nats-") unlink((dir + "/" + e->d_name).c_str());
            }
            closedir(inner);
        }
        unlink((dir + kLockName).c_str());
        rmdir(dir.c_str());
    }
}

std::string MakeTempPath(const std::string& dir, const char* pattern_suffix, int suffix_len) {
    std::string pattern = dir + "/lse-nats-XXXXXX" + pattern_suffix;
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    const int fd = mkstemps(buffer.data(), suffix_len);  // created 0600
    if (fd < 0) throw SetupError("cannot create a temporary file for the NATS broker: " + ErrnoText(errno));
    close(fd);
    return buffer.data();
}

void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw SetupError("cannot write the NATS broker config " + path);
}

/// The log text written after `offset` (a user-supplied log file may hold earlier runs).
std::string ReadLogFrom(const std::string& path, std::streamoff offset) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    in.seekg(offset);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::streamoff FileSize(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? static_cast<std::streamoff>(st.st_size) : 0;
}

std::string FileTail(const std::string& path, std::streamoff offset) {
    std::string text = ReadLogFrom(path, offset);
    if (text.size() > kLogTailBytes) text = "..." + text.substr(text.size() - kLogTailBytes);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

}  // namespace

EmbeddedBroker::~EmbeddedBroker() { Stop(); }

void EmbeddedBroker::Start(BrokerOptions options) {
    if (Running()) throw SetupError("the embedded NATS broker is already running");
    if (options.port < 0 || options.port > 65535) {
        throw UsageError("bad NATS broker port " + std::to_string(options.port));
    }
    if (options.token.empty()) options.token = RandomHexToken(32);
    ValidateBrokerToken(options.token);
    if (options.log_file.find('"') != std::string::npos || options.log_file.find('\\') != std::string::npos) {
        throw UsageError("the NATS broker log file path must not contain quotes or backslashes");
    }
    const std::string binary_path = ResolveBinary(options.binary);
    token_ = options.token;
    host_ = options.host.empty() ? "127.0.0.1" : options.host;
    options_ = options;
    binary_path_ = binary_path;

    if (options.port != 0) {
        StartOnce(options, binary_path, options.port);
        return;
    }
    // A port picked by binding to 0 may be taken before the server binds it: retry with another one.
    for (int attempt = 1;; ++attempt) {
        try {
            StartOnce(options, binary_path, FreeLoopbackPort());
            return;
        } catch (const SetupError& e) {
            if (attempt >= kAutoPortAttempts || std::strstr(e.what(), "address already in use") == nullptr) throw;
        }
    }
}

void EmbeddedBroker::MakeRunDir() {
    if (!run_dir_.empty()) return;
    const std::string base = TempBase();
    RemoveStaleRunDirs(base);
    std::string pattern = base + "/" + std::string(kRunDirPrefix) + std::to_string(getpid()) + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {  // created 0700
        throw SetupError("cannot create a temporary directory for the NATS broker in " + base + ": " +
                         ErrnoText(errno));
    }
    run_dir_ = buffer.data();
    // Held until Stop() or this process dies: the next lsengine tells a live run's directory from a stale one.
    run_dir_lock_ = open((run_dir_ + kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (run_dir_lock_ >= 0) flock(run_dir_lock_, LOCK_EX | LOCK_NB);
}

void EmbeddedBroker::StartOnce(const BrokerOptions& options, const std::string& binary_path, int port) {
    owns_log_ = options.log_file.empty();
    MakeRunDir();  // config and log live in a per-run directory, cleaned by the next start if we are killed
    if (log_path_.empty()) log_path_ = owns_log_ ? MakeTempPath(run_dir_, ".log", 4) : options.log_file;
    const std::streamoff log_offset = FileSize(log_path_);  // Restart appends to the same log
    if (!restarting_) log_start_ = log_offset;  // a user's log file may hold earlier runs
    config_path_ = MakeTempPath(run_dir_, ".conf", 5);
    WriteFile(config_path_, RenderBrokerConfig(host_, port, token_, ""));

    process::SpawnOptions spawn;
    spawn.argv = {binary_path, "-c", config_path_, "-l", log_path_};
    // Config errors are printed to stderr before the logger starts: keep them in the log for the tail.
    spawn.stdout_path = log_path_;
    spawn.stderr_path = log_path_;
    spawn.append = true;
    spawn.stdin_null = true;
    port_ = port;
    if (const auto error = process_.Start(spawn)) {  // dies with us: die_with_parent (see Start's comment)
        Stop();
        if (error->stage == process::SpawnError::Stage::kSetup) {
            throw SetupError("cannot start the NATS broker: fork failed: " + error->Text());
        }
        throw SetupError("cannot start the NATS broker '" + binary_path + "': " + error->Text());
    }

    const std::string probe = ProbeHost(host_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.start_timeout_ms);
    while (true) {
        if (const auto status = process_.Poll()) {
            const std::string tail = FileTail(log_path_, log_offset);
            Stop();
            throw SetupError("the NATS broker (" + binary_path + ") " + status->Describe() + " while starting on " +
                             host_ + ":" + std::to_string(port) + (tail.empty() ? "" : ":\n" + tail));
        }
        // Both checks: a TCP connect alone could reach some other process that holds the port, and the log
        // line alone does not prove the address is reachable from here.
        if (ReadLogFrom(log_path_, log_offset).find(kReadyLine) != std::string::npos &&
            AcceptsConnections(probe, port)) {
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            const std::string tail = FileTail(log_path_, log_offset);
            Stop();
            throw SetupError("the NATS broker did not accept connections on " + host_ + ":" + std::to_string(port) +
                             " within " + std::to_string(options.start_timeout_ms) + " ms" +
                             (tail.empty() ? "" : ":\n" + tail));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
    // The server has read its config; the token should not linger on disk.
    unlink(config_path_.c_str());
    config_path_.clear();
}

std::string EmbeddedBroker::ClientUrl() const {
    return "nats://" + ProbeHost(host_) + ":" + std::to_string(port_);
}

std::string EmbeddedBroker::Exited() noexcept {
    if (!process_.Running()) return {};  // never started, or its end was reported already
    const auto status = process_.Poll();
    return status ? status->Describe() : std::string();
}

void EmbeddedBroker::Restart() {
    if (Running()) throw SetupError("the embedded NATS broker is already running");
    if (port_ <= 0 || binary_path_.empty()) throw SetupError("the embedded NATS broker was never started");
    restarting_ = true;
    try {
        StartOnce(options_, binary_path_, port_);
    } catch (...) {
        restarting_ = false;
        throw;
    }
    restarting_ = false;
}

void EmbeddedBroker::Stop() noexcept {
    process_.Stop(kStopGraceMs);
    if (!config_path_.empty()) {
        unlink(config_path_.c_str());
        config_path_.clear();
    }
    if (owns_log_ && !log_path_.empty()) {
        unlink(log_path_.c_str());
        log_path_.clear();
    }
    if (!run_dir_.empty()) {
        unlink((run_dir_ + kLockName).c_str());
        if (run_dir_lock_ >= 0) close(run_dir_lock_);
        run_dir_lock_ = -1;
        rmdir(run_dir_.c_str());
        run_dir_.clear();
    }
}

std::vector<std::string> RefusedClientsInLog(std::string_view log) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < log.size()) {
        size_t end = log.find('\n', pos);
        if (end == std::string_view::npos) end = log.size();
        const std::string_view line = log.substr(pos, end - pos);
        pos = end + 1;
        if (line.find("authentication error") == std::string_view::npos &&
            line.find("Authorization Violation") == std::string_view::npos) {
            continue;
        }
        // "[PID] DATE TIME [ERR] HOST:PORT - cid:N - "VERSION:LANG:NAME" - authentication error"
        const size_t cid = line.find(" - cid:");
        if (cid == std::string_view::npos || cid == 0) continue;
        const size_t space = line.rfind(' ', cid - 1);
        const size_t addr_begin = space == std::string_view::npos ? 0 : space + 1;
        std::string_view address = line.substr(addr_begin, cid - addr_begin);
        if (const size_t colon = address.rfind(':'); colon != std::string_view::npos) address = address.substr(0, colon);
        std::string name = "unnamed";
        const size_t q1 = line.find('"');
        const size_t q2 = q1 == std::string_view::npos ? q1 : line.find('"', q1 + 1);
        if (q2 != std::string_view::npos) {
            std::string_view quoted = line.substr(q1 + 1, q2 - q1 - 1);
            // VERSION:LANG:NAME; the name may itself hold colons, so skip exactly two fields.
            const size_t c1 = quoted.find(':');
            const size_t c2 = c1 == std::string_view::npos ? c1 : quoted.find(':', c1 + 1);
            if (c2 != std::string_view::npos) quoted = quoted.substr(c2 + 1);
            constexpr std::string_view kAgentPrefix = "lsengine-agent ";
            if (quoted.substr(0, kAgentPrefix.size()) == kAgentPrefix) quoted.remove_prefix(kAgentPrefix.size());
            if (!quoted.empty()) name = std::string(quoted);
        }
        std::string entry = name + " (" + std::string(address) + ")";
        if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(std::move(entry));
    }
    return out;
}

std::vector<std::string> EmbeddedBroker::RefusedClients() const {
    if (log_path_.empty()) return {};
    return RefusedClientsInLog(ReadLogFrom(log_path_, log_start_));
}

}  // namespace lse::transport
