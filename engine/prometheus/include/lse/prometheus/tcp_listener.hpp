#pragma once
/// @file
/// A listening TCP socket bound to a ListenAddress: shared by the metrics server and `lsengine serve`'s API, so
/// both resolve, bind and report errors alike.

#include <string_view>

#include "lse/prometheus/listen_address.hpp"

namespace lse::prometheus {

/// A non-blocking, close-on-exec listening socket on the first resolved address that accepts the bind.
/// Throws lse::UsageError when the host cannot be resolved, lse::SetupError when binding fails (the message
/// names `flag`, the address and the errno text, e.g. "Address already in use").
int BindTcpListener(const ListenAddress& address, std::string_view flag);

/// The port a bound socket has (the kernel's choice after port 0); 0 when it cannot be read.
int ListenerPort(int fd);

}  // namespace lse::prometheus
