#include "lse/prometheus/tcp_listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::prometheus {
namespace {

std::string AddressText(const ListenAddress& a) {
    const bool v6 = a.host.find(':') != std::string::npos;
    return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

}  // namespace


// Binds a listening socket to the first resolved address that accepts it.
int BindTcpListener(const ListenAddress& address, std::string_view flag) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (address.host.empty()) hints.ai_family = AF_INET;  // ":PORT": every IPv4 interface
    const std::string port = std::to_string(address.port);
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(), port.c_str(), &hints, &list);
    const std::string where = std::string(flag) + " " + AddressText(address);
    if (rc != 0) {
        const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
        if (rc == EAI_NONAME || rc == EAI_FAIL) throw UsageError(where + ": cannot resolve the host: " + why);
        throw SetupError(where + ": cannot resolve the host: " + why);
    }
    int last_errno = 0;
    int fd = -1;
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // restart right after a previous run
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) throw SetupError(where + ": cannot listen: " + std::strerror(last_errno));
    return fd;
}

int ListenerPort(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return 0;
}

}  // namespace lse::prometheus
