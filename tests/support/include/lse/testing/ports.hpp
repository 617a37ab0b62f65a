#pragma once
/// @file
/// Loopback port helpers for integration tests.

namespace lse::testing {

/// Asks the kernel for a free port on 127.0.0.1 (bind to port 0, read it back, close).
/// Racy by nature (someone may grab it before the server binds), but good enough on a test box.
/// Throws lse::SetupError when no socket can be bound.
int FreeTcpPort();

/// Polls until a TCP connect to 127.0.0.1:port succeeds or timeout_ms elapses.
bool WaitForTcpPort(int port, int timeout_ms);

}  // namespace lse::testing
